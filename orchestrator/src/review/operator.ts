import { assertNever, err, ok, type Result } from '../core/result.js';
import type { Manifest, OperatorStatus, TaskRecord } from '../store/manifest.js';
import type { RunEventInput } from '../store/events/run-event.js';

/**
 * An operator's mark on a manual task (`migrate execute <task> --status running|blocked|done`):
 * the rule, pure. A manual task is done only this way; its dependencies must be done first (the
 * same rule as the scheduler's: succeeded or approved), and done is done once.
 *
 *   pending (deps done) | awaiting-approval ── running | blocked ──► awaiting-approval (claimed, or blocked: still waiting)
 *   pending (deps done) | awaiting-approval ── done ──► succeeded (its dependents are released)
 */

export interface OperatorRequest {
  readonly taskId: string;
  readonly status: OperatorStatus;
  /** Who: `--by`, else `git config user.name`. */
  readonly by: string;
  readonly note?: string | undefined;
}

export type OperatorEvent = Extract<RunEventInput, { kind: 'operator-marked' }>;

/** Why a mark was refused. Nothing was changed. */
export type OperatorFailure =
  /** An empty or multi-line name. */
  | { readonly reason: 'invalid-request'; readonly message: string }
  /** The run has no task of that id. */
  | { readonly reason: 'unknown-task'; readonly taskId: string; readonly known: readonly string[] }
  /** Not a manual task: the engine runs builders and testers, reviewers decide gates. */
  | { readonly reason: 'not-manual'; readonly taskId: string; readonly role: TaskRecord['role']; readonly runId: string }
  /** Its dependencies are not done yet. */
  | { readonly reason: 'not-ready'; readonly taskId: string; readonly waitingFor: readonly string[] }
  /** It was marked done already (by whom, when). */
  | { readonly reason: 'already-done'; readonly taskId: string; readonly by: string; readonly at: string }
  /** A manual task whose dependency failed or was skipped: it was skipped and will not run. */
  | { readonly reason: 'not-markable'; readonly taskId: string; readonly status: string };

const DONE: ReadonlySet<string> = new Set(['succeeded', 'approved']);

export function markTask(manifest: Readonly<Manifest>, request: OperatorRequest): Result<OperatorEvent, OperatorFailure> {
  const by = request.by.trim();
  if (by === '' || /[\r\n]/.test(by)) return err({ reason: 'invalid-request', message: by === '' ? 'the operator name is empty' : 'the operator name has a line break' });
  const task = manifest.tasks.find((t) => t.id === request.taskId);
  if (!task) return err({ reason: 'unknown-task', taskId: request.taskId, known: manifest.tasks.map((t) => t.id) });
  if (task.role !== 'manual') return err({ reason: 'not-manual', taskId: task.id, role: task.role, runId: manifest.runId });
  if (task.operator?.status === 'done' || task.status === 'succeeded')
    return err({ reason: 'already-done', taskId: task.id, by: task.operator?.by ?? '?', at: task.operator?.at ?? task.finishedAt ?? '?' });
  if (task.status !== 'pending' && task.status !== 'awaiting-approval') return err({ reason: 'not-markable', taskId: task.id, status: task.status });
  const statusOf = (id: string): string => manifest.tasks.find((t) => t.id === id)?.status ?? 'pending';
  const waitingFor = task.deps.filter((d) => !DONE.has(statusOf(d)));
  if (waitingFor.length > 0) return err({ reason: 'not-ready', taskId: task.id, waitingFor });
  return ok({ kind: 'operator-marked', task: task.id, status: request.status, by, ...(request.note !== undefined && request.note.trim() !== '' ? { note: request.note } : {}) });
}

/** The message for a refused mark, with what to do. No trailing newline. */
export function renderOperatorFailure(f: OperatorFailure, request: Pick<OperatorRequest, 'taskId' | 'status'>): string {
  const head = `error: cannot mark ${request.taskId} ${request.status}`;
  switch (f.reason) {
    case 'invalid-request':
      return `${head}: ${f.message}\n  hint: say who with --by NAME`;
    case 'unknown-task':
      return `${head}: the run has no task "${f.taskId}"\n  hint: its tasks are: ${f.known.join(', ')}`;
    case 'not-manual': {
      const instead =
        f.role === 'gate'
          ? `a gate is decided by a reviewer: codex-orchestrator approve ${f.runId} --task ${f.taskId} (or reject)`
          : `the orchestrator runs ${f.role} tasks: codex-orchestrator migrate run`;
      return `${head}: it is a ${f.role}, not a manual task\n  hint: ${instead}`;
    }
    case 'not-ready':
      return `${head}: it waits for ${f.waitingFor.join(', ')}\n  hint: its dependencies must be done first (see codex-orchestrator migrate status)`;
    case 'already-done':
      return `${head}: it was marked done by ${f.by} at ${f.at}\n  hint: a manual task is done once; nothing to change`;
    case 'not-markable':
      return `${head}: its status is ${f.status}\n  hint: a dependency did not succeed; retry that one first`;
    default:
      return assertNever(f, 'operator failure');
  }
}
