import { ok, type Result } from '../core/result.js';
import type { ExecuteReplyData } from '../engine/index.js';
import { markTask, type OperatorEvent, type OperatorFailure, type OperatorRequest } from '../review/operator.js';
import { projectKeys, sealRun, type SealWriteFailure } from '../review/seal.js';
import { awaitingText, type Manifest } from '../store/manifest.js';
import { reduce } from '../store/events/reduce.js';
import { RUN_EVENT_VERSION, type RunEventInput } from '../store/events/run-event.js';
import { changeRun, type ChangeFailure } from './run-change.js';

/** What came of `migrate execute <task> --status`. */
export type MarkOutcome =
  /**
   * Recorded: here under the run lock, or by the live run's orchestrator (`live`). `settled`: what
   * a run that ended at its gates now says (the gates still waiting, or to continue it).
   */
  | { readonly kind: 'marked'; readonly live: boolean; readonly event: OperatorEvent; readonly settled: string | undefined; readonly sealFailure: SealWriteFailure | undefined }
  /** Refused on its merits (unknown task, not manual, done already, dependencies not done). */
  | { readonly kind: 'refused'; readonly live: boolean; readonly failure: OperatorFailure }
  /** The live run answered without a mark (a message only: it could not take the request). */
  | { readonly kind: 'answered'; readonly ok: boolean; readonly message: string };

/**
 * An operator's mark on a manual task, through the one protocol of a change to a run
 * (`changeRun`): under the run lock when no orchestrator holds the run (the run is sealed again),
 * or through the live run's inbox when one does (it records the mark and goes on).
 */
export async function markOnRun(runsDir: string, runDir: string, request: OperatorRequest): Promise<Result<MarkOutcome, ChangeFailure<never>>> {
  const keys = projectKeys(runsDir);
  type Here = { readonly event?: OperatorEvent; readonly failure?: OperatorFailure; readonly settled?: string; readonly sealFailure?: SealWriteFailure };
  const changed = await changeRun<Here, never>(runsDir, runDir, {
    purpose: 'execute',
    request: { kind: 'execute', taskId: request.taskId, status: request.status, by: request.by, ...(request.note === undefined ? {} : { note: request.note }) },
    apply: async (manifest) => {
      const marked = markTask(manifest, request);
      if (!marked.ok) return ok({ events: [], value: { failure: marked.error } });
      const settle = settleEndedRun(manifest, marked.value);
      const events: RunEventInput[] = [marked.value, ...(settle ? [settle] : [])];
      return ok({ events, value: { event: marked.value, ...(settle?.kind === 'run-settled' && settle.message ? { settled: settle.message } : {}) } });
    },
    afterRecord: async (value) => {
      const sealed = await sealRun(runDir, keys, { event: 'operator-marked', taskId: request.taskId });
      return sealed.ok ? value : { ...value, sealFailure: sealed.error };
    },
  });
  if (!changed.ok) return changed;
  const c = changed.value;
  if (c.kind === 'applied') {
    const v = c.value;
    if (v.failure) return ok({ kind: 'refused', live: false, failure: v.failure });
    if (!v.event) throw new Error('Internal error: a mark without its event');
    return ok({ kind: 'marked', live: false, event: v.event, settled: v.settled, sealFailure: v.sealFailure });
  }
  const data = c.answer.data as ExecuteReplyData | undefined;
  if (!data) return ok({ kind: 'answered', ok: c.answer.ok, message: c.answer.message });
  if ('failure' in data) return ok({ kind: 'refused', live: true, failure: data.failure });
  return ok({ kind: 'marked', live: true, event: data.event, settled: undefined, sealFailure: undefined });
}

/**
 * A run that ended at its gates (no orchestrator) and a manual task marked done there: what waits
 * now, or, when nothing does, that `migrate run` continues the run (its dependents run then).
 */
function settleEndedRun(m: Readonly<Manifest>, event: OperatorEvent): RunEventInput | undefined {
  if (event.status !== 'done' || m.status !== 'awaiting-approval') return undefined;
  const after = reduce(m, { ...event, v: RUN_EVENT_VERSION, seq: (m.events?.seq ?? 0) + 1, at: new Date().toISOString() });
  const awaiting = after.tasks.filter((t) => t.status === 'awaiting-approval').map((t) => t.id);
  const done = `${event.task} done by ${event.by}`;
  if (awaiting.length > 0) return { kind: 'run-settled', status: m.status, message: `${done}; ${awaitingText(after.tasks, awaiting)}` };
  return { kind: 'run-settled', status: m.status, waitEnded: true, message: `${done}; nothing awaits now: continue the run with: codex-orchestrator migrate run` };
}
