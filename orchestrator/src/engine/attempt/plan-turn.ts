import type { AnalyzedTask } from '../../graph/analyzed.js';
import type { TaskRecord } from '../../store/manifest.js';
import type { TurnPlan } from './task-work.js';

/** What an attempt's turn is: the task's prompt, or a follow-up on the task's own thread, and where it continues. */

/**
 * What a resumed attempt says on the thread of the turn the session that ended cut off; the
 * task's prompt follows it.
 */
export const RESUME_FOLLOW_UP =
  'The session running this task ended while you were working on it (the orchestrator was stopped or crashed), so your last turn was cut off. Your working directory holds what you had done by then. Carry on from there and finish the task, given again below.';

/** A fresh turn from the task's prompt, or a follow-up (fix, rework, `send`, resume) on the task's own thread. */
export function planTurn(record: TaskRecord, task: AnalyzedTask): TurnPlan {
  const followUp = record.followUp;
  const threadId = record.threadId;
  if (!followUp) return { prompt: task.prompt ?? '', threadId: undefined, followUp: undefined, continueFrom: undefined };
  // A resumed attempt goes on from what the interrupted one had done; other follow-ups from the last result.
  const commit = followUp.commit ?? record.resultCommit;
  if (!threadId || !commit || !record.baseCommit) {
    // Nothing to continue: the follow-up joins the task's prompt in a new thread.
    return { prompt: `${task.prompt ?? ''}\n\n${followUp.prompt}`, threadId: undefined, followUp, continueFrom: undefined };
  }
  const prompt = followUp.from === 'resume' ? `${followUp.prompt}\n\n${task.prompt ?? ''}` : followUp.prompt;
  return { prompt, threadId, followUp, continueFrom: { worktreeAttempt: threadOrigin(record, threadId), commit, base: record.baseCommit } };
}

/** The attempt that started a thread: its folder is where every follow-up on that thread works. */
export function threadOrigin(record: TaskRecord, threadId: string): number {
  return record.attempts.find((a) => a.threadId === threadId)?.n ?? 1;
}
