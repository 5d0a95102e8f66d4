import PQueue from 'p-queue';
import { childController, TaggedAbort } from '../core/abort.js';
import type { TaskId } from '../core/ids.js';
import type { Role } from '../graph/schema.js';

/**
 * The manager's hands: a deterministic scheduler. From the graph and the run's state (read
 * through `stateOf` each time, never copied: the run's events are the one record) it computes
 * the ready set, runs ready tasks through one p-queue pool per role, skips the
 * dependents of tasks that did not succeed while independent branches go on, holds dependents of
 * gates, runs the next attempt an attempt asks for (a retry after a backoff, a fix at once; the
 * attempt decides which, the scheduler only declines while the run is stopped or held), and
 * enforces per-task timeouts. A
 * skipped task runs after all when the dependency that failed is reopened (retried, sent a
 * follow-up, reworked) and no other dependency failed. Queued tasks
 * start longest remaining chain first (so the critical path is never stuck behind independent
 * work), ties in file order. A task that runs only when a dependency failed (`when: failure`, a
 * rollback) waits until all its dependencies have settled, runs when one of them failed or was
 * rejected, and is not needed (skipped) when all succeeded (`rollbackVerdict`). The graph may grow while it runs: an attempt that
 * answers `expanded` hands over new tasks (and new versions of tasks, with more dependencies),
 * which join the pools with their priorities and timeouts. It knows nothing of Codex, git or
 * files: `execute` does the work.
 */

export interface SchedulableTask {
  readonly id: TaskId;
  readonly role: Role;
  readonly deps: readonly TaskId[];
  readonly timeoutMs: number;
  /** `failure`: runs only when a dependency did not succeed (a rollback); default `success`. */
  readonly when?: 'success' | 'failure';
}

/**
 * An attempt that grew the graph instead of working (a fan-out: the caller recorded it first):
 * `tasks` are added, or replace the task of the same id (the same task with more dependencies).
 * The task that answered it is pending again, waiting for its new dependencies.
 */
export interface Expansion<T extends SchedulableTask = SchedulableTask> {
  readonly status: 'expanded';
  readonly tasks: readonly T[];
}

/** What one attempt of a task came to, and what it decided comes next. */
export type AttemptResult =
  | { readonly status: 'succeeded' }
  /**
   * `next`: `retry`: the attempt again after the backoff, as the next attempt of this session (the
   * number retries are counted by); `fix`: another attempt at once that is not a retry (a builder's
   * fix loop), with a timeout of its own; `rework`: the task waits again (pending) for its
   * dependencies, which the caller reopened (a tester's findings go to its builders); `end`: the task failed.
   */
  | { readonly status: 'failed'; readonly next: 'retry' | 'fix' | 'rework' | 'end' }
  /** Stopped by the run's signal. */
  | { readonly status: 'cancelled' };

/** Where a task stands, as far as scheduling goes. */
export type ScheduleState = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'cancelled' | 'awaiting-approval' | 'approved' | 'rejected';

const DONE_OK: ReadonlySet<ScheduleState> = new Set(['succeeded', 'approved']);
const DONE_BAD: ReadonlySet<ScheduleState> = new Set(['failed', 'skipped', 'cancelled', 'rejected']);
/** The longest delay setTimeout honours. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** An attempt's timeout: it runs while the attempt does, except during work it is told to leave out. */
export class AttemptClock {
  private left: number;
  private since = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    timeoutMs: number,
    private readonly onTimeout: () => void,
  ) {
    this.left = timeoutMs;
    this.arm();
  }

  /** Runs `work` with the clock stopped; it goes on afterwards with the time that was left. */
  async outside<T>(work: () => Promise<T>): Promise<T> {
    if (this.timer === undefined) return work();
    clearTimeout(this.timer);
    this.timer = undefined;
    this.left -= Date.now() - this.since;
    try {
      return await work();
    } finally {
      this.since = Date.now();
      this.arm();
    }
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    if (this.stopped) return;
    // setTimeout fires at once for delays above 2^31-1 ms (~24.8 days), so longer timeouts are capped.
    this.timer = setTimeout(this.onTimeout, Math.min(Math.max(this.left, 0), MAX_TIMER_MS));
  }
}

