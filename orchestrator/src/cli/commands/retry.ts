import type { RetryReplyData } from '../../engine/live/live-requests.js';
import type { AnalyzedTask } from '../../graph/analyzed.js';
import { renderGraphLoadFailure } from '../../graph/render.js';
import { describeChanges, planRetry, renderRetryFailure, requestRetry, retryable, type RetryPlan } from '../../review/retry.js';
import { projectRootOf } from '../../review/project.js';
import { readRunGraph } from '../../review/run-graph.js';
import type { Manifest } from '../../store/manifest.js';
import { readManifest, renderReadFailure } from '../../store/read.js';
import { loadCheckedGraph } from '../graph-checks.js';
import { Exit, type Output } from '../output.js';
import { changeRun } from '../run-change.js';
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
  const read = await readManifest(runDir);
  if (!read.ok) {
    out.info(renderReadFailure(read.error));
    return Exit.usage;
  }
  const checked = retryable(read.value, o.taskId);
  if (!checked.ok) {
    out.info(renderRetryFailure(checked.error, id));
    return Exit.usage;
  }
  const plan = await retryPlan(read.value, runDir, o, out);
  if (!plan) return Exit.usage;
  for (const line of describeChanges(plan)) out.info(`${o.taskId}: ${line}`);
  if (o.reload && plan.changes.length === 0) out.info(`${o.taskId}: its settings in ${displayPath(read.value.graph.path)} are those it ran with; nothing changed`);

  return changeRun(
    o.runsDir,
    runDir,
    id,
    {
      purpose: 'retry',
      request: { kind: 'retry', taskId: o.taskId, ...(plan.overrides ? { overrides: plan.overrides } : {}) },
      live: (answer, owner) => {
        const data = answer.data as RetryReplyData | undefined;
        if (data && 'failure' in data) {
          out.info(renderRetryFailure(data.failure, id));
          return Exit.usage;
        }
        if (o.json) out.data(JSON.stringify({ runId: id, taskId: o.taskId, queued: true, changes: plan.changes }, null, 2));
        out.info(`retrying ${o.taskId} in run ${id}: the run's orchestrator (process ${owner.pid}) runs it now`);
        out.info(`follow it with: codex-orchestrator poll ${id} --watch`);
        return Exit.ok;
      },
      apply: (manifest) => {
        const requested = requestRetry(manifest, o.taskId, plan.overrides);
        if (!requested.ok) return { ok: false, message: renderRetryFailure(requested.error, id) };
        const note = plan.changes.length > 0 ? ` (${plan.changes.map((c) => `${c.setting} ${c.from} → ${c.to}`).join(', ')})` : '';
        return { ok: true, events: [requested.value], line: `task ${o.taskId}: retry requested${note}`, said: `retrying ${o.taskId} in run ${id}; running it now` };
      },
    },
    o.json,
    out,
  );
}

/** The task as run and, with `--reload`, as the graph file has it now. */
async function retryPlan(manifest: Manifest, runDir: string, o: RetryOptions, out: Output): Promise<RetryPlan | undefined> {
  const asRun = await readRunGraph(manifest, runDir);
  if (!asRun.ok) {
    out.info(`error: the run's copy of its graph (${displayPath(asRun.error.file)}) cannot be read: ${asRun.error.message}`);
    return undefined;
  }
  const task = asRun.value.tasks.find((t) => t.id === o.taskId) as AnalyzedTask;
  if (!o.reload) return planRetry(manifest, task, undefined);
  const loaded = await loadCheckedGraph(manifest.graph.path, projectRootOf(o.runsDir));
  if (!loaded.ok) {
    out.info(renderGraphLoadFailure(loaded.error));
    out.info(`  hint: fix the graph file, or retry without --reload to keep the task's settings as run`);
    return undefined;
  }
  const fromFile = loaded.value.tasks.find((t) => t.id === o.taskId);
  if (!fromFile) {
    out.info(renderRetryFailure({ reason: 'not-in-graph', taskId: o.taskId, file: displayPath(manifest.graph.path) }, manifest.runId));
    return undefined;
  }
  return planRetry(manifest, task, fromFile);
}
