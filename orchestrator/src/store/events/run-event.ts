import { z } from 'zod';
import { Attempt, FollowUp, GraphTaskObject, Manifest, OperatorStatus, Review, RunFailureReason, RunStatus, TaskFailureReason, TaskOverrides, TaskRecord, TaskStatus } from '../manifest.js';

/**
 * `events.ndjson`: a run's append-only log of what happened, one `RunEvent` per line. It is the
 * run's source of truth: `manifest.json` is folded from it (`reduce.ts`), and `resume` rebuilds
 * the run's state by folding it again. This zod schema is the log's single source of truth; bump
 * `RUN_EVENT_VERSION` (and keep reading the old one) when a change is not purely additive.
 *
 * Status changes have their own kinds (the transitions of the state diagram in `reduce.ts`); the
 * `*-data` kinds carry what a task, an attempt or the run learnt on the way (a branch, usage,
 * artifacts) and never a status.
 */

export const RUN_EVENT_VERSION = 1;

/** Task fields a `task-data` event may set or unset: everything but what the transitions own. */
const TASK_OWNED = ['id', 'title', 'role', 'deps', 'status', 'reason', 'message', 'attempts', 'reviews', 'followUp', 'overrides', 'stale', 'when', 'expansion', 'operator'] as const;
export const TaskData = TaskRecord.omit(Object.fromEntries(TASK_OWNED.map((k) => [k, true])) as { [K in (typeof TASK_OWNED)[number]]: true }).partial();
export type TaskData = z.infer<typeof TaskData>;
export const TASK_DATA_KEYS = Object.keys(TaskData.shape) as (keyof TaskData)[];

/** Run fields a `run-data` event may set or unset. */
const RUN_OWNED = ['schemaVersion', 'runId', 'status', 'reason', 'message', 'tasks', 'counts', 'events', 'expansions'] as const;
export const RunData = Manifest.omit(Object.fromEntries(RUN_OWNED.map((k) => [k, true])) as { [K in (typeof RUN_OWNED)[number]]: true }).partial();
export type RunData = z.infer<typeof RunData>;

/** Attempt fields an `attempt-data` event may set. */
export const AttemptData = Attempt.pick({ threadId: true, usage: true, codexUsage: true, agentUsage: true }).partial();
export type AttemptData = z.infer<typeof AttemptData>;

const task = z.string();
const unset = <T extends z.ZodRawShape>(shape: T) => z.array(z.enum(Object.keys(shape) as [string, ...string[]])).optional();

const envelope = { v: z.literal(RUN_EVENT_VERSION), seq: z.number().int().positive(), at: z.string() };
const ev = <S extends z.ZodRawShape>(shape: S) => z.object({ ...envelope, ...shape });

