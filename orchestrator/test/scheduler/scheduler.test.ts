import { describe, expect, it } from 'vitest';
import { abortTag, TaggedAbort } from '../../src/core/abort.js';
import { toTaskId } from '../../src/core/ids.js';
import type { Role } from '../../src/graph/schema.js';
import {
  schedule,
  type AttemptResult,
  type Expansion,
  type GateDecisions,
  type ScheduleOptions,
  type ScheduleState,
  type SchedulableTask,
  type SchedulerHooks,
} from '../../src/scheduler/scheduler.js';

interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Lets every queued microtask and pending I/O callback run (no timing involved). */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((r) => setImmediate(r));
}

function task(id: string, deps: string[] = [], extra: Partial<Omit<SchedulableTask, 'id' | 'deps'>> & { role?: Role } = {}): SchedulableTask {
  return { id: toTaskId(id), role: 'builder', deps: deps.map(toTaskId), timeoutMs: 60_000, ...extra };
}

const SUCCEEDED: AttemptResult = { status: 'succeeded' };

/**
 * A fake run the test drives by hand: each attempt waits until the test calls `finish` (or, with
 * `untilAbort`, until its signal fires), and the harness records what happened. It keeps the
 * tasks' states the way the run's state does (the scheduler keeps none): each hook records its
 * move, an attempt's start and end move its task, and `decide` stands for a reviewer's command.
 */
class Harness {
  readonly log: string[] = [];
  readonly calls: { id: string; attempt: number }[] = [];
  readonly skipped: [string, string][] = [];
  readonly awaiting: string[] = [];
  readonly released: string[] = [];
  readonly notNeeded: string[] = [];
  private readonly book = new Map<string, ScheduleState>();
  private changed: (() => void) | undefined;
  readonly signals = new Map<string, AbortSignal>();
  running = 0;
  maxRunning = 0;
  private readonly results = new Map<string, Deferred<AttemptResult>>();
  private readonly startWaiters = new Map<string, Deferred<void>>();

  constructor(
    private readonly behaviour: (task: SchedulableTask, attempt: number, signal: AbortSignal) => Promise<AttemptResult> | undefined = () => undefined,
    /** The tasks a task's first turn adds instead of running (a fan-out); it is pending again afterwards. */
    private readonly expansions: ReadonlyMap<string, readonly SchedulableTask[]> = new Map(),
  ) {}

  private readonly expanded = new Set<string>();

  readonly hooks: SchedulerHooks = {
    stateOf: (t) => {
      if (!this.book.has(t.id)) this.book.set(t.id, 'pending');
      return this.book.get(t.id) as ScheduleState;
    },
    execute: async (t, attempt, signal): Promise<AttemptResult | Expansion> => {
      const grows = this.expansions.get(t.id);
      if (grows && !this.expanded.has(t.id)) {
        this.expanded.add(t.id);
        this.log.push(`expand:${t.id}`);
        return { status: 'expanded', tasks: grows };
      }
      this.book.set(t.id, 'running');
      const result = await this.attempt(t, attempt, signal);
      // The attempt's end, as `attempt-finished` records it.
      this.book.set(t.id, result.status !== 'failed' ? result.status : result.next === 'end' ? 'failed' : result.next === 'rework' ? 'pending' : 'running');
      return result;
    },
    onSkipped: (t, blockedBy) => {
      this.skipped.push([t.id, blockedBy]);
      this.book.set(t.id, 'skipped');
    },
    onNotNeeded: (t) => {
      this.notNeeded.push(t.id);
      this.book.set(t.id, 'skipped');
    },
    onAwaitingApproval: (t) => {
      this.awaiting.push(t.id);
      this.book.set(t.id, 'awaiting-approval');
    },
    onReleased: (t) => {
      this.released.push(t.id);
      this.book.set(t.id, 'pending');
    },
    onNotStarted: (t) => {
      const state = this.book.get(t.id) ?? 'pending';
      if (state === 'pending' || state === 'running') this.book.set(t.id, 'cancelled');
    },
    onDeclined: (t) => {
      this.book.set(t.id, 'failed');
    },
  };

  /** A state from an earlier session of the run. */
  given(id: string, state: ScheduleState): this {
    this.book.set(id, state);
    return this;
  }

