import { err, ok, type Result } from '../core/result.js';
import type { RetryReplyData } from '../engine/index.js';
import type { AnalyzedTask } from '../graph/analyzed.js';
import type { GraphLoadFailure } from '../graph/load.js';
import { projectRootOf } from '../review/project.js';
import { planRetry, requestRetry, retryable, type RetryFailure, type RetryPlan } from '../review/retry.js';
import { readRunGraph } from '../review/run-graph.js';
import type { Manifest } from '../store/manifest.js';
import type { ReadFailure } from '../store/read-failure.js';
import { readManifest } from '../store/read.js';
import type { LockOwner } from '../store/run-lock.js';
import { loadCheckedGraph } from './graph-checks.js';
import { changeRun, type ChangeFailure } from './run-change.js';

/** Why a retry cannot even be planned. */
export type RetryPlanFailure =
  | { readonly reason: 'manifest-unreadable'; readonly failure: ReadFailure }
  /** The task may not be retried (its state, a gate, not in the graph file with `--reload`). */
  | { readonly reason: 'refused'; readonly refusal: RetryFailure }
  /** The run's copy of its graph (`graph.yaml`) cannot be read. */
  | { readonly reason: 'run-graph-unreadable'; readonly file: string; readonly message: string }
  /** `--reload`: the graph file has problems. */
  | { readonly reason: 'graph-invalid'; readonly failure: GraphLoadFailure };

/** A planned retry: the task's settings as run and, with `--reload`, what the graph file changes. */
export interface PlannedRetry {
  readonly manifest: Manifest;
  readonly plan: RetryPlan;
}

/**
 * Checks that `taskId` of the run may run again and plans it: the task as run and, with `reload`,
 * as the graph file (`manifest.graph.path`) has it now. Reads, never writes.
 */
export async function planTaskRetry(runsDir: string, runDir: string, taskId: string, reload: boolean): Promise<Result<PlannedRetry, RetryPlanFailure>> {
  const read = await readManifest(runDir);
  if (!read.ok) return err({ reason: 'manifest-unreadable', failure: read.error });
  const manifest = read.value;
  const checked = retryable(manifest, taskId);
  if (!checked.ok) return err({ reason: 'refused', refusal: checked.error });
  const asRun = await readRunGraph(manifest, runDir);
  if (!asRun.ok) return err({ reason: 'run-graph-unreadable', file: asRun.error.file, message: asRun.error.message });
  const task = asRun.value.tasks.find((t) => t.id === taskId) as AnalyzedTask;
  if (!reload) return ok({ manifest, plan: planRetry(manifest, task, undefined) });
  const loaded = await loadCheckedGraph(manifest.graph.path, projectRootOf(runsDir));
  if (!loaded.ok) return err({ reason: 'graph-invalid', failure: loaded.error });
  const fromFile = loaded.value.tasks.find((t) => t.id === taskId);
  if (!fromFile) return err({ reason: 'refused', refusal: { reason: 'not-in-graph', taskId, file: manifest.graph.path } });
  return ok({ manifest, plan: planRetry(manifest, task, fromFile) });
}

/** What came of `retry`. */
export type RetryOutcome =
  /** The live run's orchestrator took it and runs the task now. */
  | { readonly kind: 'live'; readonly owner: LockOwner }
  /** Recorded under the run lock: resuming the run carries it out. */
  | { readonly kind: 'recorded' };

/** `retry`: runs the planned task again, through the live run or recorded for `resume`. */
export async function retryTask(runsDir: string, runDir: string, taskId: string, plan: RetryPlan): Promise<Result<RetryOutcome, ChangeFailure<RetryFailure>>> {
  const changed = await changeRun<undefined, RetryFailure>(runsDir, runDir, {
    purpose: 'retry',
    request: { kind: 'retry', taskId, ...(plan.overrides ? { overrides: plan.overrides } : {}) },
    apply: async (manifest) => {
      const requested = requestRetry(manifest, taskId, plan.overrides, plan.changes);
      if (!requested.ok) return requested;
      return ok({ events: [requested.value], value: undefined });
    },
  });
  if (!changed.ok) return changed;
  const c = changed.value;
  if (c.kind === 'applied') return ok({ kind: 'recorded' });
  const data = c.answer.data as RetryReplyData | undefined;
  if (data && 'failure' in data) return err({ reason: 'refused', refusal: data.failure });
  return ok({ kind: 'live', owner: c.owner });
}
