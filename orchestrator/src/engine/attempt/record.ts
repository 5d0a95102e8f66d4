import type { Artifact, CheckResult, FollowUp, SandboxDenial, SetupRecord, TriageRecord, VerdictSummary } from '../../store/manifest.js';
import type { RunWriter } from '../../store/run-writer.js';
import { taskTimes } from '../../store/timings.js';
import type { DiffStat } from '../../workspace/git.js';
import type { NextStep } from './next-step.js';
import type { AttemptUsage } from './task-usage.js';
import { sumRunUsage } from './task-usage.js';

/**
 * Every change an attempt makes to its task's record, and nothing else: each function is one step
 * of the attempt (started, worktree ready, set up, thread known, usage, ended) recorded as events
 * of the run's log (`store/events/`); the status changes are `attempt-started` and
 * `attempt-finished`, folded by the run's one transition function.
 */
export type RecordPort = Pick<RunWriter, 'apply' | 'updateTask' | 'update' | 'task'>;

/** A new attempt: the task runs; what the last attempt left (reason, verdict, triage) stays in its history. */
export function recordAttemptStart(w: RecordPort, taskId: string, a: { readonly n: number; readonly startedAt: Date; readonly followUp: FollowUp | undefined }): void {
  w.apply({ kind: 'attempt-started', at: a.startedAt.toISOString(), task: taskId, n: a.n, ...(a.followUp ? { followUp: a.followUp } : {}) });
}

/** The attempt's worktree is ready: its branch and the commit it starts from. */
export function recordWorktree(w: RecordPort, taskId: string, where: { readonly branch: string; readonly baseCommit: string }): void {
  w.updateTask(taskId, (t) => {
    t.branch = where.branch;
    t.baseCommit = where.baseCommit;
  });
}

/** What the worktree's setup did (nothing recorded when it had nothing to do). */
export function recordSetup(w: RecordPort, taskId: string, setup: SetupRecord | undefined): void {
  w.updateTask(taskId, (t) => {
    if (setup) t.setup = setup;
    else delete t.setup;
  });
}

/**
 * The task's Codex thread. `started`: the thread was created just now, and the running attempt
 * knows it at once (a resume after a crash continues it).
 */
export function recordThread(w: RecordPort, taskId: string, threadId: string, started: boolean): void {
  w.updateTask(taskId, (t) => {
    t.threadId = threadId;
    if (!started) return;
    // Known on the attempt at once: a resume after a crash continues this thread.
    const running = t.attempts.at(-1);
    if (running?.status === 'running') running.threadId ??= threadId;
  });
}

/** The attempt's usage into the manifest (live) and the run's totals. */
export function recordUsage(w: RecordPort, taskId: string, usage: AttemptUsage): void {
  w.updateTask(taskId, (t) => usage.record(t, t.attempts.at(-1)));
  w.update(sumRunUsage);
}

/** What an attempt came to, as its record and its task's keep it. */
export interface AttemptEnd {
  readonly next: NextStep;
  /** The attempt's number in the task's history. */
  readonly attempt: number;
  readonly startedAt: Date;
  readonly finishedAt: Date;
  /** The follow-up the attempt answered: a retry sends it again. */
  readonly followUp: FollowUp | undefined;
  readonly verdict: { readonly summary: VerdictSummary; readonly path: string } | undefined;
  readonly triage: TriageRecord | undefined;
  readonly resultCommit: string | undefined;
  readonly stat: DiffStat | undefined;
  readonly checks: CheckResult[] | undefined;
  readonly denials: SandboxDenial[];
  readonly artifacts: Partial<Record<string, Artifact>>;
}

/** The attempt's own status: a retry or a fix follows a failed attempt. */
export function attemptStatus(next: NextStep): 'succeeded' | 'failed' | 'cancelled' {
  if (next.kind === 'end') return next.status;
  return next.failure.reason === 'cancelled' ? 'cancelled' : 'failed';
}

/** The attempt's end: its status and failure, the task's status for the next step, and the task's results. */
export function recordAttemptEnd(w: RecordPort, taskId: string, e: AttemptEnd): void {
  const { next } = e;
  const status = attemptStatus(next);
  const failure = next.kind === 'end' && next.status === 'succeeded' ? undefined : next.failure;
  const t = w.task(taskId);
  const at = e.finishedAt.toISOString();
  const durationMs = e.finishedAt.getTime() - new Date(t.startedAt ?? e.startedAt.toISOString()).getTime();
  // The task's times as they stand once the attempt has ended.
  const times = taskTimes({ ...t, durationMs, attempts: t.attempts.map((a) => (a.n === e.attempt ? { ...a, finishedAt: at } : a)) }, e.finishedAt.getTime());
  w.apply({
    kind: 'attempt-finished',
    at,
    task: taskId,
    n: e.attempt,
    outcome: {
      status,
      ...(failure ? { reason: failure.reason, message: failure.message, retryable: failure.retryable, class: failure.retryable ? 'retryable' : 'fatal' } : {}),
      ...(e.verdict ? { verdict: e.verdict.summary } : {}),
    },
    next: next.kind,
    // A task that goes on (a retry, a fix) stays running; a tester whose builders rework its findings waits for them.
    status: next.kind === 'end' ? status : next.kind === 'rework' ? 'pending' : 'running',
    // A retry sends the same follow-up again; a fix sends its own.
    ...(next.kind === 'fix' ? { followUp: next.followUp } : next.kind === 'retry' && e.followUp ? { followUp: e.followUp } : {}),
    ...(next.kind === 'rework' ? { rework: { to: [...next.builders], round: next.followUp.fix ?? 1, of: next.followUp.of ?? next.followUp.fix ?? 1 } } : {}),
    data: {
      ...(e.verdict ? { verdict: { ...e.verdict.summary, attempt: e.attempt, path: e.verdict.path } } : {}),
      ...(e.triage ? { triage: e.triage } : {}),
      finishedAt: at,
      durationMs,
      ...(times.workMs !== null ? { workMs: times.workMs } : {}),
      waitMs: times.waitMs ?? 0,
      ...(e.resultCommit ? { resultCommit: e.resultCommit } : {}),
      ...(e.stat ? { diffStat: e.stat } : {}),
      ...(e.checks ? { checks: e.checks } : {}),
      ...(e.denials.length > 0 ? { sandboxDenials: e.denials } : {}),
      artifacts: e.artifacts,
    },
    ...(e.denials.length > 0 ? {} : { unset: ['sandboxDenials'] }),
  });
  // The tester's findings wait on each builder's thread for its next attempt.
  if (next.kind === 'rework') for (const b of next.builders) w.apply({ kind: 'follow-up-requested', at, task: b, followUp: next.followUp });
}
