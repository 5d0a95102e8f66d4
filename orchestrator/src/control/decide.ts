import { ok, type Result } from '../core/result.js';
import type { DecisionReplyData } from '../engine/index.js';
import { decide, type DecisionEffect, type DecisionRequest } from '../review/decide.js';
import { projectRootOf } from '../review/project.js';
import { projectKeys, sealRun, type SealWriteFailure } from '../review/seal.js';
import { awaitingText, describeCounts, settledRunStatus, type Manifest } from '../store/manifest.js';
import { reduce } from '../store/events/reduce.js';
import { RUN_EVENT_VERSION, type RunEventInput } from '../store/events/run-event.js';
import { readManifest } from '../store/read.js';
import { changeRun, type ChangeFailure } from './run-change.js';

/** What came of `approve` / `reject`. */
export type DecisionOutcome =
  /**
   * Decided, or refused on its merits (`reply.failure`): here under the run lock, or by the live
   * run's orchestrator (`live`). `before`: the task's status before the decision (null when unknown).
   */
  | {
      readonly kind: 'decided';
      readonly live: boolean;
      readonly before: string | null;
      readonly reply: DecisionReplyData;
      /** Recorded here but the run could not be sealed again. */
      readonly sealFailure: SealWriteFailure | undefined;
    }
  /** The live run answered without a decision (a message only: it could not take the request). */
  | { readonly kind: 'answered'; readonly ok: boolean; readonly message: string };

/**
 * `approve` and `reject`. When no orchestrator works on the run: under the run lock, read the
 * run's state, decide (`review/decide.ts`), record the decision's events, log it in `runner.log`,
 * and seal the run again (the log line comes before the seal, so the seal covers it). When an
 * orchestrator works on it (a gate it waits at, a task of a run still going), the request goes
 * through the run's inbox and that orchestrator, the run's one writer, decides and answers.
 */
export async function decideOnRun(runsDir: string, runDir: string, request: DecisionRequest): Promise<Result<DecisionOutcome, ChangeFailure<never>>> {
  // Read first: a live run changes the task as soon as it takes the request.
  const current = await readManifest(runDir);
  const statusOf = (m: Manifest): string | null => m.tasks.find((t) => t.id === request.taskId)?.status ?? null;
  let before = current.ok ? statusOf(current.value) : null;
  const keys = projectKeys(runsDir);
  type Here = { readonly reply: DecisionReplyData; readonly sealFailure?: SealWriteFailure };
  const changed = await changeRun<Here, never>(runsDir, runDir, {
    purpose: request.decision === 'approved' ? 'approve' : 'reject',
    request: {
      kind: request.decision === 'approved' ? 'approve' : 'reject',
      taskId: request.taskId,
      reviewer: request.reviewer,
      ...(request.decision === 'approved' ? (request.note === undefined ? {} : { note: request.note }) : { reason: request.reason }),
    },
    apply: async (manifest) => {
      before = statusOf(manifest);
      const decided = await decide({ manifest, runDir, projectRoot: projectRootOf(runsDir), request, keys });
      if (!decided.ok) return ok({ events: [], value: { reply: { failure: decided.error } } });
      const effect = decided.value;
      if (effect.kind === 'unchanged') return ok({ events: [], value: { reply: { effect, seal: null } } });
      const settled = noteOnEndedRun(reduce(manifest, { ...effect.event, v: RUN_EVENT_VERSION, seq: (manifest.events?.seq ?? 0) + 1, at: effect.review.at }), effect, before);
      return ok({ events: [effect.event, ...(settled ? [settled] : [])], value: { reply: { effect, seal: null } } });
    },
    afterRecord: async (value) => {
      if (!('effect' in value.reply) || value.reply.effect.kind !== 'recorded') return value;
      const effect = value.reply.effect;
      const sealed = await sealRun(runDir, keys, { event: effect.review.decision, taskId: effect.taskId });
      return sealed.ok ? { reply: { effect, seal: sealed.value.file } } : { reply: { effect, seal: null }, sealFailure: sealed.error };
    },
  });
  if (!changed.ok) return changed;
  const c = changed.value;
  if (c.kind === 'applied') return ok({ kind: 'decided', live: false, before, reply: c.value.reply, sealFailure: c.value.sealFailure });
  const data = c.answer.data as DecisionReplyData | undefined;
  if (!data) return ok({ kind: 'answered', ok: c.answer.ok, message: c.answer.message });
  return ok({ kind: 'decided', live: true, before, reply: data, sealFailure: undefined });
}

/**
 * A run that ended at its gates says what the decision changed: the gates still awaiting a
 * reviewer, or that none does now and `resume` continues the run (which then runs the gate's
 * dependents, or records how the run ended); a gate sent back to its author also needs `resume`,
 * which runs the revision. Its wait for reviewers ends with the last decision.
 */
function noteOnEndedRun(m: Manifest, effect: Extract<DecisionEffect, { kind: 'recorded' }>, before: string | null): RunEventInput | undefined {
  if (m.status !== 'awaiting-approval' || before !== 'awaiting-approval') return undefined;
  const awaiting = m.tasks.filter((t) => t.status === 'awaiting-approval').map((t) => t.id);
  const decided = `${effect.taskId} ${effect.review.decision} by ${effect.review.reviewer}`;
  const at = effect.review.at;
  const revise = effect.event.rework;
  if (revise) {
    // The gate's author revises its artifact: work to run, whatever other gates still wait.
    const others = awaiting.length > 0 ? `; ${awaitingText(m.tasks, awaiting)}` : '';
    const message = `${decided}; ${revise.task} revises the artifact, then ${effect.taskId} awaits approval again${others}: continue the run with: codex-orchestrator resume ${m.runId}`;
    return { kind: 'run-settled', at, status: m.status, message, ...(awaiting.length === 0 ? { waitEnded: true } : {}) };
  }
  if (awaiting.length > 0) return { kind: 'run-settled', at, status: m.status, message: `${decided}; ${awaitingText(m.tasks, awaiting)}` };
  // Nothing left to run (a rejected gate without dependents, say): the run has ended, and says how.
  const settled = m.tasks.every((t) => SETTLED.has(t.status) && t.followUp === undefined);
  if (settled) {
    const end = settledRunStatus(m.counts);
    return { kind: 'run-settled', at, status: end.status, waitEnded: true, ...(end.reason ? { reason: end.reason } : {}), ...(end.status === 'failed' ? { message: describeCounts(m.counts) } : {}) };
  }
  return { kind: 'run-settled', at, status: m.status, waitEnded: true, message: `${decided}; no gate awaits approval now: continue the run with: codex-orchestrator resume ${m.runId}` };
}

/** Task states nothing more comes of without a new command (`retry`, `send`, a rejection). */
const SETTLED: ReadonlySet<string> = new Set(['succeeded', 'failed', 'skipped', 'approved', 'rejected']);
