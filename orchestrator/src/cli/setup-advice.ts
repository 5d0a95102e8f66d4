import { existsSync } from 'node:fs';
import path from 'node:path';
import type { AnalyzedGraph } from '../graph/analyzed.js';
import { detectProjectCommands } from '../planning/project-commands.js';
import { repoRootOf } from '../workspace/git.js';

/**
 * What `validate` and `run` say when a graph's builders and testers have no `setup` but where
 * they work (the repository's root, or their `cwd`) dependencies are installed (a lockfile, a
 * Python project, a virtualenv in the checkout):
 * task worktrees are made outside the repository, so they start without `node_modules` or a
 * virtualenv, and the commands that would install them. Undefined when there is nothing to say.
 */
export async function setupAdvice(graph: AnalyzedGraph): Promise<string | undefined> {
  const working = graph.tasks.filter((t) => t.role !== 'gate');
  if (working.length === 0 || working.some((t) => t.setup.length > 0)) return undefined;
  const root = await repoRootOf(graph.settings.repo ?? path.dirname(graph.file));
  if (root === undefined) return undefined;
  // Where the tasks work: the repository's root, or their `cwd`.
  const folders = [...new Set(working.map((t) => t.cwd ?? ''))].sort();
  for (const folder of folders) {
    const dir = path.join(root, folder);
    const { setup } = await detectProjectCommands(dir);
    const venv = ['.venv', 'venv'].find((d) => existsSync(path.join(dir, d, 'pyvenv.cfg')));
    if (setup.length === 0 && venv === undefined) continue;
    const where = folder === '' ? '' : `${folder}/`;
    const found = [...new Set([...setup.map((s) => `${where}${s.source}`), ...(venv ? [`a virtualenv (${where}${venv}/)`] : [])])].join(', ');
    const commands = setup.length > 0 ? setup.map((s) => s.command) : ['python3 -m venv .venv && .venv/bin/pip install -e .'];
    return [
      `note: the repository has ${found}, but no task has \`setup\`: task worktrees are made outside the repository and start without what the checkout installed`,
      `  hint: add to the graph's settings: setup: ${JSON.stringify(commands)} (see "Task environments" in the README)`,
    ].join('\n');
  }
  return undefined;
}
