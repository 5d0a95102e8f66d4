import { detectCi, detectInfrastructure, isCiFile, isCompose, isKubernetes } from './detect/ci-infra.js';
import { detectCommands } from './detect/commands.js';
import { detectAgentSetups, detectPatterns } from './detect/coordination.js';
import { at, compare } from './detect/facts.js';
import { readManifests } from './detect/manifests.js';
import { detectStack } from './detect/stack.js';
import { detectTestRunners } from './detect/test-runners.js';
import { languageOf } from './languages.js';
import type { Detection, Language, PackageManager, Scale } from './schema.js';
import type { ScannedTree } from './tree.js';

/**
 * The detector: a pure function from the scanned tree to every fact the assessment reports, each
 * with its evidence. The rules live in `detect/` by area (manifests, stack, tests, CI and
 * infrastructure, agent and coordination setups); this file only puts their answers together.
 */
export function detect(tree: ScannedTree): Detection {
  const manifests = readManifests(tree.files);
  const { frameworks, dataStores } = detectStack(tree.files, manifests, (f) => isCompose(f.path) || isCiFile(f.path) || isKubernetes(f));
  const testRunners = detectTestRunners(tree.files, manifests);
  return {
    scale: scaleOf(tree),
    languages: languagesOf(tree),
    packageManagers: manifests.map(
      (m): PackageManager => ({
        name: m.manager,
        manifest: m.path,
        lockfile: m.lockfile,
        dependencies: new Set(m.deps.map((d) => d.name)).size,
        devDependencies: new Set(m.devDeps.map((d) => d.name)).size,
        evidence: m.lockfile === null ? [at(m.path)] : [at(m.path), at(m.lockfile)],
      }),
    ),
    frameworks,
    testRunners,
    ci: detectCi(tree.files),
    dataStores,
    infrastructure: detectInfrastructure(tree.files),
    agentSetups: detectAgentSetups(tree),
    patterns: detectPatterns(tree),
    commands: detectCommands(manifests, testRunners),
  };
}

/** How many large files the scale names one by one (the count is in `files` and `bytes`). */
const LARGE_FILES_LISTED = 20;

function scaleOf(tree: ScannedTree): Scale {
  let bytes = 0;
  let sourceFiles = 0;
  let sourceLines = 0;
  for (const f of tree.files) {
    bytes += f.size;
    if (languageOf(f.path) !== undefined) {
      sourceFiles++;
      sourceLines += f.lines ?? 0;
    }
  }
  return {
    files: tree.files.length,
    directories: tree.directories.length,
    bytes,
    sourceFiles,
    sourceLines,
    skippedFolders: tree.skipped.map((p) => at(p)),
    symlinks: tree.symlinks.map((p) => at(p)),
    largeFiles: tree.files
      .filter((f) => f.read === 'too-large')
      .slice(0, LARGE_FILES_LISTED)
      .map((f) => ({ path: f.path, bytes: f.size })),
    readBound: tree.readBound,
    git: tree.git,
  };
}

/** Languages by lines, then files: the first is the repository's main language. */
function languagesOf(tree: ScannedTree): Language[] {
  const byName = new Map<string, { files: number; lines: number; paths: string[] }>();
  for (const f of tree.files) {
    const name = languageOf(f.path);
    if (name === undefined) continue;
    let l = byName.get(name);
    if (l === undefined) byName.set(name, (l = { files: 0, lines: 0, paths: [] }));
    l.files++;
    l.lines += f.lines ?? 0;
    if (l.paths.length < 3) l.paths.push(f.path);
  }
  return [...byName.entries()]
    .map(([name, l]) => ({ name, files: l.files, lines: l.lines, evidence: l.paths.map((p) => at(p)) }))
    .sort((a, b) => b.lines - a.lines || b.files - a.files || compare(a.name, b.name));
}
