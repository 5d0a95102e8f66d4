import { extensionOf, languageOf } from './languages.js';
import type { ProbeHit, ProbeName } from './tree.js';

/**
 * What the scanner reads, decided here and not in the scanner, beside the detector that needs it:
 * a repository of 5,000 files is assessed in well under 2 s because most files are never opened
 * (images, data, documentation), source files are read only to count their lines and run the
 * probes, and only manifests, CI files, scripts and configs are kept as text for the detector.
 */

/** Folders never entered: dependencies, build output, version control, virtual environments, run records. */
export const SKIPPED_FOLDERS: ReadonlySet<string> = new Set(['.git', 'node_modules', 'vendor', '.venv', 'venv', 'target', 'dist', 'build', '__pycache__', '.runs', '.codex-orchestrator']);

/** The default bound: a file larger than this is counted by its size and never read. */
export const DEFAULT_READ_BOUND = 256 * 1024;

/** `keep`: read and keep the text; `count`: read to count lines and probe, then drop; `none`: never open. */
export type ReadMode = 'keep' | 'count' | 'none';

/** Files kept by their base name: the manifests and configurations the detector parses. */
const KEPT_NAMES: ReadonlySet<string> = new Set([
  'package.json',
  'pyproject.toml',
  'Pipfile',
  'setup.cfg',
  'setup.py',
  'tox.ini',
  'pytest.ini',
  'go.mod',
  'Cargo.toml',
  'Gemfile',
  'pom.xml',
  'build.gradle',
  'build.gradle.kts',
  'composer.json',
  'Makefile',
  'makefile',
  'GNUmakefile',
  'Jenkinsfile',
  'Dockerfile',
  'Containerfile',
  'CODEOWNERS',
  'schema.prisma',
  'Procfile',
  'Rakefile',
  'Justfile',
  'justfile',
]);

/** Lockfiles and other generated JSON: named by the detector, never read (they are large and say nothing more). */
const NEVER_READ: ReadonlySet<string> = new Set([
  'package-lock.json',
  'npm-shrinkwrap.json',
  'composer.lock',
  'yarn.lock',
  'pnpm-lock.yaml',
  'poetry.lock',
  'uv.lock',
  'Cargo.lock',
  'Gemfile.lock',
  'go.sum',
  'Pipfile.lock',
]);

/** Extensions of configuration and script files, kept as text. */
const KEPT_EXTENSIONS: ReadonlySet<string> = new Set(['.yml', '.yaml', '.toml', '.ini', '.cfg', '.json', '.sh', '.bash', '.zsh', '.mk', '.env', '.properties']);

/** Folders whose extension-less files are scripts (`scripts/deploy`, `bin/setup`, Go's `hack/`). */
const SCRIPT_FOLDER = /(?:^|\/)(?:scripts?|bin|tools|hack|ci)\/[^/.]+$/;

export function readModeOf(path: string): ReadMode {
  const base = path.slice(path.lastIndexOf('/') + 1);
  if (NEVER_READ.has(base)) return 'none';
  if (KEPT_NAMES.has(base) || /^requirements[\w.-]*\.txt$/.test(base) || /^Dockerfile\.|\.Dockerfile$/.test(base) || /^\.env\.(?:example|sample|template|dist)$/.test(base) || SCRIPT_FOLDER.test(path))
    return 'keep';
  const ext = extensionOf(path);
  if (KEPT_EXTENSIONS.has(ext)) return 'keep';
  // Test files are kept: the test detector reads which framework they import.
  if (isTestFile(path)) return 'keep';
  if (languageOf(path) !== undefined) return 'count';
  return 'none';
}

/** A test source file by the naming conventions of its ecosystem. */
export function isTestFile(path: string): boolean {
  const base = path.slice(path.lastIndexOf('/') + 1);
  // A package marker in a tests folder is not a test.
  if (languageOf(path) === undefined || base === '__init__.py') return false;
  return (
    /\.(?:test|spec)\.[cm]?[jt]sx?$/.test(base) ||
    /^test_.*\.py$|_test\.py$/.test(base) ||
    /_test\.go$/.test(base) ||
    /_spec\.rb$|_test\.rb$/.test(base) ||
    /(?:Test|Tests|IT)\.(?:java|kt)$/.test(base) ||
    /Test\.php$/.test(base) ||
    /(?:^|\/)(?:test|tests|__tests__|spec)\/.+/.test(path)
  );
}

/** A probe: a pattern the scanner looks for, line by line, in every file it reads. */
export interface Probe {
  readonly name: ProbeName;
  /** Flags `gim` or `gm`: the scanner walks the matches. */
  readonly pattern: RegExp;
}

export const PROBES: readonly Probe[] = [
  { name: 'codex-exec', pattern: /\bcodex\s+exec\b/gm },
  { name: 'event-log', pattern: /\bevent[-_ ]?log\b|\beventlog\b|\bevent[-_ ]?store\b|\bevents?\.ndjson\b|\bevents?\.jsonl\b|\bappend[-_ ]only\b/gim },
  { name: 'priority-queue', pattern: /\bpriority[-_ ]?queue\b|\bheapq\b|\bBinaryHeap\b|\bqueue[-_ ]priority\b/gim },
  { name: 'defer-queue', pattern: /\bdefer(?:red)?[-_ ]?queue\b|\bdelay(?:ed)?[-_ ]?queue\b/gim },
  { name: 'rust-test', pattern: /#\[(?:tokio::|async_std::)?test\]|#\[cfg\(test\)\]/gm },
  { name: 'unittest', pattern: /^\s*(?:import unittest\b|from unittest\b)/gm },
];

/** How many hits of one probe are kept per file: enough for evidence, bounded for repositories that repeat a word. */
export const HITS_PER_PROBE = 3;

/** Every probe at once, to pass over the many files that match none with one search (a superset: case-insensitive). */
const ANY_PROBE = new RegExp(PROBES.map((p) => `(?:${p.pattern.source})`).join('|'), 'im');

/** The probes' hits in a file's text, by line (at most `HITS_PER_PROBE` of each). */
export function probeText(text: string): ProbeHit[] {
  if (!ANY_PROBE.test(text)) return [];
  const hits: ProbeHit[] = [];
  for (const { name, pattern } of PROBES) {
    let found = 0;
    for (const match of text.matchAll(pattern)) {
      hits.push({ probe: name, line: lineAt(text, match.index) });
      if (++found >= HITS_PER_PROBE) break;
    }
  }
  return hits;
}

/** The 1-based line of a character offset. */
export function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
}
