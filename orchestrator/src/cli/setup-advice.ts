import { existsSync } from 'node:fs';
import path from 'node:path';
import type { AnalyzedGraph } from '../graph/analyzed.js';
import { detectProjectCommands } from '../planning/project-commands.js';
import { repoRootOf } from '../workspace/git.js';

/**
 * What `validate` and `run` say when a graph's builders and testers have no `setup` but the
 * repository installs dependencies (a lockfile, a Python project, a virtualenv in the checkout):
 * task worktrees are made outside the repository, so they start without `node_modules` or a
 * virtualenv, and the commands that would install them. Undefined when there is nothing to say.
 */
export async function setupAdvice(graph: AnalyzedGraph): Promise<string | undefined> {
  const working = graph.tasks.filter((t) => t.role !== 'gate');
  if (working.length === 0 || working.some((t) => t.setup.length > 0)) return undefined;
  const root = await repoRootOf(graph.settings.repo ?? path.dirname(graph.file));
  if (root === undefined) return undefined;
  const { setup } = await detectProjectCommands(root);
  const venv = ['.venv', 'venv'].find((d) => existsSync(path.join(root, d, 'pyvenv.cfg')));
  if (setup.length === 0 && venv === undefined) return undefined;
  const found = [...new Set([...setup.map((s) => s.source), ...(venv ? [`a virtualenv (${venv}/)`] : [])])].join(', ');
  const commands = setup.length > 0 ? setup.map((s) => s.command) : ['python3 -m venv .venv && .venv/bin/pip install -e .'];
  return [
    `note: the repository has ${found}, but no task has \`setup\`: task worktrees are made outside the repository and start without what the checkout installed`,
    `  hint: add to the graph's settings: setup: ${JSON.stringify(commands)} (see "Task environments" in the README)`,
  ].join('\n');
}