/** `T`: the caller's own kind of task, handed back to its hooks as it was given. */
export interface SchedulerHooks<T extends SchedulableTask = SchedulableTask> {
  /**
   * Where the task stands, read from the run's state each time: the scheduler keeps no copy of
   * it. Every hook below that moves a task (and `execute`, through its attempt's start and end)
   * records the move there before it returns, so the next read sees it. A task the scheduler
   * holds (queued, running, waiting for its retry) counts as running to it, whatever this says.
   */
  stateOf(task: T): ScheduleState;
  /**
   * Runs one attempt. `signal` fires on the task's timeout (tag `task-timeout`) or the run's stop;
   * `clock` leaves work out of the timeout (a worktree's setup, which has a timeout of its own).
   */
  execute(task: T, attempt: number, signal: AbortSignal, clock: AttemptClock): Promise<AttemptResult | Expansion<T>>;
  /** A dependency did not succeed, so this task will not run: it is `skipped` now. */
  onSkipped(task: T, blockedBy: TaskId): void;
  /** A `when: failure` task whose dependencies all succeeded: it is not needed, and `skipped` now. */
  onNotNeeded(task: T): void;
  /** A gate is ready and waits for a reviewer: it is `awaiting-approval` now. */
  onAwaitingApproval(task: T): void;
  /** A skipped task may run after all (the dependency that failed was reopened: retry, send, rework): it is `pending` now. */
  onReleased(task: T): void;
  /**
   * The task was not started, or its retry was not, because the run was stopped or held: it is
   * `cancelled` now, unless it had already ended (a finished task whose follow-up waits keeps its
   * result; the follow-up waits for the next session).
   */
  onNotStarted(task: T): void;
  /** The attempt asked for a retry or a fix, and the run was stopped or held meanwhile: the task is `failed` now. */
  onDeclined(task: T): void;
  /** Called just before an attempt starts (after it left the queue). */
  onStart?(task: T, attempt: number): void;
  /** The attempt asked for a retry: it runs again after `delayMs`. */
  onRetry?(task: T, attempt: number, delayMs: number): void;
  /** The task's timeout for its next attempt, when it may change while the schedule runs (`retry --reload`). */
  limitsOf?(task: T): Pick<SchedulableTask, 'timeoutMs'>;
}

export interface ScheduleOptions {
  readonly concurrency: { readonly builder: number; readonly tester: number };
  /** The run's signal: when it fires, nothing new starts and running tasks are cancelled. */
  readonly signal: AbortSignal;
  /** Wait before retry number `retry` (1 for the first); default: none. */
  readonly retryDelayMs?: (retry: number) => number;
  /** Reviewers' decisions and other commands that change the run's state while the schedule runs. */
  readonly gates?: GateDecisions;
  /**
   * Asked before anything starts (a task, a retry, a follow-up attempt): while it answers true,
   * nothing new starts and running tasks go on to their end (the run's token budget). Tasks that
   * could not start end `cancelled`, like those a stop catches.
   */
  readonly hold?: () => boolean;
}

export interface GateDecisions {
  /**
   * Whether the schedule waits for decisions while gates await approval (until the run's signal
   * fires). When false, it ends once only gates are left.
   */
  readonly wait: boolean;
  /**
   * Calls `changed` each time something outside the schedule changed the run's state (a decision
   * on a gate, a follow-up, a retry, a task reopened): the schedule reads the states again.
   * Returns a function that stops the calls.
   */
  subscribe(changed: () => void): () => void;
  /** Called each time the schedule has nothing to do but wait for decisions on `awaiting`. */
  onIdle?(awaiting: readonly TaskId[]): void;
  /** Called when work starts again after such a wait. */
  onBusy?(): void;
}

