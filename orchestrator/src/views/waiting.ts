import { assertNever } from '../core/result.js';
// Types only: the schema module loads zod, which poll's path never does.
import type { Waiting } from './poll-schema.js';

/**
 * "Why isn't this task running?": one reason per task that is not running, from the manifest
 * alone (its tasks' states and dependencies, the run's concurrency per role and token budget).
 * Pure and without zod: `poll --json` computes it for every task of a 1,000-task run.
 *
 * The rules are tried in this order: a dependency that will not succeed blocks the task for good;
 * a reached budget stops everything new; then its dependencies not done yet (in a stopped run too:
 * they are what to look at, and say themselves that the run is not running); a run that is not
 * running starts nothing; then its gate, and its role's pool.
 */

export type { Waiting };

/** What the rules read of a task; a manifest's task and `poll`'s view of one both fit. */
export interface WaitingTask {
  readonly id: string;
  readonly role: string;
  readonly status: string;
  readonly reason?: string | undefined;
  readonly deps: readonly string[];
  /** Set when it runs again because a dependency's result changed after it ran. */
  readonly stale?: { readonly because: readonly string[] } | undefined;
  /** A follow-up waiting for its next attempt (a rework, a `send`): a finished task with one runs again. */
  readonly followUp?: { readonly from: string } | undefined;
  /** A manual task's latest mark by its operator. */
  readonly operator?: { readonly status: string; readonly by: string; readonly at: string; readonly note?: string | undefined } | undefined;
}

/** What the rules read of a run. */
export interface WaitingRun {
  readonly settings: { readonly concurrency: { readonly builder: number; readonly tester: number } };
  readonly budget?: { readonly maxTokens: number; readonly reachedAt?: string | undefined } | undefined;
  readonly usage: { readonly total: number };
  readonly tasks: readonly WaitingTask[];
}

/** Dependency states that let a dependent start (the scheduler's `DONE_OK`). */
const DONE = new Set(['succeeded', 'approved']);
/** Dependency states that never become done without a new command (`retry`, a new decision). */
const WILL_NOT_SUCCEED = new Set(['failed', 'rejected', 'skipped']);
/** Run states in which the run's orchestrator may start tasks. */
const LIVE_RUN = new Set(['running', 'awaiting-approval']);

/** Whether the run's token budget is reached (as `poll` reports it). */
export function budgetReached(run: Pick<WaitingRun, 'budget' | 'usage'>): boolean {
  return run.budget !== undefined && (run.budget.reachedAt !== undefined || run.usage.total >= run.budget.maxTokens);
}

/**
 * Every task's reason, in the manifest's task order. `runStatus` is the run's status as readers
 * show it (`effectiveStatus`: `died` for a run whose orchestrator is gone).
 */
export function waitingReasons(run: WaitingRun, runStatus: string): (Waiting | null)[] {
  const statusOf = new Map<string, string>();
  const running = { builder: 0, tester: 0 };
  for (const t of run.tasks) {
    // A finished task whose follow-up waits runs again (as the scheduler sees it): not done yet.
    statusOf.set(t.id, t.followUp !== undefined && DONE.has(t.status) ? 'pending' : t.status);
    if (t.status === 'running' && (t.role === 'builder' || t.role === 'tester')) running[t.role]++;
  }
  const budget = budgetReached(run);
  const live = LIVE_RUN.has(runStatus);
  return run.tasks.map((t) => waitingOf(t, statusOf, running, run.settings.concurrency, budget, live, runStatus));
}

function waitingOf(
  t: WaitingTask,
  statusOf: ReadonlyMap<string, string>,
  running: { readonly builder: number; readonly tester: number },
  limit: { readonly builder: number; readonly tester: number },
  budget: boolean,
  live: boolean,
  runStatus: string,
): Waiting | null {
  const notDone = (d: string): boolean => !DONE.has(statusOf.get(d) ?? 'pending');
  switch (t.status) {
    case 'awaiting-approval':
      return t.role === 'manual' ? operatorWaiting(t) : { kind: 'gate' };
    case 'skipped':
      return { kind: 'skipped', by: t.deps.filter(notDone) };
    case 'cancelled':
      return t.reason === 'budget-exceeded' ? { kind: 'budget' } : null;
    case 'pending':
    case 'ready':
      break;
    default:
      return null;
  }
  const blockedBy = t.deps.filter((d) => WILL_NOT_SUCCEED.has(statusOf.get(d) ?? 'pending'));
  if (blockedBy.length > 0) return { kind: 'blocked', by: blockedBy };
  if (budget) return { kind: 'budget' };
  const waitingFor = t.deps.filter(notDone);
  if (waitingFor.length > 0) return { kind: 'waiting-for', tasks: waitingFor };
  if (!live) return { kind: 'run-not-running', status: runStatus };
  if (t.stale) return { kind: 'stale', because: [...t.stale.because] };
  if (t.role === 'gate') return { kind: 'gate' };
  if (t.role === 'builder' || t.role === 'tester') {
    const n = running[t.role];
    if (n >= limit[t.role]) return { kind: 'pool-full', role: t.role, running: n, limit: limit[t.role] };
  }
  return { kind: 'ready' };
}

/** A manual task waiting for its operator: unclaimed, claimed (by whom, since when), or blocked. */
function operatorWaiting(t: WaitingTask): Waiting {
  const o = t.operator;
  if (!o || o.status === 'done') return { kind: 'operator', status: 'waiting', by: null, since: null, note: null };
  return { kind: 'operator', status: o.status === 'blocked' ? 'blocked' : 'running', by: o.by, since: o.at, note: o.note ?? null };
}

/**
 * Whether the text views show a task's reason: for a task still to come. A skipped or cancelled
 * task's note already says why (`--json` has the reason of every task).
 */
export function showsWaiting(status: string): boolean {
  return status === 'pending' || status === 'ready' || status === 'awaiting-approval';
}

/** The reason in a few words, for `poll`'s table and `review`'s text: `waiting for a, b`, `pool full: builder 4/4`. */
export function describeWaiting(w: Waiting): string {
  switch (w.kind) {
    case 'waiting-for':
      return `waiting for ${w.tasks.join(', ')}`;
    case 'gate':
      return 'awaiting a decision';
    case 'operator':
      if (w.status === 'running') return `done by hand: claimed by ${w.by ?? '?'} since ${w.since ?? '?'}`;
      if (w.status === 'blocked') return `done by hand: blocked (${w.by ?? '?'})${w.note ? `: ${w.note}` : ''}`;
      return 'awaiting its operator (migrate execute)';
    case 'pool-full':
      return `pool full: ${w.role} ${w.running}/${w.limit}`;
    case 'budget':
      return 'token budget reached';
    case 'blocked':
      return `blocked by ${w.by.join(', ')}`;
    case 'skipped':
      return w.by.length > 0 ? `skipped: ${w.by.join(', ')} did not succeed` : 'skipped';
    case 'run-not-running':
      return `run ${w.status}`;
    case 'ready':
      return 'ready to start';
    case 'stale':
      return `stale: ${w.because.join(', ')} changed; runs again`;
    default:
      return assertNever(w, 'waiting reason');
  }
}
