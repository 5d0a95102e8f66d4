import { runCommandsHere } from '../../core/spawner.js';
import { renderGraphLoadFailure } from '../../graph/render.js';
import { loadCheckedGraph } from '../../control/graph-checks.js';
import { Exit, type Output } from '../output.js';
import { setupAdvice } from '../setup-advice.js';
import { displayPath } from '../runs-dir.js';

/** `validate`: the graph file, its repository at the base commit and its checklists (relative to `projectRoot`). */
export async function validateCommand(file: string, projectRoot: string, json: boolean, out: Output): Promise<number> {
  // A few git commands and then the process ends: the helper would cost more than it saves.
  runCommandsHere();
  const loaded = await loadCheckedGraph(file, projectRoot);
  if (!loaded.ok) {
    if (json) {
      const f = loaded.error;
      const problems = f.reason === 'invalid' ? f.diagnostics.map((d) => ({ file: d.position.file, line: d.position.line, column: d.position.column, message: d.message, hint: d.hint ?? null })) : [];
      out.data(JSON.stringify({ valid: false, reason: f.reason, problems }, null, 2));
    }
    out.info(renderGraphLoadFailure(loaded.error));
    return Exit.usage;
  }
  const g = loaded.value;
  const advice = await setupAdvice(g);
  if (json) {
    out.data(JSON.stringify({ valid: true, file: g.file, name: g.name, sha256: g.sha256, tasks: g.tasks.length, order: g.order, notes: advice ? [advice] : [] }, null, 2));
  }
  const roles = ['builder', 'tester', 'gate'].map((r) => `${g.tasks.filter((t) => t.role === r).length} ${r}`).join(', ');
  out.info(`${displayPath(g.file)}: ok, ${g.tasks.length} tasks (${roles})`);
  if (advice) out.info(advice);
  return Exit.ok;
}