export async function schedule<T extends SchedulableTask>(initial: readonly T[], hooks: SchedulerHooks<T>, options: ScheduleOptions): Promise<void> {
  // The graph as it stands: it grows when an attempt expands it.
  const tasks: T[] = [...initial];
  const byId = new Map<TaskId, T>(tasks.map((t) => [t.id, t]));
  // What the scheduler knows and the run's state does not say: the tasks it holds, and those whose execute threw.
  const holding = new Set<TaskId>();
  const broken = new Set<TaskId>();
  const stateOf = (id: TaskId): ScheduleState => {
    if (holding.has(id)) return 'running';
    if (broken.has(id)) return 'failed';
    const task = byId.get(id);
    return task === undefined ? 'pending' : hooks.stateOf(task);
  };
  const pools = {
    builder: new PQueue({ concurrency: options.concurrency.builder }),
    tester: new PQueue({ concurrency: options.concurrency.tester }),
  };
  let height = chainHeights(tasks);
  const grow = (added: readonly T[]): void => {
    for (const t of added) {
      const at = tasks.findIndex((x) => x.id === t.id);
      if (at >= 0) tasks[at] = t;
      else tasks.push(t);
      byId.set(t.id, t);
    }
    height = chainHeights(tasks);
  };
  const inFlight = new Set<Promise<void>>();
  const bugs: unknown[] = [];
  let wake: (() => void) | undefined;

  const held = (): boolean => options.hold?.() === true;
  const runTask = async (task: T): Promise<void> => {
    // `attempt` counts this session's attempts, fixes left out: what the attempt counts its retries by.
    for (let attempt = 1; ; ) {
      if (options.signal.aborted || (attempt === 1 && held())) {
        hooks.onNotStarted(task);
        return;
      }
      hooks.onStart?.(task, attempt);
      const limits = hooks.limitsOf?.(task) ?? task;
      const { controller, dispose } = childController(options.signal);
      const clock = new AttemptClock(limits.timeoutMs, () => controller.abort(new TaggedAbort({ kind: 'task-timeout', timeoutMs: limits.timeoutMs })));
      let result: AttemptResult | Expansion<T>;
      try {
        result = await hooks.execute(task, attempt, controller.signal, clock);
      } finally {
        clock.stop();
        dispose();
      }
      if (result.status === 'expanded') {
        grow(result.tasks);
        return;
      }
      // The attempt decided what comes next (and recorded it); while the run is stopped or held nothing new starts.
      if (result.status !== 'failed' || result.next === 'end' || result.next === 'rework') return;
      if (options.signal.aborted || held()) {
        hooks.onDeclined(task);
        return;
      }
      if (result.next === 'fix') continue;
      const delay = options.retryDelayMs?.(attempt) ?? 0;
      hooks.onRetry?.(task, attempt, delay);
      await sleep(delay, options.signal);
      attempt++;
    }
  };

  /** Moves tasks along: skip what cannot run, hold gates, queue what is ready. */
  const advance = (): void => {
    // Queue everything that became ready before any of it starts, so priorities decide the order.
    pools.builder.pause();
    pools.tester.pause();
    const bad = (d: TaskId): boolean => DONE_BAD.has(stateOf(d));
    let changed = true;
    while (changed) {
      changed = false;
      for (const task of tasks) {
        // Once the run is stopped nothing moves: what has not started ends `cancelled`, not `skipped`.
        if (options.signal.aborted) continue;
        const rollback = task.when === 'failure' ? rollbackVerdict(task.deps.map(stateOf)) : undefined;
        // Skipped for a dependency that was reopened since (retry, send, rework): it may run after
        // all. A rollback skipped is needed after all once something it watches failed or was rejected.
        if (stateOf(task.id) === 'skipped' && (rollback !== undefined ? rollback.kind === 'run' || rollback.kind === 'wait' : !task.deps.some(bad))) {
          hooks.onReleased(task);
          changed = true;
        }
        if (stateOf(task.id) !== 'pending') continue;
        if (rollback !== undefined) {
          if (rollback.kind === 'wait') continue;
          if (rollback.kind === 'not-needed' || rollback.kind === 'skip') {
            if (rollback.kind === 'skip') hooks.onSkipped(task, task.deps[rollback.at] as TaskId);
            else hooks.onNotNeeded(task);
            changed = true;
            continue;
          }
        } else {
          const blocker = task.deps.find(bad);
          if (blocker !== undefined) {
            hooks.onSkipped(task, blocker);
            changed = true;
            continue;
          }
          if (!task.deps.every((d) => DONE_OK.has(stateOf(d)))) continue;
        }
        // Held (the budget is spent): ready tasks are not queued; they end `cancelled` below.
        if (held()) continue;
        // A gate waits for a reviewer, a manual task for its operator: neither runs here.
        if (task.role === 'gate' || task.role === 'manual') {
          hooks.onAwaitingApproval(task);
          changed = true;
          continue;
        }
        holding.add(task.id);
        const job = pools[task.role]
          .add(
            async () => {
              try {
                await runTask(task);
              } finally {
                holding.delete(task.id);
                // Hold the queues until advance() has queued what this task's end made ready.
                pools.builder.pause();
                pools.tester.pause();
              }
            },
            { priority: height.get(task.id) ?? 1 },
          )
          .catch((e: unknown) => {
            // execute() reports expected failures as values; a throw is a bug, surfaced after the run settles.
            broken.add(task.id);
            bugs.push(e);
          })
          .finally(() => {
            inFlight.delete(job);
            wake?.();
          });
        inFlight.add(job);
      }
    }
    pools.builder.start();
    pools.tester.start();
  };

  const awaiting = (): TaskId[] => tasks.filter((t) => stateOf(t.id) === 'awaiting-approval').map((t) => t.id);
  const unsubscribe = options.gates?.subscribe(() => wake?.());
  const onAbort = (): void => wake?.();
  options.signal.addEventListener('abort', onAbort);
  let idle = false;
  try {
    advance();
    for (;;) {
      const waitForGates = options.gates?.wait === true && !options.signal.aborted && !held() && awaiting().length > 0;
      if (inFlight.size === 0 && !waitForGates) break;
      if (inFlight.size === 0 && !idle) {
        idle = true;
        options.gates?.onIdle?.(awaiting());
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = undefined;
      advance();
      if (idle && inFlight.size > 0) {
        idle = false;
        options.gates?.onBusy?.();
      }
    }
  } finally {
    unsubscribe?.();
    options.signal.removeEventListener('abort', onAbort);
  }
  // Tasks never started because the run was stopped or held.
  if (options.signal.aborted || held()) {
    for (const t of tasks) if (stateOf(t.id) === 'pending') hooks.onNotStarted(t);
  }
  if (bugs.length > 0) throw bugs[0];
}

/**
 * What a rollback (`when: failure`) does, from its dependencies' states: it waits until they all
 * settled; it runs when one failed, was rejected or cancelled (something to undo); it is skipped
 * when one was only skipped (what it watches never ran: `at` is that dependency's index); and it
 * is not needed when all succeeded.
 */
export function rollbackVerdict(deps: readonly ScheduleState[]): { readonly kind: 'wait' | 'run' | 'not-needed' } | { readonly kind: 'skip'; readonly at: number } {
  if (!deps.every((s) => DONE_OK.has(s) || DONE_BAD.has(s))) return { kind: 'wait' };
  if (deps.some((s) => s === 'failed' || s === 'rejected' || s === 'cancelled')) return { kind: 'run' };
  const at = deps.indexOf('skipped');
  return at >= 0 ? { kind: 'skip', at } : { kind: 'not-needed' };
}

/** Exponential backoff with jitter: `base`, 2×, 4×, … (±20%), at most `max`. */
export function backoffMs(retry: number, base: number, max = 60_000, random = Math.random): number {
  const exact = Math.min(max, base * 2 ** (retry - 1));
  return Math.round(exact * (0.8 + 0.4 * random()));
}

/** Resolves after `ms`, or at once when `signal` fires. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.min(ms, MAX_TIMER_MS));
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Tasks on the longest chain of dependents still ahead of each task, itself included. */
function chainHeights(tasks: readonly SchedulableTask[]): Map<TaskId, number> {
  // Recomputed whole when the graph grows: a grown graph's tasks are a few more, and it is rare.
  const dependents = new Map<TaskId, TaskId[]>();
  for (const t of tasks) for (const d of t.deps) dependents.set(d, [...(dependents.get(d) ?? []), t.id]);
  const memo = new Map<TaskId, number>();
  const visit = (id: TaskId): number => {
    const known = memo.get(id);
    if (known !== undefined) return known;
    // The graph is acyclic (the analyzer guarantees it), so this recursion ends.
    const h = 1 + Math.max(0, ...(dependents.get(id) ?? []).map(visit));
    memo.set(id, h);
    return h;
  };
  for (const t of tasks) visit(t.id);
  return memo;
}
