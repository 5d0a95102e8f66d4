import type { Evidence, Fact, Pattern, PatternName } from '../schema.js';
import type { ProbeName, ScannedFile, ScannedTree } from '../tree.js';
import { at, FactSet } from './facts.js';
import { baseName, dirOf } from './manifests.js';
import { forEachLine } from './stack.js';

/**
 * Agent and coordination setups already present (instructions for agents, their tools' folders,
 * other orchestrators, scripts that call `codex exec`), and the eight coordination patterns a
 * task orchestrator relies on, each found by file names or by lines of configs and scripts.
 */

/** Agent setups by a file's or folder's path. */
const AGENT_PATHS: readonly (readonly [RegExp, string])[] = [
  [/(?:^|\/)AGENTS\.md$/, 'agents-md'],
  [/(?:^|\/)CLAUDE\.md$/, 'claude-md'],
  [/(?:^|\/)GEMINI\.md$|^\.gemini$/, 'gemini-cli'],
  [/^\.codex$/, 'codex'],
  [/^\.claude$/, 'claude-code'],
  [/^\.cursor$|^\.cursorrules$/, 'cursor'],
  [/^\.taskmaster$|^tasks\/tasks\.json$/, 'task-master'],
  [/^\.github\/copilot-instructions\.md$/, 'github-copilot'],
  [/^\.aider\.conf\.ya?ml$|^\.aiderignore$/, 'aider'],
  [/^\.windsurf$|^\.windsurfrules$/, 'windsurf'],
  [/^\.clinerules$/, 'cline'],
  [/^\.roo$/, 'roo-code'],
  [/^\.continue$/, 'continue'],
  [/^\.openhands$/, 'openhands'],
  [/^\.kiro$/, 'kiro'],
  [/^\.bmad-core$/, 'bmad'],
  [/^\.claude-flow$|^\.swarm$|^\.hive-mind$/, 'claude-flow'],
  [/^\.agent-os$/, 'agent-os'],
  [/^\.codex-orchestrator$|^\.runs$/, 'codex-orchestrator'],
];

export function detectAgentSetups(tree: ScannedTree): Fact[] {
  const setups = new FactSet();
  for (const p of [...tree.files.map((f) => f.path), ...tree.directories, ...tree.skipped]) {
    const setup = AGENT_PATHS.find(([re]) => re.test(p));
    if (setup) setups.add(setup[1], at(p));
  }
  for (const f of tree.files) for (const h of hitsOf(f, 'codex-exec')) setups.add('codex-exec-scripts', h);
  return setups.list();
}

