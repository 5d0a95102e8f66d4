import type { AnalyzedTask } from '../../graph/analyzed.js';
import type { CheckEvidence, Verdict } from '../../roles/verdict.js';
import type { FollowUp } from '../../store/manifest.js';
import { findingsPrompt, fixable, fixPrompt } from './fix-loop.js';
import type { Failure } from './task-failure.js';

/**
 * What happens after one attempt of a task: the one place a retry, a fix or the end is decided.
 * The scheduler follows the decision (it only declines to start anything new while the run is
 * stopped or held), the attempt's record writes it, and the log and observers say it.
 *
 *   attempt ─► succeeded ─────────────────────────────────────────────► end (succeeded)
 *      └─► failed ─► retryable, retry k of `retries` left, not stopped, budget left? ─► retry
 *             └─► a builder's verify or verdict failed, with a result, not stopped?
 *                   ├─ fix k of `maxFixAttempts` left, budget left ─► fix (a follow-up on its thread)
 *                   ├─ fix left, budget spent ──────────────────────► end (failed; "no fix attempt: …")
 *                   ├─ fixes used up (k > 0) ───────────────────────► end (failed; "after k fix attempts")
 *                   └─ otherwise ───► end (failed | cancelled; "not retried: …" when only the budget held a retry)
 *             └─► a tester's checks or verdict failed, builders among its dependencies, not stopped?
 *                   ├─ round k of `maxFixAttempts` left, budget left ─► rework (the findings go to each
 *                   │      builder's thread; the tester waits for them, pending, and runs again)
 *                   └─ rounds used up (k > 0) ─────────────────────────► end (failed; "after k rounds of rework")
 *
 * A task's timeout is a failure (`timeout`, fatal) like any other: it ends the task. A stop or the
 * run's timeout is `cancelled`. Retries count this session's attempts (`local`); fixes count the
 * fix follow-ups in a row (a rework or `send` starts over).
 */
export type NextStep =
  /** The attempt again from the start, after the scheduler's backoff: a failure that may pass. */
  | { readonly kind: 'retry'; readonly failure: Failure; readonly retry: number; readonly of: number }
  /** A builder's work failed its checks or verdict: `followUp` goes to the task's own thread at once. */
  | { readonly kind: 'fix'; readonly failure: Failure; readonly followUp: FollowUp }
  /** A tester found problems: `followUp` (its findings) goes to each of `builders`; the tester runs again after them. */
  | { readonly kind: 'rework'; readonly failure: Failure; readonly builders: readonly string[]; readonly followUp: FollowUp }
  /** The task is done for this session. */
  | { readonly kind: 'end'; readonly status: 'succeeded' }
  /** The task is done for this session; `failure.message` says why nothing more was tried when that is not plain. */
  | { readonly kind: 'end'; readonly status: 'failed' | 'cancelled'; readonly failure: Failure };

/** Everything the decision reads: the attempt's outcome, the task's bounds, and the run's state. */
export interface AttemptOutcome {
  readonly task: Pick<AnalyzedTask, 'id' | 'role' | 'retries' | 'maxFixAttempts' | 'fix'>;
  /** Undefined when the attempt succeeded. */
  readonly failure: Failure | undefined;
  /** The attempt's number in the task's history (named in a fix's prompt). */
  readonly attempt: number;
  /** The attempt's number within this session: what retries count. */
  readonly local: number;
  /** The fix this attempt was (0 when it was not one). */
  readonly fixesUsed: number;
  /** For a tester: the builders among its dependencies that have a result (its findings go to them). */
  readonly builders: readonly string[];
  /** For a tester: the rounds of rework its findings caused in a row before this attempt. */
  readonly roundsUsed: number;
  /** Whether the attempt committed a result (a fix continues from it). */
  readonly hasResult: boolean;
  /** The attempt's signal fired (a stop, the run's or the task's timeout). */
  readonly stopped: boolean;
  /** The run reached its token budget. */
  readonly held: boolean;
  /** What a fix's prompt carries: the checks and the tester's verdict. */
  readonly evidence: readonly CheckEvidence[];
  readonly verdict: Verdict | undefined;
  /** When a fix is requested. */
  readonly now: Date;
}

export function nextStep(o: AttemptOutcome): NextStep {
  const { failure, task } = o;
  if (!failure) return { kind: 'end', status: 'succeeded' };
  const end = (f: Failure): NextStep => ({ kind: 'end', status: f.reason === 'cancelled' ? 'cancelled' : 'failed', failure: f });
  const retryLeft = failure.retryable && o.local <= task.retries && !o.stopped;
  if (retryLeft && !o.held) return { kind: 'retry', failure, retry: o.local, of: task.retries };
  const fixDue = fixable(task, failure.reason) && o.hasResult && !o.stopped;
  const used = o.fixesUsed;
  if (fixDue && used < task.maxFixAttempts) {
    if (o.held) return end({ ...failure, message: `${failure.message}; no fix attempt: the run reached its token budget` });
    const prompt = fixPrompt({ task, attempt: o.attempt, fix: used + 1, evidence: o.evidence, verdict: o.verdict });
    return { kind: 'fix', failure, followUp: { from: 'fix', fix: used + 1, of: task.maxFixAttempts, prompt, requestedAt: o.now.toISOString() } };
  }
  const reworkDue = task.role === 'tester' && fixable({ role: 'builder' }, failure.reason) && o.builders.length > 0 && !o.stopped;
  if (reworkDue && o.roundsUsed < task.maxFixAttempts) {
    if (o.held) return end({ ...failure, message: `${failure.message}; no rework: the run reached its token budget` });
    const round = o.roundsUsed + 1;
    const prompt = findingsPrompt({ task, attempt: o.attempt, fix: round, evidence: o.evidence, verdict: o.verdict });
    return { kind: 'rework', failure, builders: o.builders, followUp: { from: 'tester', by: task.id, fix: round, of: task.maxFixAttempts, prompt, requestedAt: o.now.toISOString() } };
  }
  if (reworkDue && o.roundsUsed > 0) return end({ ...failure, message: `${failure.message}; after ${o.roundsUsed} round${o.roundsUsed === 1 ? '' : 's'} of rework` });
  if (fixDue && used > 0) return end({ ...failure, message: `${failure.message}; after ${used} fix attempt${used === 1 ? '' : 's'}` });
  if (retryLeft) return end({ ...failure, message: `${failure.message}; not retried: the run reached its token budget` });
  return end(failure);
}