export const RunEvent = z.discriminatedUnion('kind', [
  /** The run's state as a whole: the first event of a run (`start`), or of a run recorded before the log existed, when a command first changes it (`import`). */
  ev({ kind: z.literal('snapshot'), from: z.enum(['start', 'import']), manifest: Manifest }),
  /** A `resume` took the run over. */
  ev({ kind: z.literal('run-resumed'), from: RunStatus, pid: z.number().int(), hostname: z.string() }),
  /** Only gates are left and the run waits for their reviewers. */
  ev({ kind: z.literal('run-waiting'), message: z.string(), /** The gates the run waits at. */ awaiting: z.array(z.string()).optional() }),
  /** A decision at a gate set work going again. */
  ev({ kind: z.literal('run-busy') }),
  /** The run ended (this session): its status, and why. */
  ev({ kind: z.literal('run-finished'), status: RunStatus, reason: RunFailureReason.optional(), message: z.string().optional() }),
  /** A run that ended at gates settled after a decision made outside a live session. */
  ev({ kind: z.literal('run-settled'), status: RunStatus, reason: RunFailureReason.optional(), message: z.string().optional(), waitEnded: z.boolean().optional() }),
  ev({ kind: z.literal('budget-reached') }),
  ev({ kind: z.literal('integration-built'), integration: Manifest.shape.integration.unwrap() }),
  /** An attempt of a task started (its follow-up, when it continues the task's thread). */
  ev({ kind: z.literal('attempt-started'), task, n: z.number().int().positive(), followUp: FollowUp.optional() }),
  /**
   * An attempt ended, with its outcome and the one decided next step: `retry` and `fix` keep the
   * task running (with the follow-up the next attempt sends), `rework` sends a tester back to wait
   * for its builders (who get its findings), `end` settles it (`status`).
   */
  ev({
    kind: z.literal('attempt-finished'),
    task,
    n: z.number().int().positive(),
    outcome: Attempt.pick({ status: true, reason: true, message: true, retryable: true, class: true, verdict: true }),
    next: z.enum(['retry', 'fix', 'rework', 'end']),
    /** The task's status afterwards: `running` for a retry or a fix, `pending` for a tester whose builders rework its findings. */
    status: TaskStatus,
    followUp: FollowUp.optional(),
    /** For `rework`: the builders the tester's findings go to, and its round of rework. */
    rework: z.object({ to: z.array(z.string()), round: z.number().int().positive(), of: z.number().int().positive() }).optional(),
    data: TaskData,
    unset: unset(TaskData.shape),
  }),
  /** The session running an attempt ended during it (found by `resume`). */
  ev({ kind: z.literal('attempt-interrupted'), task, n: z.number().int().positive(), message: z.string() }),
  /**
   * A task runs again: `resume` reopened it, a dependency it was skipped for runs again, `retry`
   * asked for it, or a dependency's result changed after it ran (`stale`: its verdict is no longer
   * current, an approval of it is withdrawn).
   */
  ev({
    kind: z.literal('task-reopened'),
    task,
    why: z.enum(['resume', 'dependency-again', 'retry', 'stale']),
    overrides: TaskOverrides.optional(),
    /** For `stale`: the dependencies whose result changed after the task ran. */
    because: z.array(z.string()).optional(),
    /** For `retry`: what its overrides change, in words (`timeout 1.0s → 2m`). */
    changes: z.array(z.string()).optional(),
  }),
  ev({ kind: z.literal('task-skipped'), task, reason: TaskFailureReason, message: z.string(), /** The dependency it was skipped for. */ blockedBy: z.string().optional() }),
  /** A stop, the run timeout or the budget caught a task before it started (or between attempts). */
  ev({ kind: z.literal('task-cancelled'), task, reason: TaskFailureReason, message: z.string() }),
  /** The scheduler declined the fix an attempt asked for (the run was held or stopped meanwhile). */
  ev({ kind: z.literal('fix-declined'), task }),
  ev({ kind: z.literal('gate-waiting'), task }),
  /**
   * A reviewer approved or rejected a task (with the digests they saw). `rework`: a rejected gate
   * whose approval has an author (`status` is then `pending`): the author's follow-up, which revises
   * the gate's artifact before the gate awaits approval again.
   */
  ev({ kind: z.literal('decided'), task, review: Review, status: TaskStatus, followUp: FollowUp.optional(), rework: z.object({ task, followUp: FollowUp }).optional() }),
  /**
   * An operator marked a manual task (`migrate execute <task> --status`): `running` claims it,
   * `blocked` says it cannot go on (it still waits), `done` completes it (`succeeded`), which
   * releases its dependents.
   */
  ev({ kind: z.literal('operator-marked'), task, status: OperatorStatus, by: z.string().min(1), note: z.string().optional() }),
  /** The orchestrator took the task's approval back: what was approved changed since (`reason`). */
  ev({ kind: z.literal('approval-withdrawn'), task, reason: z.string() }),
  /** A follow-up waits for the task's next attempt (`send`, or a resume continuing a thread). */
  ev({ kind: z.literal('follow-up-requested'), task, followUp: FollowUp }),
  /**
   * The graph grew: fan-out task `task` read the numbered `steps` of its approved plan and added
   * `tasks` (graph task objects, checked by the graph analyzer with the rest of the graph), and
   * `deps` to tasks there were (the fan-out itself now waits for the last step's gate).
   */
  ev({ kind: z.literal('graph-expanded'), task, steps: z.array(z.string()), tasks: z.array(GraphTaskObject), deps: z.record(z.string(), z.array(z.string())) }),
  ev({ kind: z.literal('task-data'), task, data: TaskData, unset: unset(TaskData.shape) }),
  ev({ kind: z.literal('attempt-data'), task, n: z.number().int().positive(), data: AttemptData }),
  ev({ kind: z.literal('run-data'), data: RunData, unset: unset(RunData.shape) }),
]);
export type RunEvent = z.infer<typeof RunEvent>;
export type RunEventKind = RunEvent['kind'];

/** An event as its writer gives it: the envelope (`v`, `seq`, `at`) is the log's to add; `at` may be given. */
export type RunEventInput = RunEvent extends infer E ? (E extends RunEvent ? Omit<E, 'v' | 'seq' | 'at'> & { at?: string | undefined } : never) : never;

export function runEventJsonSchema(): Record<string, unknown> {
  return {
    $id: 'https://codex-orchestrator.dev/schema/run-event-v1.json',
    title: 'codex-orchestrator run event (one line of events.ndjson)',
    ...(z.toJSONSchema(RunEvent, { target: 'draft-2020-12' }) as Record<string, unknown>),
  };
}
