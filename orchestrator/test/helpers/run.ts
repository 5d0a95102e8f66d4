import { readFileSync } from 'node:fs';
import path from 'node:path';
import { executeRun } from '../../src/engine/run/execute.js';
import type { EngineEvent } from '../../src/engine/run/events.js';
import { loadGraph } from '../../src/graph/load.js';
import type { Backend } from '../../src/graph/schema.js';
import type { AtomicWrite } from '../../src/store/atomic.js';
import type { Manifest } from '../../src/store/manifest.js';
import { git, tempRepo, writeFiles } from './temp.js';

/** A repository holding `graph.yaml` (committed), with runs in `<repo>/.runs`. */
export function repoWithGraph(graphYaml: string, files: Record<string, string> = {}): { repo: string; graph: string; runsDir: string } {
  const repo = tempRepo({ 'README.md': '# test\n', '.gitignore': '.runs/\n', ...files });
  writeFiles(repo, { 'graph.yaml': graphYaml });
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'graph');
  return { repo, graph: path.join(repo, 'graph.yaml'), runsDir: path.join(repo, '.runs') };
}

/** Runs a graph file through the engine (real Codex, offline model) and returns the final manifest. */
export async function runGraph(
  graphFile: string,
  runsDir: string,
  options: {
    signal?: AbortSignal;
    events?: EngineEvent[];
    backend?: Backend;
    /** Overrides the graph's `settings.agents`. */
    agents?: boolean;
    waitAtGates?: boolean;
    /** Added to this process's environment (OPENAI_API_KEY is always empty: the offline model). */
    env?: NodeJS.ProcessEnv;
    atomicWrite?: AtomicWrite;
  } = {},
): Promise<{ manifest: Manifest; runDir: string }> {
  const loaded = await loadGraph(graphFile);
  if (!loaded.ok) throw new Error(`graph did not load: ${JSON.stringify(loaded.error)}`);
  const result = await executeRun({
    graph: loaded.value,
    runsDir,
    signal: options.signal ?? new AbortController().signal,
    observer: (e) => options.events?.push(e),
    env: { ...process.env, ...options.env, OPENAI_API_KEY: '' },
    waitAtGates: options.waitAtGates ?? false,
    ...(options.backend ? { backend: options.backend } : {}),
    ...(options.agents !== undefined ? { agents: options.agents } : {}),
    ...(options.atomicWrite ? { atomicWrite: options.atomicWrite } : {}),
  });
  if (!result.ok) throw new Error(`run did not start: ${JSON.stringify(result.error)}`);
  return { manifest: result.value, runDir: path.join(runsDir, result.value.runId) };
}

export function task(m: Manifest, id: string): Manifest['tasks'][number] {
  const t = m.tasks.find((x) => x.id === id);
  if (!t) throw new Error(`no task ${id}`);
  return t;
}

export function readRunFile(runDir: string, rel: string): string {
  return readFileSync(path.join(runDir, rel), 'utf8');
}

/** A patch block adding a file, for prompts. */
export function addFile(file: string, content: string): string {
  const lines = content
    .replace(/\n$/, '')
    .split('\n')
    .map((l) => `      +${l}`);
  return ['      ```patch', '      *** Begin Patch', `      *** Add File: ${file}`, ...lines, '      *** End Patch', '      ```'].join('\n');
}

/** A patch block replacing a file's whole single line, for prompts. */
export function replaceLine(file: string, from: string, to: string): string {
  return ['      ```patch', '      *** Begin Patch', `      *** Update File: ${file}`, '      @@', `      -${from}`, `      +${to}`, '      *** End Patch', '      ```'].join('\n');
}

/** Where a run makes its task worktrees, as its manifest says (outside the repository). */
export function worktreesOf(runDir: string): string {
  try {
    const manifest = JSON.parse(readFileSync(path.join(runDir, 'manifest.json'), 'utf8')) as Manifest;
    return manifest.repo.worktrees ?? path.join(runDir, 'worktrees');
  } catch {
    // Not written yet: a folder that does not exist.
    return path.join(runDir, 'no-manifest-yet');
  }
}
