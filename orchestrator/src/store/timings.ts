import type { Attempt, Manifest, Review, TaskRecord } from './manifest.js';

/**
 * Working time and waiting time, told apart. A task works during its attempts (each from its
 * start to its end); between them it waits (for a reviewer's rework, a retry, a `send`, a
 * resume). A gate only waits: from the moment it awaits a reviewer to the decision. A run waits
 * while only gates are left and no reviewer has decided, live or ended at the gates.
 */

export interface TaskTimes {
  /** Null when the task never worked (a gate, a task not started). */
  readonly workMs: number | null;
  /** Null when it never waited. */
  readonly waitMs: number | null;
}

const ms = (iso: string): number => new Date(iso).getTime();

/** What `taskTimes` reads of a task (a whole `TaskRecord`, or `poll`'s view of one). */
export type TimedTask = Pick<TaskRecord, 'role' | 'status' | 'awaitingSince' | 'durationMs' | 'operator'> & {
  readonly attempts: readonly Pick<Attempt, 'status' | 'startedAt' | 'finishedAt'>[];
  readonly reviews?: readonly Pick<Review, 'at'>[] | undefined;
};

/** A task's working and waiting time as of `now` (running attempts and open waits count up to `now`). */
export function taskTimes(t: Readonly<TimedTask>, now: number): TaskTimes {
  if (t.role === 'gate' || t.role === 'manual') {
    if (!t.awaitingSince) return { workMs: null, waitMs: null };
    const decidedAt = t.status === 'awaiting-approval' ? undefined : t.role === 'manual' ? t.operator?.at : t.reviews?.at(-1)?.at;
    return { workMs: null, waitMs: Math.max(0, (decidedAt ? ms(decidedAt) : now) - ms(t.awaitingSince)) };
  }
  const attempts = t.attempts;
  if (attempts.length === 0) return { workMs: null, waitMs: null };
  const timed = attempts.every((a) => a.finishedAt !== undefined || a.status === 'running');
  // Runs from before attempts kept their end: only the task's span is known.
  if (!timed) return { workMs: t.durationMs ?? null, waitMs: null };
  const end = (a: (typeof attempts)[number]): number => (a.finishedAt ? ms(a.finishedAt) : now);
  const workMs = attempts.reduce((sum, a) => sum + Math.max(0, end(a) - ms(a.startedAt)), 0);
  const first = attempts[0] as (typeof attempts)[number];
  const last = attempts.at(-1) as (typeof attempts)[number];
  const span = Math.max(0, end(last) - ms(first.startedAt));
  const waitMs = Math.max(0, span - workMs);
  return { workMs, waitMs: waitMs > 0 ? waitMs : null };
}

/** The run's time waiting for reviewers as of `now`, a wait still going on included. */
export function runWaitMs(m: Readonly<Pick<Manifest, 'waitMs' | 'waitingSince'>>, now: number): number {
  return (m.waitMs ?? 0) + (m.waitingSince ? Math.max(0, now - ms(m.waitingSince)) : 0);
}

/** Ends the run's current wait for reviewers (if it waits): its time goes into `waitMs`. */
export function endRunWait(m: Manifest, now: number): void {
  if (!m.waitingSince) return;
  m.waitMs = runWaitMs(m, now);
  delete m.waitingSince;
}
