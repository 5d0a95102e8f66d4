import { ok, err, type Result } from '../core/result.js';
import type { SendReplyData } from '../engine/index.js';
import { requestFollowUp, type SendFailure } from '../review/follow-up.js';
import type { LockOwner } from '../store/run-lock.js';
import { changeRun, type ChangeFailure } from './run-change.js';

/** What came of `send`. */
export type SendOutcome =
  /** The live run's orchestrator took the follow-up and runs it now. */
  | { readonly kind: 'live'; readonly owner: LockOwner; readonly threadId: string | undefined }
  /** Recorded under the run lock: resuming the run carries it out. */
  | { readonly kind: 'recorded'; readonly threadId: string | undefined };

/**
 * `send`: a follow-up prompt for a finished task's own Codex thread, run as a new attempt (its
 * own artifacts, verified again), through the live run or recorded for `resume`.
 */
export async function sendFollowUp(runsDir: string, runDir: string, taskId: string, prompt: string): Promise<Result<SendOutcome, ChangeFailure<SendFailure>>> {
  const changed = await changeRun<{ threadId: string | undefined }, SendFailure>(runsDir, runDir, {
    purpose: 'send',
    request: { kind: 'send', taskId, prompt },
    apply: async (manifest) => {
      const sent = requestFollowUp(manifest, taskId, prompt);
      return sent.ok ? ok({ events: [sent.value.event], value: { threadId: sent.value.threadId } }) : sent;
    },
  });
  if (!changed.ok) return changed;
  const c = changed.value;
  if (c.kind === 'applied') return ok({ kind: 'recorded', threadId: c.value.threadId });
  const data = c.answer.data as SendReplyData | undefined;
  if (data && 'failure' in data) return err({ reason: 'refused', refusal: data.failure });
  return ok({ kind: 'live', owner: c.owner, threadId: data?.threadId });
}
