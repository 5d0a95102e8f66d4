import { assertNever } from '../../core/result.js';
import { planTaskRetry, retryTask, type RetryPlanFailure } from '../../control/retry.js';
import { renderGraphLoadFailure } from '../../graph/render.js';
import { describeChanges, renderRetryFailure, type RetryFailure } from '../../review/retry.js';
import { renderReadFailure } from '../../store/read.js';
import { reportChangeFailure } from '../change-report.js';
import { resumeInForeground } from '../resume-here.js';
import { Exit, type Output } from '../output.js';
import { namedRun } from '../named-run.js';
import { displayPath } from '../runs-dir.js';

export interface RetryOptions {
  readonly runsDir: string;
  readonly target: string;
  readonly taskId: string;
  /** Read the task's settings (timeout, retries, fix attempts, verify) again from the graph file. */
  readonly reload: boolean;
  readonly json: boolean;
}

/**
 * `retry`: runs one failed (or cancelled) task again, as a new attempt from its prompt. A live
 * run's orchestrator takes it through the run's inbox; otherwise it is recorded and the run
 * resumed here, so the task and the dependents it held back run to the end.
 */
export async function retryCommand(o: RetryOptions, out: Output): Promise<number> {
  const run = await namedRun(o.runsDir, o.target, out);
  if (!run) return Exit.usage;
  const { id, runDir } = run;
  const refusal = (f: RetryFailure): string => renderRetryFailure(f.reason === 'not-in-graph' ? { ...f, file: displayPath(f.file) } : f, id);
  const planned = await planTaskRetry(o.runsDir, runDir, o.taskId, o.reload);
  if (!planned.ok) {
    out.info(renderPlanFailure(planned.error, refusal));
    return Exit.usage;
  }
  const { manifest, plan } = planned.value;
  for (const line of describeChanges(plan)) out.info(`${o.taskId}: ${line}`);
  if (o.reload && plan.changes.length === 0) out.info(`${o.taskId}: its settings in ${displayPath(manifest.graph.path)} are those it ran with; nothing changed`);

  const retried = await retryTask(o.runsDir, runDir, o.taskId, plan);
  if (!retried.ok) return reportChangeFailure(retried.error, id, refusal, out);
  if (retried.value.kind === 'live') {
    if (o.json) out.data(JSON.stringify({ runId: id, taskId: o.taskId, queued: true, changes: plan.changes }, null, 2));
    out.info(`retrying ${o.taskId} in run ${id}: the run's orchestrator (process ${retried.value.owner.pid}) runs it now`);
    out.info(`follow it with: codex-orchestrator poll ${id} --watch`);
    return Exit.ok;
  }
  out.info(`retrying ${o.taskId} in run ${id}; running it now`);
  return resumeInForeground(o.runsDir, id, o.json, out);
}

function renderPlanFailure(f: RetryPlanFailure, refusal: (f: RetryFailure) => string): string {
  switch (f.reason) {
    case 'manifest-unreadable':
      return renderReadFailure(f.failure);
    case 'refused':
      return refusal(f.refusal);
    case 'run-graph-unreadable':
      return `error: the run's copy of its graph (${displayPath(f.file)}) cannot be read: ${f.message}`;
    case 'graph-invalid':
      return `${renderGraphLoadFailure(f.failure)}\n  hint: fix the graph file, or retry without --reload to keep the task's settings as run`;
    default:
      return assertNever(f, 'retry plan failure');
  }
}
