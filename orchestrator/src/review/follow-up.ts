import { err, ok, type Result } from '../core/result.js';
import type { Manifest, TaskStatus } from '../store/manifest.js';
import type { RunEventInput } from '../store/events/run-event.js';

/**
 * `send`: a follow-up prompt for a finished task's own Codex thread, as the event that records it
 * (the caller's writer appends it); the live orchestrator, or `resume`, runs it as a new attempt
 * with its own artifacts, verified again.
 */

export type SendFailure =
  | { readonly reason: 'empty-prompt' }
  | { readonly reason: 'unknown-task'; readonly taskId: string; readonly known: readonly string[] }
  | { readonly reason: 'gate'; readonly taskId: string }
  | { readonly reason: 'not-finished'; readonly taskId: string; readonly status: TaskStatus };

/** Statuses whose task has nothing running and may take a follow-up. */
const FINISHED: readonly TaskStatus[] = ['succeeded', 'failed', 'cancelled', 'approved', 'rejected'];

export function requestFollowUp(manifest: Readonly<Manifest>, taskId: string, prompt: string, now = new Date()): Result<{ threadId: string | undefined; event: RunEventInput }, SendFailure> {
  if (prompt.trim() === '') return err({ reason: 'empty-prompt' });
  const task = manifest.tasks.find((t) => t.id === taskId);
  if (!task) return err({ reason: 'unknown-task', taskId, known: manifest.tasks.map((t) => t.id) });
  if (task.role === 'gate') return err({ reason: 'gate', taskId });
  if (!FINISHED.includes(task.status)) return err({ reason: 'not-finished', taskId, status: task.status });
  const event: RunEventInput = { kind: 'follow-up-requested', task: taskId, followUp: { from: 'send', prompt, requestedAt: now.toISOString() } };
  return ok({ threadId: task.threadId, event });
}

export function renderSendFailure(f: SendFailure): string {
  switch (f.reason) {
    case 'empty-prompt':
      return 'error: the follow-up prompt is empty\n  hint: codex-orchestrator send <run-id> --task T "what to do next"';
    case 'unknown-task':
      return `error: the run has no task "${f.taskId}"\n  hint: its tasks are: ${f.known.join(', ')}`;
    case 'gate':
      return `error: ${f.taskId} is a gate: it has no Codex thread to send to\n  hint: approve or reject it instead`;
    case 'not-finished':
      return `error: ${f.taskId} is ${f.status}: a follow-up goes to a task that has finished\n  hint: wait for it (codex-orchestrator poll --watch), then send again`;
  }
}