  /** A reviewer's command, as the run's control records it; the schedule is told the state changed. */
  decide(id: string, decision: 'approved' | 'rejected' | 'reopen'): void {
    this.book.set(id, decision === 'reopen' ? 'pending' : decision);
    this.changed?.();
  }

  /** Decisions reach the schedule through `decide`. */
  gates(extra: Partial<GateDecisions> = {}): GateDecisions {
    return {
      wait: true,
      subscribe: (changed) => {
        this.changed = changed;
        return () => (this.changed = undefined);
      },
      ...extra,
    };
  }

  get subscribed(): boolean {
    return this.changed !== undefined;
  }

  /** Every task's state as the run's state has it now. */
  states(): Record<string, ScheduleState> {
    return Object.fromEntries(this.book);
  }

  state(id: string): ScheduleState | undefined {
    return this.book.get(id);
  }

  private async attempt(t: SchedulableTask, attempt: number, signal: AbortSignal): Promise<AttemptResult> {
    {
      this.calls.push({ id: t.id, attempt });
      this.signals.set(t.id, signal);
      this.log.push(`start:${t.id}`);
      this.running++;
      this.maxRunning = Math.max(this.maxRunning, this.running);
      this.waiter(t.id).resolve();
      try {
        return await (this.behaviour(t, attempt, signal) ?? this.result(t.id).promise);
      } finally {
        this.running--;
        this.log.push(`finish:${t.id}`);
      }
    }
  }

  /** Resolves once `execute` was called for the task. */
  started(id: string): Promise<void> {
    return this.waiter(id).promise;
  }

  finish(id: string, result: AttemptResult = SUCCEEDED): void {
    const d = this.results.get(id);
    if (!d) throw new Error(`${id} is not running`);
    this.results.delete(id);
    d.resolve(result);
  }

  startedIds(): string[] {
    return this.calls.map((c) => c.id);
  }

  private waiter(id: string): Deferred<void> {
    let d = this.startWaiters.get(id);
    if (!d) this.startWaiters.set(id, (d = deferred<void>()));
    return d;
  }

  private result(id: string): Deferred<AttemptResult> {
    const d = deferred<AttemptResult>();
    this.results.set(id, d);
    return d;
  }
}

function options(extra: Partial<ScheduleOptions> = {}): ScheduleOptions {
  return { concurrency: { builder: 4, tester: 2 }, signal: new AbortController().signal, ...extra };
}