/** An ISO-like timestamp with a time (`2024-05-01T10-04-05Z`, Rails' `20240501100405`), a UUID, a ULID, or epoch milliseconds. */
const COLLISION_FREE = [
  /(?:^|\D)(?:19|20)\d{2}-?[01]\d-?[0-3]\d[T_-]?[0-2]\d[-:]?[0-5]\d[-:]?[0-5]\d(?:\.\d+)?Z?(?:\D|$)/,
  /[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/i,
  /(?:^|[^0-9A-Za-z])[0-7][0-9A-HJKMNP-TV-Z]{25}(?:$|[^0-9A-Za-z])/,
  /(?:^|\D)1[5-9]\d{11}(?:\D|$)/,
];

/** A sha1 or sha256 hex digest as the whole name (git's `ab/cdef…` layout too), or `sha256-<digest>`. */
const DIGEST_NAME = /^(?:sha(?:1|256)[-_:])?(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
const DIGEST_SPLIT = /(?:^|\/)[0-9a-f]{2}\/(?:[0-9a-f]{38}|[0-9a-f]{62})(?:\.\w+)?$/;

/** Config keys that map paths or areas to owners. */
const AUTHORITY_KEY = /^\s*["']?(?:authority|authorities|owners|ownership|domains|domain_owners|codeowners)["']?\s*[:=]/;
const PRIORITY_KEY = /^\s*-?\s*["']?(?:priority|priorities)["']?\s*[:=]/;
const DEFER_KEY = /^\s*-?\s*["']?(?:defer|deferred|defer_queue|deferred_queue|delay_queue)["']?\s*[:=]/;

/** Retry loops and flags in shell: a `retry` function, `until …; do`, `for i in 1 2 3`, `--retry`. */
const RETRY_LINES = [
  /^\s*(?:function\s+)?retry\s*(?:\(\s*\))?\s*\{/,
  /^\s*until\s.+(?:;\s*do\b|$)/,
  /^\s*for\s+\w+\s+in\s+(?:1\s+2\s+3\b|\{1\.\.\d+\}|\$\(seq\s)/,
  /(?:^|\s)--(?:retry|retries|max-retries|retry-count)\b/,
];

export function detectPatterns(tree: ScannedTree): Pattern[] {
  const patterns = new FactSet<PatternName>();
  const timestamped: Evidence[] = [];
  const paths = new Set(tree.files.map((f) => f.path));
  for (const f of tree.files) {
    const base = baseName(f.path);
    const stem = base.replace(/\.[^.]+$/, '');
    if (COLLISION_FREE.some((re) => re.test(stem))) timestamped.push(at(f.path));
    if (/\.ndjson$|(?:^|[-_.])events?(?:[-_.][\w-]+)?\.jsonl$|\.eventlog$/i.test(base)) patterns.add('event-log', at(f.path));
    for (const h of hitsOf(f, 'event-log')) patterns.add('event-log', h);
    if (DIGEST_NAME.test(stem) || DIGEST_SPLIT.test(f.path)) patterns.add('content-addressed-files', at(f.path));
    if (/^(?:\.github\/|\.gitlab\/|docs\/)?CODEOWNERS$/.test(f.path)) patterns.add('authority-domains', at(f.path));
    for (const h of hitsOf(f, 'priority-queue')) patterns.add('priority-queue', h);
    for (const h of hitsOf(f, 'defer-queue')) patterns.add('defer-queue', h);
    if (f.path.endsWith('.tla')) {
      const cfg = f.path.replace(/\.tla$/, '.cfg');
      patterns.add('tla-specs', paths.has(cfg) ? [at(f.path), at(cfg)] : at(f.path));
    }
    if (f.text === null) continue;
    if (isConfig(f.path)) {
      const queues = /queue/i.test(f.text);
      forEachLine(f.text, (line, n) => {
        if (AUTHORITY_KEY.test(line)) patterns.add('authority-domains', at(f.path, n));
        if (queues && PRIORITY_KEY.test(line)) patterns.add('priority-queue', at(f.path, n));
        if (queues && DEFER_KEY.test(line)) patterns.add('defer-queue', at(f.path, n));
      });
    }
    if (isScript(f.path)) {
      forEachLine(f.text, (line, n) => {
        if (RETRY_LINES.some((re) => re.test(line))) patterns.add('retry-wrappers', at(f.path, n));
      });
    }
  }
  // One timestamped name may be chance; two or more are a naming scheme.
  if (timestamped.length >= 2) patterns.add('collision-free-ids', timestamped);
  return patterns.list();
}

function hitsOf(f: ScannedFile, probe: ProbeName): Evidence[] {
  return f.hits.filter((h) => h.probe === probe).map((h) => at(f.path, h.line));
}

function isConfig(path: string): boolean {
  return /\.(?:ya?ml|toml|ini|cfg|json|properties)$/.test(path) && !/(?:^|\/)package\.json$/.test(path);
}

/** Shell scripts, Makefiles, CI files, Dockerfiles: where retry wrappers live. */
function isScript(path: string): boolean {
  const base = baseName(path);
  return (
    /\.(?:sh|bash|zsh|mk)$/.test(base) ||
    /^(?:GNUmakefile|makefile|Makefile|Jenkinsfile|Dockerfile|Containerfile|Justfile|justfile)$/.test(base) ||
    /(?:^|\/)(?:scripts?|bin|tools|hack|ci)\/[^/.]+$/.test(path) ||
    (/^\.github\/workflows\//.test(path) && dirOf(path) === '.github/workflows') ||
    /^\.gitlab-ci\.ya?ml$|^\.circleci\//.test(path)
  );
}
