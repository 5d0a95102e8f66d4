import { err, ok, type Result } from '../core/result.js';
import type { InboxReply } from '../store/inbox.js';
import type { Manifest } from '../store/manifest.js';
import type { ReadFailure } from '../store/read-failure.js';
import { loadRunState } from '../store/read.js';
import type { RunEventInput } from '../store/events/run-event.js';
import { acquireRunLock, type LockFailure, type LockOwner } from '../store/run-lock.js';
import { RunWriter } from '../store/run-writer.js';
import type { StoreFailure } from '../store/store-failure.js';
import { ANSWER_WAIT_MS, askLiveRun, liveOrchestrator, type LiveRequest } from './live-run.js';

/**
 * The one protocol of every command that changes a run (`approve`, `reject`, `send`, `retry`):
 * take the run lock and record the change as events of the run's log under it, or, when the run's own orchestrator holds
 * the lock (a live run: the run's one writer), hand the request to it through the run's inbox and
 * wait for its answer. Never prints: the outcome and the failures are values the CLI renders.
 */
export interface RunChange<A, F> {
  /** What holds the lock meanwhile (`approve`, `send`, `retry`, …). */
  readonly purpose: string;
  /** The request for a live run. */
  readonly request: LiveRequest;
  /**
   * Under the run lock, given the run's state (its log folded): the change as events (none:
   * nothing changed, nothing is written; `runner.log` tells each event), or why not.
   */
  apply(manifest: Readonly<Manifest>): Promise<Result<{ readonly events: readonly RunEventInput[]; readonly value: A }, F>>;
  /** Still under the lock, once the change is recorded (a decision seals the run again). */
  afterRecord?(value: A): Promise<A>;
}

/** What came of a change. */
export type ChangeOutcome<A> =
  /** The live run's orchestrator took the request and answered (its answer may still refuse it). */
  | { readonly kind: 'live'; readonly owner: LockOwner; readonly answer: InboxReply }
  /** Applied here, under the run lock (`recorded`: the manifest was written). */
  | { readonly kind: 'applied'; readonly value: A; readonly recorded: boolean };

/** Why a change did not happen. */
export type ChangeFailure<F> =
  /** Another process holds the run (not its live orchestrator, whose inbox would take the request). */
  | { readonly reason: 'run-locked'; readonly lock: LockFailure }
  /** The live run's orchestrator did not answer in time (it ended, or is stuck). */
  | { readonly reason: 'no-answer'; readonly owner: LockOwner; readonly waitedMs: number }
  /** The manifest could not be read. */
  | { readonly reason: 'manifest-unreadable'; readonly failure: ReadFailure }
  /** The change itself was refused (its own failure: the task's state, say). */
  | { readonly reason: 'refused'; readonly refusal: F }
  /** The manifest could not be written (the run's store failed). */
  | { readonly reason: 'store-failed'; readonly failure: StoreFailure };

export async function changeRun<A, F>(runsDir: string, runDir: string, change: RunChange<A, F>): Promise<Result<ChangeOutcome<A>, ChangeFailure<F>>> {
  const lock = await acquireRunLock(runDir, change.purpose);
  if (!lock.ok) {
    const owner = liveOrchestrator(lock.error);
    if (!owner) return err({ reason: 'run-locked', lock: lock.error });
    const answer = await askLiveRun(runDir, owner, change.request);
    return answer ? ok({ kind: 'live', owner, answer }) : err({ reason: 'no-answer', owner, waitedMs: ANSWER_WAIT_MS });
  }
  try {
    const read = await loadRunState(runDir);
    if (!read.ok) return err({ reason: 'manifest-unreadable', failure: read.error });
    const applied = await change.apply(read.value.manifest);
    if (!applied.ok) return err({ reason: 'refused', refusal: applied.error });
    const { events, value } = applied.value;
    if (events.length === 0) return ok({ kind: 'applied', value, recorded: false });
    const recorded = await RunWriter.record(runsDir, runDir, read.value.manifest, events, lock.value);
    if (!recorded.ok) return err({ reason: 'store-failed', failure: recorded.error });
    return ok({ kind: 'applied', value: change.afterRecord ? await change.afterRecord(value) : value, recorded: true });
  } finally {
    await lock.value.release();
  }
}