function untilAbort(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/** Every task started only after all its deps finished. */
function expectDepsFinishedBeforeStart(log: readonly string[], tasks: readonly SchedulableTask[]): void {
  for (const t of tasks) {
    const start = log.indexOf(`start:${t.id}`);
    if (start < 0) continue;
    for (const d of t.deps) {
      const finished = log.indexOf(`finish:${d}`);
      expect(finished, `${d} finished before ${t.id} started`).toBeGreaterThanOrEqual(0);
      expect(finished, `${d} finished before ${t.id} started`).toBeLessThan(start);
    }
  }
}

describe('schedule', () => {
  it('starts a task only after all its deps finished', async () => {
    const tasks = [task('a'), task('b', ['a']), task('c', ['a']), task('d', ['b', 'c'])];
    const h = new Harness();
    const run = schedule(tasks, h.hooks, options());

    await h.started('a');
    await settle();
    expect(h.startedIds()).toEqual(['a']);

    h.finish('a');
    await Promise.all([h.started('b'), h.started('c')]);
    h.finish('c');
    await settle();
    expect(h.startedIds()).toEqual(['a', 'b', 'c']); // d still waits for b

    h.finish('b');
    await h.started('d');
    h.finish('d');
    await run;

    expect(h.log).toEqual(['start:a', 'finish:a', 'start:b', 'start:c', 'finish:c', 'finish:b', 'start:d', 'finish:d']);
    expectDepsFinishedBeforeStart(h.log, tasks);
    expect(h.states()).toEqual({ a: 'succeeded', b: 'succeeded', c: 'succeeded', d: 'succeeded' });
  });

  it('keeps the dependency order in a wider graph whatever the finishing order', async () => {
    const tasks = [task('r1'), task('r2'), task('m1', ['r1']), task('m2', ['r1', 'r2']), task('leaf', ['m1', 'm2']), task('solo')];
    // Tasks finish after a number of event-loop turns that differs per task, so finishing order is shuffled.
    const turns: Record<string, number> = { r1: 3, r2: 1, m1: 2, m2: 0, leaf: 1, solo: 4 };
    const h = new Harness(async (t) => {
      for (let i = 0; i < (turns[t.id] ?? 0); i++) await new Promise<void>((r) => setImmediate(r));
      return SUCCEEDED;
    });
    await schedule(tasks, h.hooks, options({ concurrency: { builder: 2, tester: 1 } }));
    expectDepsFinishedBeforeStart(h.log, tasks);
    expect(h.calls).toHaveLength(tasks.length);
    expect(h.maxRunning).toBeLessThanOrEqual(2);
    expect(Object.values(h.states()).every((s) => s === 'succeeded')).toBe(true);
  });

  it('runs independent tasks at the same time up to the pool concurrency', async () => {
    const tasks = [task('x'), task('y'), task('z')];
    const h = new Harness();
    const run = schedule(tasks, h.hooks, options({ concurrency: { builder: 2, tester: 1 } }));

    await Promise.all([h.started('x'), h.started('y')]);
    expect(h.running).toBe(2);
    await settle();
    expect(h.startedIds()).toEqual(['x', 'y']); // z waits for a free slot

    h.finish('x');
    await h.started('z');
    expect(h.running).toBe(2);
    h.finish('y');
    h.finish('z');
    await run;
    expect(h.maxRunning).toBe(2);
  });

  it('never runs more than one task at once with concurrency 1', async () => {
    const tasks = [task('x'), task('y'), task('z')];
    const h = new Harness();
    const run = schedule(tasks, h.hooks, options({ concurrency: { builder: 1, tester: 1 } }));
    for (const id of ['x', 'y', 'z']) {
      await h.started(id);
      await settle();
      expect(h.running).toBe(1);
      h.finish(id);
    }
    await run;
    expect(h.maxRunning).toBe(1);
    expect(h.log).toEqual(['start:x', 'finish:x', 'start:y', 'finish:y', 'start:z', 'finish:z']);
  });

  it('gives each role its own pool', async () => {
    const tasks = [task('b1'), task('b2'), task('t1', [], { role: 'tester' })];
    const h = new Harness();
    const run = schedule(tasks, h.hooks, options({ concurrency: { builder: 1, tester: 1 } }));
    await Promise.all([h.started('b1'), h.started('t1')]);
    await settle();
    expect(h.startedIds().sort()).toEqual(['b1', 't1']);
    h.finish('b1');
    await h.started('b2');
    h.finish('b2');
    h.finish('t1');
    await run;
    expect(h.maxRunning).toBe(2);
  });

  it('skips only the dependents of a failed task, transitively, while independent branches go on', async () => {
    const tasks = [task('a'), task('b', ['a']), task('c', ['b']), task('d'), task('e', ['d'])];
    const h = new Harness();
    const run = schedule(tasks, h.hooks, options());

    await Promise.all([h.started('a'), h.started('d')]);
    h.finish('a', { status: 'failed', next: 'end' });
    await settle();
    expect(h.skipped).toEqual([
      ['b', 'a'],
      ['c', 'b'],
    ]);
    h.finish('d');
    await h.started('e');
    h.finish('e');
    await run;

    expect(h.startedIds()).toEqual(['a', 'd', 'e']);
    expect(h.states()).toEqual({ a: 'failed', b: 'skipped', c: 'skipped', d: 'succeeded', e: 'succeeded' });
  });

  it('skips a task when any one of several deps fails', async () => {
    const tasks = [task('ok'), task('bad'), task('both', ['ok', 'bad'])];
    const h = new Harness(async (t) => (t.id === 'bad' ? { status: 'failed', next: 'end' } : SUCCEEDED));
    await schedule(tasks, h.hooks, options());
    expect(h.skipped).toEqual([['both', 'bad']]);
    expect(h.state('both')).toBe('skipped');
    expect(h.startedIds()).not.toContain('both');
  });

  it('aborts a task that runs past its timeout with a task-timeout tag', async () => {
    let reason: unknown;
    const h = new Harness(async (_t, _attempt, signal) => {
      await untilAbort(signal);
      reason = signal.reason;
      expect(abortTag(signal)).toEqual({ kind: 'task-timeout', timeoutMs: 50 });
      return { status: 'failed', next: 'end' };
    });
    await schedule([task('slow', [], { timeoutMs: 50 }), task('after', ['slow'])], h.hooks, options());

    expect(reason).toBeInstanceOf(TaggedAbort);
    expect((reason as TaggedAbort).tag).toEqual({ kind: 'task-timeout', timeoutMs: 50 });
    expect(h.states()).toEqual({ slow: 'failed', after: 'skipped' });
    expect(h.calls).toEqual([{ id: 'slow', attempt: 1 }]);
  });

  it('takes the state execute returns after a timeout', async () => {
    const h = new Harness(async (_t, _attempt, signal) => {
      await untilAbort(signal);
      return SUCCEEDED;
    });
    await schedule([task('late', [], { timeoutMs: 20 })], h.hooks, options());
    expect(h.state('late')).toBe('succeeded');
  });

  it('does not fire a timeout longer than a timer can hold right away', async () => {
    // setTimeout turns delays above 2^31-1 ms into 1 ms; a long timeout must not abort at once.
    let abortedEarly: boolean | undefined;
    const h = new Harness(async (_t, _attempt, signal) => {
      await new Promise<void>((r) => setTimeout(r, 30));
      abortedEarly = signal.aborted;
      return SUCCEEDED;
    });
    await schedule([task('long', [], { timeoutMs: 2 ** 31 + 1000 })], h.hooks, options());
    expect(abortedEarly).toBe(false);
    expect(h.state('long')).toBe('succeeded');
  });

  it('on a run stop cancels running tasks, starts nothing new and ends pending tasks cancelled', async () => {
    const stop = new AbortController();
    const tasks = [task('a'), task('b'), task('queued'), task('dep', ['a']), task('dep2', ['dep'])];
    const h = new Harness(async (_t, _attempt, signal) => {
      await untilAbort(signal);
      return { status: 'cancelled' };
    });
    const started: string[] = [];
    const run = schedule(tasks, { ...h.hooks, onStart: (t) => started.push(t.id) }, options({ concurrency: { builder: 2, tester: 1 }, signal: stop.signal }));

    await Promise.all([h.started('a'), h.started('b')]);
    stop.abort(new TaggedAbort({ kind: 'stop', signal: 'request' }));
    await run;

    expect(h.startedIds()).toEqual(['a', 'b']);
    expect(started).toEqual(['a', 'b']);
    expect(abortTag(h.signals.get('a') as AbortSignal)).toEqual({ kind: 'stop', signal: 'request' });
    expect(h.skipped).toEqual([]);
    expect(h.states()).toEqual({ a: 'cancelled', b: 'cancelled', queued: 'cancelled', dep: 'cancelled', dep2: 'cancelled' });
  });

  it('starts nothing when the run is already stopped', async () => {
    const stop = new AbortController();
    stop.abort(new TaggedAbort({ kind: 'stop', signal: 'SIGINT' }));
    const h = new Harness();
    await schedule([task('a'), task('b', ['a'])], h.hooks, options({ signal: stop.signal }));
    expect(h.calls).toEqual([]);
    expect(h.states()).toEqual({ a: 'cancelled', b: 'cancelled' });
  });

  it('does not retry after a run stop', async () => {
    const stop = new AbortController();
    const h = new Harness(async (_t, _attempt, signal) => {
      await untilAbort(signal);
      return { status: 'failed', next: 'retry' };
    });
    const run = schedule([task('a')], h.hooks, options({ signal: stop.signal }));
    await h.started('a');
    stop.abort(new TaggedAbort({ kind: 'stop', signal: 'SIGTERM' }));
    await run;
    expect(h.calls).toHaveLength(1);
    expect(h.state('a')).toBe('failed');
  });

  it('holds a ready gate for approval and leaves its dependents pending', async () => {
    const tasks = [task('a'), task('gate', ['a'], { role: 'gate' }), task('after', ['gate']), task('later', ['after']), task('free')];
    const h = new Harness(async () => SUCCEEDED);
    await schedule(tasks, h.hooks, options());

    expect(h.awaiting).toEqual(['gate']);
    expect(h.startedIds()).toEqual(['a', 'free']);
    expect(h.skipped).toEqual([]);
    expect(h.states()).toEqual({ a: 'succeeded', gate: 'awaiting-approval', after: 'pending', later: 'pending', free: 'succeeded' });
  });

  it('does not hold a gate whose dependency failed: it is skipped', async () => {
    const tasks = [task('a'), task('gate', ['a'], { role: 'gate' }), task('after', ['gate'])];
    const h = new Harness(async () => ({ status: 'failed', next: 'end' }));
    await schedule(tasks, h.hooks, options());
    expect(h.awaiting).toEqual([]);
    expect(h.skipped).toEqual([
      ['gate', 'a'],
      ['after', 'gate'],
    ]);
    expect(h.state('after')).toBe('skipped');
  });

  it('resumes past approved gates and skips the dependents of rejected ones', async () => {
    const tasks = [task('a'), task('ok-gate', ['a'], { role: 'gate' }), task('go', ['ok-gate']), task('no-gate', ['a'], { role: 'gate' }), task('stay', ['no-gate'])];
    const h = new Harness(async () => SUCCEEDED);
    h.given('a', 'succeeded').given('ok-gate', 'approved').given('no-gate', 'rejected');
    await schedule(tasks, h.hooks, options());
    expect(h.startedIds()).toEqual(['go']);
    expect(h.skipped).toEqual([['stay', 'no-gate']]);
    expect(h.states()).toEqual({ a: 'succeeded', 'ok-gate': 'approved', go: 'succeeded', 'no-gate': 'rejected', stay: 'skipped' });
  });

  it('with a decision source, waits at gates until reviewers decide, then goes on', async () => {
    const tasks = [task('a'), task('ok-gate', ['a'], { role: 'gate' }), task('go', ['ok-gate']), task('no-gate', ['a'], { role: 'gate' }), task('stay', ['no-gate'])];
    const h = new Harness(async () => SUCCEEDED);
    const idle: string[][] = [];
    let busy = 0;
    const done = schedule(tasks, h.hooks, options({ gates: h.gates({ onIdle: (ids) => idle.push([...ids]), onBusy: () => busy++ }) }));
    await settle();
    expect(idle).toEqual([['ok-gate', 'no-gate']]);
    expect(h.startedIds()).toEqual(['a']);
    h.decide('ok-gate', 'approved');
    await settle();
    expect(h.startedIds()).toEqual(['a', 'go']);
    expect(busy).toBe(1);
    expect(idle).toEqual([['ok-gate', 'no-gate'], ['no-gate']]);
    h.decide('no-gate', 'rejected');
    await done;
    expect(h.subscribed).toBe(false);
    expect(h.skipped).toEqual([['stay', 'no-gate']]);
    expect(h.states()).toEqual({ a: 'succeeded', 'ok-gate': 'approved', go: 'succeeded', 'no-gate': 'rejected', stay: 'skipped' });
  });

  it('a gate sent back to its author: the author runs again, the gate awaits approval again, its dependents wait for it', async () => {
    const tasks = [task('a'), task('gate', ['a'], { role: 'gate' }), task('go', ['gate'])];
    const h = new Harness(async () => SUCCEEDED);
    const idle: string[][] = [];
    let busy = 0;
    const done = schedule(tasks, h.hooks, options({ gates: h.gates({ onIdle: (ids) => idle.push([...ids]), onBusy: () => busy++ }) }));
    await settle();
    expect(idle).toEqual([['gate']]);
    // A rejection whose rework goes to the gate's author: the gate is pending, the author runs again.
    h.given('gate', 'pending').decide('a', 'reopen');
    await settle();
    expect(h.startedIds()).toEqual(['a', 'a']);
    expect(busy).toBe(1);
    expect(h.awaiting).toEqual(['gate', 'gate']);
    expect(idle).toEqual([['gate'], ['gate']]);
    expect(h.states()).toMatchObject({ a: 'succeeded', gate: 'awaiting-approval', go: 'pending' });
    expect(h.skipped).toEqual([]);
    h.decide('gate', 'approved');
    await done;
    expect(h.startedIds()).toEqual(['a', 'a', 'go']);
    expect(h.states()).toEqual({ a: 'succeeded', gate: 'approved', go: 'succeeded' });
  });

  it('a skipped task runs after all once the dependency that failed is reopened and succeeds; one still blocked by another failure stays skipped', async () => {
    // `gate` keeps the schedule live while `a` is retried.
    const tasks = [task('a'), task('b', ['a']), task('c', ['b']), task('x'), task('d', ['a', 'x']), task('gate', [], { role: 'gate' })];
    let failA = true;
    const h = new Harness(async (t) => (t.id === 'x' || (t.id === 'a' && failA) ? { status: 'failed', next: 'end' } : SUCCEEDED));
    const done = schedule(tasks, h.hooks, options({ gates: h.gates() }));
    await settle();
    expect(h.skipped.map(([id]) => id).sort()).toEqual(['b', 'c', 'd']);
    failA = false;
    h.decide('a', 'reopen');
    await settle();
    expect(h.released).toEqual(['b', 'c']);
    expect(h.startedIds()).toEqual(['a', 'x', 'a', 'b', 'c']);
    h.decide('gate', 'approved');
    await done;
    expect(h.states()).toEqual({ a: 'succeeded', b: 'succeeded', c: 'succeeded', x: 'failed', d: 'skipped', gate: 'approved' });
  });

  it('releases skipped tasks carried over from an earlier session whose dependency runs again', async () => {
    const tasks = [task('a'), task('b', ['a'])];
    const h = new Harness(async () => SUCCEEDED);
    await schedule(tasks, h.given('b', 'skipped').hooks, options());
    expect(h.released).toEqual(['b']);
    expect(h.startedIds()).toEqual(['a', 'b']);
    expect(h.states()).toEqual({ a: 'succeeded', b: 'succeeded' });
  });

  it("takes each attempt's timeout from limitsOf when given (a retry may change it)", async () => {
    let limits = { timeoutMs: 60_000 };
    const signals: AbortSignal[] = [];
    const h = new Harness(async (_t, _n, signal) => {
      signals.push(signal);
      if (signals.length === 1) {
        limits = { timeoutMs: 5 };
        return { status: 'failed', next: 'retry' };
      }
      await untilAbort(signal);
      return { status: 'failed', next: 'end' };
    });
    await schedule([task('t')], { ...h.hooks, limitsOf: () => limits }, options());
    expect(h.calls.map((c) => c.attempt)).toEqual([1, 2]);
    expect(abortTag(signals[1] as AbortSignal)).toEqual({ kind: 'task-timeout', timeoutMs: 5 });
    expect(h.state('t')).toBe('failed');
  });

  it('stops waiting at gates when the run is stopped', async () => {
    const controller = new AbortController();
    const tasks = [task('gate', [], { role: 'gate' }), task('after', ['gate'])];
    const h = new Harness(async () => SUCCEEDED);
    const done = schedule(tasks, h.hooks, options({ signal: controller.signal, gates: { wait: true, subscribe: () => () => undefined } }));
    await settle();
    controller.abort(new TaggedAbort({ kind: 'stop', signal: 'SIGINT' }));
    await done;
    expect(h.states()).toEqual({ gate: 'awaiting-approval', after: 'cancelled' });
  });

  it('follows the retry an attempt decides on: after the backoff, as the next attempt of the session', async () => {
    // The attempt decides (`nextStep`); here it asks for two retries, then ends.
    const h = new Harness(async (_t, attempt) => ({ status: 'failed', next: attempt <= 2 ? 'retry' : 'end' }));
    const attempts: number[] = [];
    const retries: [string, number, number][] = [];
    await schedule(
      [task('flaky')],
      { ...h.hooks, onStart: (_t, n) => attempts.push(n), onRetry: (t, n, delayMs) => retries.push([t.id, n, delayMs]) },
      options({ retryDelayMs: (retry) => retry * 2 }),
    );
    expect(h.calls.map((c) => c.attempt)).toEqual([1, 2, 3]);
    expect(attempts).toEqual([1, 2, 3]);
    expect(retries).toEqual([
      ['flaky', 1, 2],
      ['flaky', 2, 4],
    ]);
    expect(h.state('flaky')).toBe('failed');
  });

  it('stops once a retried attempt succeeds', async () => {
    const h = new Harness(async (t, attempt) => (t.id === 'flaky' && attempt < 2 ? { status: 'failed', next: 'retry' } : SUCCEEDED));
    await schedule([task('flaky'), task('next', ['flaky'])], h.hooks, options());
    expect(h.calls).toEqual([
      { id: 'flaky', attempt: 1 },
      { id: 'flaky', attempt: 2 },
      { id: 'next', attempt: 1 },
    ]);
    expect(h.states()).toEqual({ flaky: 'succeeded', next: 'succeeded' });
  });

  it('ends a task whose attempt decides the end, and decides no retry itself', async () => {
    const h = new Harness(async () => ({ status: 'failed', next: 'end' }));
    await schedule([task('fatal'), task('zero')], h.hooks, options());
    expect(h.calls).toEqual([
      { id: 'fatal', attempt: 1 },
      { id: 'zero', attempt: 1 },
    ]);
    expect(h.states()).toEqual({ fatal: 'failed', zero: 'failed' });
  });

  it('runs fix attempts at once without counting them as retries, each with its own timeout', async () => {
    const signals: AbortSignal[] = [];
    // Two fixes, then a retry, then an attempt that succeeds.
    const results: AttemptResult[] = [{ status: 'failed', next: 'fix' }, { status: 'failed', next: 'fix' }, { status: 'failed', next: 'retry' }, SUCCEEDED];
    const h = new Harness(async (_t, _attempt, signal) => {
      signals.push(signal);
      return results.shift() ?? { status: 'failed', next: 'end' };
    });
    await schedule([task('build')], h.hooks, options());
    expect(h.calls.map((c) => c.attempt)).toEqual([1, 1, 1, 2]);
    expect(new Set(signals).size).toBe(4);
    expect(h.state('build')).toBe('succeeded');
  });

  it('while held starts nothing new (tasks, retries, follow-ups) and lets running tasks finish', async () => {
    let hold = false;
    const h = new Harness(async (t) => {
      if (t.id === 'running') {
        hold = true;
        return { status: 'failed', next: 'retry' };
      }
      return SUCCEEDED;
    });
    // `queued` waits in the pool (concurrency 1) while `running` runs.
    const tasks = [task('running'), task('queued'), task('dependent', ['running'])];
    await schedule(tasks, h.hooks, options({ concurrency: { builder: 1, tester: 1 }, hold: () => hold }));
    expect(h.calls).toEqual([{ id: 'running', attempt: 1 }]);
    // A dependent of the failed task is skipped as ever; what was ready but not started is cancelled.
    expect(h.states()).toEqual({ running: 'failed', queued: 'cancelled', dependent: 'skipped' });
  });

  it('does not start a follow-up attempt once held', async () => {
    let hold = false;
    const h = new Harness(async () => {
      hold = true;
      return { status: 'failed', next: 'fix' };
    });
    await schedule([task('fixing')], h.hooks, options({ hold: () => hold }));
    expect(h.calls).toHaveLength(1);
    expect(h.state('fixing')).toBe('failed');
  });

  it('starts the longest remaining chain first, then ready tasks in file order', async () => {
    const tasks = [task('zeta'), task('alpha'), task('root'), task('mid'), task('c2', ['root']), task('c1', ['root']), task('c3', ['c2']), task('beta')];
    const h = new Harness(async () => SUCCEEDED);
    await schedule(tasks, h.hooks, options({ concurrency: { builder: 1, tester: 1 } }));
    // root heads the longest chain (root -> c2 -> c3); when it finishes, c2 (still a chain of two)
    // jumps the queue; c1 and c3 then wait behind the independent tasks queued earlier.
    expect(h.startedIds()).toEqual(['root', 'c2', 'zeta', 'alpha', 'mid', 'beta', 'c1', 'c3']);

    const again = new Harness(async () => SUCCEEDED);
    await schedule(tasks, again.hooks, options({ concurrency: { builder: 1, tester: 1 } }));
    expect(again.startedIds()).toEqual(h.startedIds());
  });

  it('runs a rollback (when: failure) only when a dependency did not succeed, once all have settled; else it is not needed', async () => {
    const tasks = [task('a'), task('b'), task('undo-a', ['a'], { when: 'failure' }), task('undo-b', ['a', 'b'], { when: 'failure' }), task('after-b', ['b'])];
    const h = new Harness();
    const run = schedule(tasks, h.hooks, options());
    await h.started('a');
    await h.started('b');
    h.finish('a');
    await settle();
    // undo-b waits for b too; undo-a is not needed.
    expect(h.notNeeded).toEqual(['undo-a']);
    expect(h.startedIds()).toEqual(['a', 'b']);
    h.finish('b', { status: 'failed', next: 'end' });
    await h.started('undo-b');
    h.finish('undo-b');
    await run;
    expect(h.states()).toEqual({ a: 'succeeded', b: 'failed', 'undo-a': 'skipped', 'undo-b': 'succeeded', 'after-b': 'skipped' });
    expect(h.skipped).toEqual([['after-b', 'b']]);
  });

  it("runs a rollback when its step's gate is rejected, and releases one not needed once a dependency turns bad", async () => {
    const tasks = [task('step'), task('gate', ['step'], { role: 'gate' }), task('undo', ['step', 'gate'], { when: 'failure' }), task('next', ['gate'])];
    const h = new Harness();
    const run = schedule(tasks, h.hooks, options({ gates: h.gates() }));
    await h.started('step');
    h.finish('step');
    await settle();
    expect(h.awaiting).toEqual(['gate']);
    h.decide('gate', 'rejected');
    await h.started('undo');
    h.finish('undo');
    await run;
    expect(h.states()).toEqual({ step: 'succeeded', gate: 'rejected', undo: 'succeeded', next: 'skipped' });

    const again = new Harness().given('step', 'succeeded').given('gate', 'approved').given('undo', 'skipped').given('next', 'succeeded');
    const second = schedule(tasks, again.hooks, options({ gates: again.gates({ wait: false }) }));
    await second;
    // Not needed, and nothing released it: every dependency succeeded.
    expect(again.released).toEqual([]);
    const third = new Harness().given('step', 'succeeded').given('gate', 'rejected').given('undo', 'skipped').given('next', 'skipped');
    const done = schedule(tasks, third.hooks, options());
    await third.started('undo');
    third.finish('undo');
    await done;
    expect(third.released).toEqual(['undo']);
  });

  it('learns the tasks an attempt expands the graph by: they run with their pools and priorities, the expanded task after its new deps', async () => {
    const plan = task('plan');
    const fan = task('fan', ['plan']);
    const grown = [
      task('fan-1', ['plan']),
      task('gate-1', ['fan-1'], { role: 'gate' }),
      task('fan-2', ['gate-1']),
      task('check-2', ['fan-2'], { role: 'tester' }),
      task('fan', ['plan', 'gate-1', 'check-2']),
    ];
    const h = new Harness(undefined, new Map([['fan', grown]]));
    const run = schedule([plan, fan], h.hooks, options({ gates: h.gates() }));
    await h.started('plan');
    h.finish('plan');
    await h.started('fan-1');
    expect(h.log).toEqual(['start:plan', 'finish:plan', 'expand:fan', 'start:fan-1']);
    h.finish('fan-1');
    await settle();
    expect(h.awaiting).toEqual(['gate-1']);
    h.decide('gate-1', 'approved');
    await h.started('fan-2');
    h.finish('fan-2');
    await h.started('check-2');
    expect(h.state('fan')).toBe('pending');
    h.finish('check-2');
    await h.started('fan');
    h.finish('fan');
    await run;
    expect(h.startedIds()).toEqual(['plan', 'fan-1', 'fan-2', 'check-2', 'fan']);
    expect(h.states()['fan']).toBe('succeeded');
  });

  it('reports a throwing execute after the run settles, failing the task and skipping its dependents', async () => {
    const h = new Harness(async (t) => {
      if (t.id === 'boom') throw new Error('bug in execute');
      return SUCCEEDED;
    });
    const skipped = h.skipped;
    await expect(schedule([task('boom'), task('after', ['boom']), task('other')], h.hooks, options())).rejects.toThrow('bug in execute');
    expect(skipped).toEqual([['after', 'boom']]);
    expect(h.startedIds()).toEqual(['boom', 'other']);
  });
});
