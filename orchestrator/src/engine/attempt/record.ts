import type { Artifact, CheckResult, FollowUp, SandboxDenial, SetupRecord, TriageRecord, VerdictSummary } from '../../store/manifest.js';
import type { RunWriter } from '../../store/run-writer.js';
import { taskTimes } from '../../store/timings.js';
import type { DiffStat } from '../../workspace/git.js';
import type { NextStep } from './next-step.js';
import type { AttemptUsage } from './task-usage.js';
import { sumRunUsage } from './task-usage.js';

/**
 * Every change an attempt makes to its task's record in the manifest, and nothing else: the one
 * place the attempt writes a task's or an attempt's status. Each function is one step of the
 * attempt (started, worktree ready, set up, thread known, usage, ended), so each can become one
 * event of a run's log without touching the stages.
 */
export type RecordPort = Pick<RunWriter, 'updateTask' | 'update'>;

/** A new attempt: the task runs; what the last attempt left (reason, verdict, triage) stays in its history. */
export function recordAttemptStart(w: RecordPort, taskId: string, a: { readonly n: number; readonly startedAt: Date; readonly followUp: FollowUp | undefined }): void {
  w.updateTask(taskId, (t) => {
    t.status = 'running';
    t.startedAt ??= a.startedAt.toISOString();
    delete t.reason;
    delete t.message;
    delete t.followUp;
    // The last attempt's verdict and triage stay in its history (and files in attempt-<n>/).
    delete t.verdict;
    delete t.triage;
    t.attempts.push({ n: a.n, status: 'running', startedAt: a.startedAt.toISOString(), ...(a.followUp ? { followUp: a.followUp } : {}) });
  });
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
  w.updateTask(taskId, (t) => {
    const a = t.attempts.at(-1);
    if (a) {
      a.status = status;
      a.finishedAt = e.finishedAt.toISOString();
      if (t.threadId) a.threadId = t.threadId;
      if (failure) {
        a.reason = failure.reason;
        a.message = failure.message;
        a.retryable = failure.retryable;
        a.class = failure.retryable ? 'retryable' : 'fatal';
      }
      if (e.verdict) a.verdict = e.verdict.summary;
    }
    // A task that goes on (a retry, a fix) stays running.
    t.status = next.kind === 'end' ? status : 'running';
    if (failure) {
      t.reason = failure.reason;
      t.message = failure.message;
    }
    // A retry sends the same follow-up again; a fix sends its own.
    if (next.kind === 'fix') t.followUp = next.followUp;
    else if (next.kind === 'retry' && e.followUp) t.followUp = e.followUp;
    if (e.verdict) t.verdict = { ...e.verdict.summary, attempt: e.attempt, path: e.verdict.path };
    if (e.triage) t.triage = e.triage;
    t.finishedAt = e.finishedAt.toISOString();
    t.durationMs = e.finishedAt.getTime() - new Date(t.startedAt ?? e.startedAt.toISOString()).getTime();
    const times = taskTimes(t, e.finishedAt.getTime());
    if (times.workMs !== null) t.workMs = times.workMs;
    t.waitMs = times.waitMs ?? 0;
    if (e.resultCommit) t.resultCommit = e.resultCommit;
    if (e.stat) t.diffStat = e.stat;
    if (e.checks) t.checks = e.checks;
    if (e.denials.length > 0) t.sandboxDenials = e.denials;
    else delete t.sandboxDenials;
    t.artifacts = e.artifacts;
  });
}
