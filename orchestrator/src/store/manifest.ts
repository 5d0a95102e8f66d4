import { z } from 'zod';
import { RUN_STATUSES, TASK_STATUSES } from './manifest-summary.js';
import { Artifact, CheckResult, DiffStat, FollowUp, GateApproval, GraphExpansion, SandboxDenial, SetupRecord, TriageRecord, Usage, VerdictSummary } from './manifest-parts.js';

export { Artifact, CheckResult, DiffStat, FollowUp, GateApproval, GraphExpansion, GraphTaskObject, SandboxDenial, SetupRecord, TriageRecord, Usage, VerdictSummary } from './manifest-parts.js';

export { checkCounts, denialList, describeCounts } from './manifest-summary.js';

/**
 * `manifest.json`: THE file pollers read. This zod schema is its single source of truth; the
 * JSON Schema in `.runs/manifest.schema.json` is generated from it and pinned by a test. Bump
 * `schemaVersion` (and keep a loader for the old one) when a change is not purely additive.
 */

/** 2: the run has an event log (`events.ndjson`) the manifest is folded from; 1: runs from before it (they still load). */
export const MANIFEST_SCHEMA_VERSION = 2;

/**
 * A run's state.
 *
 *   running ──► succeeded | failed | awaiting-approval
 *      │  └──► stopped (Ctrl-C, SIGTERM, `stop`)
 *      └─────► died (heartbeat stale and the process gone; seen by readers, never written)
 *   any finished state ──► archived
 */
export const RunStatus = z.enum(RUN_STATUSES);
export type RunStatus = z.infer<typeof RunStatus>;

/**
 * A task's state.
 *
 *   pending ──► running ──► succeeded | failed | cancelled
 *      │                        └─(retryable)─► running
 *      ├──► skipped (a dependency did not succeed)
 *      └──► awaiting-approval (gates) ──► approved | rejected
 *
 *   Review (`approve` / `reject`): succeeded | awaiting-approval ──► approved | rejected,
 *   approved ──► rejected (a reviewer withdraws an approval); a gate whose approval has an
 *   author: awaiting-approval | approved ──► pending on `reject` (its author revises the artifact).
 */
export const TaskStatus = z.enum(TASK_STATUSES);
export type TaskStatus = z.infer<typeof TaskStatus>;

/** Why a task did not succeed (kebab-case, stable: scripts match on it). */
export const TaskFailureReason = z.enum([
  /** Codex reported an error that fits no other reason (fatal). */
  'agent-failed',
  /** The model answered HTTP 429 (retryable). */
  'model-rate-limited',
  /** The model answered HTTP 5xx or said it is overloaded (retryable). */
  'model-unavailable',
  /** The stream or connection to the model broke (retryable). */
  'transport-error',
  /** Credentials missing or refused (fatal). */
  'auth-failed',
  /** The sandbox refused what the turn needed (fatal). */
  'sandbox-denied',
  /** Files outside the task's worktree changed during its turn: the user's checkout, its git folder, the run folder (fatal; the paths are in the message). */
  'sandbox-escape',
  /** Codex or the model rejected the configuration or request (fatal). */
  'bad-config',
  'turn-aborted',
  'codex-exited',
  'verify-failed',
  /** A setup command of the task's worktree (`setup`) failed or timed out; the agent never started (fatal). */
  'setup-failed',
  /** The checks passed but the tester agent's verdict was `fail` (fatal; a builder's fix loop takes it). */
  'verdict-failed',
  /**
   * A builder finished and its checks passed, but its diff against the task's base is empty: it
   * changed no file (fatal; set `expectChanges: false` on a builder that is not meant to change files).
   */
  'no-change',
  /** Not started, retried or fixed because the run reached its token budget (`settings.maxTokens`). */
  'budget-exceeded',
  'timeout',
  'cancelled',
  'merge-conflict',
  'dependency-failed',
  /** Skipped, not failed: a rollback (`when: failure`) whose dependencies all succeeded; it never fails the run. */
  'not-needed',
  /** A fan-out's plan has no numbered item in its section: nothing to fan out into (the message names the artifact and section). */
  'fan-out-empty',
  /** A fan-out's plan could not be read, or its steps did not make tasks the graph analyzer accepts (the message says which). */
  'fan-out-invalid',
  'workspace-error',
  'internal-error',
]);
export type TaskFailureReason = z.infer<typeof TaskFailureReason>;

export const Attempt = z.object({
  n: z.number().int().positive(),
  /** Set when the attempt continued the task's Codex thread with a follow-up instead of starting from the task's prompt. */
  followUp: FollowUp.optional(),
  /** `interrupted`: the orchestrator ended (crash, kill) during the attempt; `resume` started a new one. */
  status: z.enum(['running', 'succeeded', 'failed', 'cancelled', 'interrupted']),
  reason: TaskFailureReason.optional(),
  message: z.string().optional(),
  /** Whether the failure may go away on its own (transport errors), so a retry is worth it. */
  retryable: z.boolean().optional(),
  /** The failure's class in the error taxonomy: `retryable` failures are retried with backoff up to the task's `retries`. */
  class: z.enum(['retryable', 'fatal']).optional(),
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  threadId: z.string().optional(),
  /** Tokens this attempt used: Codex's and the role agents' together. */
  usage: Usage.optional(),
  /** Codex's part of `usage` (its thread's growth during the attempt). */
  codexUsage: Usage.optional(),
  /** The role agents' part of `usage` (builder or tester turn, verdict, triage). */
  agentUsage: Usage.optional(),
  /** The tester agent's verdict on this attempt, when the task is judged. */
  verdict: VerdictSummary.optional(),
});
export type Attempt = z.infer<typeof Attempt>;

/**
 * A reviewer's decision on a task, recorded by `approve` / `reject`. A task keeps every decision
 * (newest last), so a rejection followed by a fresh attempt and an approval stays on record.
 */
export const Review = z.object({
  decision: z.enum(['approved', 'rejected']),
  /** Who decided, as given with `--reviewer`. */
  reviewer: z.string().min(1),
  at: z.string(),
  /** The reviewer's note on an approval. */
  note: z.string().optional(),
  /** Why it was rejected; meant for the task's agent when the task runs again. */
  reason: z.string().optional(),
  /** Set when the orchestrator took an approval back: what it approved changed since (a dependency's rework). */
  withdrawn: z.object({ at: z.string(), reason: z.string() }).optional(),
  /** The attempt number reviewed; 0 for a gate, which has no attempts. */
  attempt: z.number().int().nonnegative(),
  /** A gate's artifact as approved (its `approval.artifact`): the path, the author's result commit it was read from, the sha256 of its bytes. */
  artifact: z.object({ path: z.string(), commit: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/) }).optional(),
  /** The task's files as reviewed: path relative to the run folder → sha256. */
  digests: z.record(z.string(), z.string().regex(/^[0-9a-f]{64}$/)),
});
export type Review = z.infer<typeof Review>;

/**
 * Settings of a task that `retry --reload` took from the graph file, in place of those of the
 * run's copy (`graph.yaml`, which stays as run). Only the settings a retry may change.
 */
export const TaskOverrides = z.object({
  timeoutMs: z.number().int().positive().optional(),
  retries: z.number().int().nonnegative().optional(),
  maxFixAttempts: z.number().int().nonnegative().optional(),
  verify: z.array(z.string()).optional(),
  setup: z.array(z.string()).optional(),
  /** A builder's `expectChanges` (false: an empty diff does not fail it). */
  expectChanges: z.boolean().optional(),
});
export type TaskOverrides = z.infer<typeof TaskOverrides>;

/** What an operator said of a manual task (`migrate execute <task> --status`). */
export const OperatorStatus = z.enum(['running', 'blocked', 'done']);
export type OperatorStatus = z.infer<typeof OperatorStatus>;

/** A manual task's latest mark by its operator: who, since when, and their note. */
export const OperatorMark = z.object({
  status: OperatorStatus,
  /** As given with `--by`, else `git config user.name`. */
  by: z.string().min(1),
  at: z.string(),
  note: z.string().optional(),
});
export type OperatorMark = z.infer<typeof OperatorMark>;

export const TaskRecord = z.object({
  id: z.string(),
  title: z.string(),
  role: z.enum(['builder', 'tester', 'gate', 'manual']),
  deps: z.array(z.string()),
  status: TaskStatus,
  reason: TaskFailureReason.optional(),
  /** For people: why it failed or was skipped, what to do. */
  message: z.string().optional(),
  attempts: z.array(Attempt),
  /** The Codex conversation of the latest attempt. */
  threadId: z.string().optional(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  /** From the first attempt's start to the latest one's end: working time and waiting between attempts together. */
  durationMs: z.number().nonnegative().optional(),
  /** Working time: the task's attempts' durations added up (absent in runs from before it was kept). */
  workMs: z.number().nonnegative().optional(),
  /** `durationMs` less `workMs`: time between attempts (a reviewer's rework, a retry, a `send`, a resume). */
  waitMs: z.number().nonnegative().optional(),
  /** For a gate: since when it has awaited a reviewer's decision (a manual task: its operator). */
  awaitingSince: z.string().optional(),
  /** For a manual task: its operator's latest mark (`running`: claimed, `blocked`, `done`). */
  operator: OperatorMark.optional(),
  branch: z.string().optional(),
  baseCommit: z.string().optional(),
  resultCommit: z.string().optional(),
  /** Tokens of every attempt: Codex's and the role agents' together. */
  usage: Usage.optional(),
  /** Codex's part of `usage`. */
  codexUsage: Usage.optional(),
  /** The role agents' part of `usage`. */
  agentUsage: Usage.optional(),
  diffStat: DiffStat.optional(),
  checks: z.array(CheckResult).optional(),
  /** How the latest attempt's worktree was set up; absent when the task has no `setup`. */
  setup: SetupRecord.optional(),
  /** Writes the sandbox denied during the latest attempt (at most 20); absent when there were none. */
  sandboxDenials: z.array(SandboxDenial).optional(),
  /** The latest attempt's verdict, with its attempt and file (relative to the run folder). */
  verdict: VerdictSummary.extend({ attempt: z.number().int().positive(), path: z.string() }).optional(),
  /** Why it failed and what to do next, when it failed during a run. */
  triage: TriageRecord.optional(),
  artifacts: z.object({
    events: Artifact.optional(),
    log: Artifact.optional(),
    diff: Artifact.optional(),
    checks: Artifact.optional(),
    verdict: Artifact.optional(),
  }),
  /** Reviewers' decisions, newest last; absent until the first one. */
  reviews: z.array(Review).optional(),
  /**
   * Set when the task runs again because a dependency's result changed after it ran (`stale`): which
   * ones, and when. Its last verdict was for the old work, so it is no longer the task's (its
   * attempt keeps it); cleared when the next attempt starts.
   */
  stale: z.object({ because: z.array(z.string()), at: z.string() }).optional(),
  /** A follow-up waiting for its attempt (the live orchestrator, or `resume`, runs it). */
  followUp: FollowUp.optional(),
  /** Settings `retry --reload` changed for this task (see TaskOverrides). */
  overrides: TaskOverrides.optional(),
  /** A gate's approval criteria and artifact, from the graph (absent when it has none). */
  approval: GateApproval.optional(),
  /** `failure`: a rollback, which runs only when a dependency did not succeed (absent: it runs after them). */
  when: z.literal('failure').optional(),
  /** A fan-out task, once it fanned out: when, the steps of its plan, the tasks it added (its `graph-expanded` event). */
  expansion: z.object({ at: z.string(), steps: z.array(z.string()), tasks: z.array(z.string()) }).optional(),
});
export type TaskRecord = z.infer<typeof TaskRecord>;

/** Why a run ended `failed` (kebab-case, stable: scripts match on it). */
export const RunFailureReason = z.enum([
  /** Tasks failed (or were cancelled or rejected). */
  'tasks-failed',
  /** The run reached its token budget (`settings.maxTokens`): nothing new started after that. */
  'budget-exceeded',
  /** The session reached `settings.runTimeout`. */
  'run-timeout',
  /** A bug; see runner.log. */
  'internal-error',
]);
export type RunFailureReason = z.infer<typeof RunFailureReason>;

export const Manifest = z.object({
  schemaVersion: z.union([z.literal(1), z.literal(MANIFEST_SCHEMA_VERSION)]),
  runId: z.string(),
  status: RunStatus,
  /** Why a `failed` run failed. */
  reason: RunFailureReason.optional(),
  /** For people: why the run ended as it did. */
  message: z.string().optional(),
  graph: z.object({
    /** As given on the command line, resolved to an absolute path. */
    path: z.string(),
    sha256: z.string(),
    name: z.string(),
    /** The graph exactly as run, relative to the run folder. */
    copy: z.string(),
  }),
  repo: z.object({
    root: z.string(),
    baseRef: z.string(),
    baseCommit: z.string(),
    /** Where the run's task worktrees are made (absent in runs from before: `<run folder>/worktrees`). */
    worktrees: z.string().optional(),
  }),
  settings: z.object({
    backend: z.enum(['codex-mcp', 'codex-app-server', 'codex-exec']),
    concurrency: z.object({ builder: z.number().int(), tester: z.number().int() }),
    /** Whether builders and testers worked through their role agents (absent in runs from before they did: false). */
    agents: z.boolean().optional(),
  }),
  /** The model the run's Codex used, and which rule chose it (`why`: `--model offline`, `OPENAI_API_KEY is set`, …). */
  model: z.object({ kind: z.enum(['offline', 'openai', 'codex-login']), name: z.string(), why: z.string().optional() }),
  tools: z.object({ orchestrator: z.string(), codex: z.string(), node: z.string() }),
  /** The orchestrator process working on the run (the latest one, after a resume). */
  process: z.object({ pid: z.number().int(), hostname: z.string() }),
  /** Each time the run was continued by `resume`: when, by which process, from which state. */
  resumes: z.array(z.object({ at: z.string(), pid: z.number().int(), from: RunStatus })).optional(),
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  /** Refreshed every few seconds while the orchestrator runs; a stale one means it died. */
  heartbeatAt: z.string(),
  /** From the start to the end, waits for reviewers included. */
  durationMs: z.number().nonnegative().optional(),
  /** Time the run waited for reviewers at gates (live, or ended at gates until `resume`), not counting a wait still going on. */
  waitMs: z.number().nonnegative().optional(),
  /** Set while the run waits for reviewers at gates: since when. */
  waitingSince: z.string().optional(),
  counts: z.record(TaskStatus, z.number().int().nonnegative()),
  /** Tokens of every task, Codex's and the role agents' together. */
  usage: Usage,
  /** Codex's part of `usage`. */
  codexUsage: Usage.optional(),
  /** The role agents' part of `usage`. */
  agentUsage: Usage.optional(),
  /** The run's token budget (`settings.maxTokens`), and when `usage` reached it. */
  budget: z.object({ maxTokens: z.number().int().positive(), reachedAt: z.string().optional() }).optional(),
  integration: z
    .object({
      branch: z.string(),
      commit: z.string(),
      merged: z.array(z.string()),
      skipped: z.array(z.object({ taskId: z.string(), reason: z.string() })),
    })
    .optional(),
  runnerLog: z.string(),
  /** The last event of the run's log (`events.ndjson`) this manifest reflects; absent in runs from before the log. */
  events: z.object({ seq: z.number().int().nonnegative() }).optional(),
  /** How the graph grew during the run (fan-outs), in order: with the run's copy of the graph, the graph as it runs now. */
  expansions: z.array(GraphExpansion).optional(),
  /** In graph file order, then the tasks fan-outs added. */
  tasks: z.array(TaskRecord),
});
export type Manifest = z.infer<typeof Manifest>;

export function manifestJsonSchema(): Record<string, unknown> {
  return {
    $id: 'https://codex-orchestrator.dev/schema/manifest-v2.json',
    title: 'codex-orchestrator run manifest',
    ...(z.toJSONSchema(Manifest, { target: 'draft-2020-12' }) as Record<string, unknown>),
  };
}

export function countTasks(tasks: readonly TaskRecord[]): Record<TaskStatus, number> {
  const counts = Object.fromEntries(TaskStatus.options.map((s) => [s, 0])) as Record<TaskStatus, number>;
  for (const t of tasks) counts[t.status]++;
  return counts;
}

/**
 * How a run whose tasks have all settled ended, by its counts: `failed` when any failed, was
 * cancelled or rejected, else `awaiting-approval` while gates wait, else `succeeded`. (A stop, the
 * run timeout and the budget are the session's to say: see `engine/run/drive.ts`.)
 */
export function settledRunStatus(counts: Readonly<Record<TaskStatus, number>>): { status: 'failed' | 'awaiting-approval' | 'succeeded'; reason: 'tasks-failed' | undefined } {
  if (counts.failed + counts.cancelled + counts.rejected > 0) return { status: 'failed', reason: 'tasks-failed' };
  if (counts['awaiting-approval'] > 0) return { status: 'awaiting-approval', reason: undefined };
  return { status: 'succeeded', reason: undefined };
}

/** `gate sign-off awaits approval`, `gates a, b await approval`. */
/**
 * What a run waits for, by role: gates await approval, manual tasks their operator (with the
 * command that marks one done).
 */
export function awaitingText(tasks: readonly Pick<TaskRecord, 'id' | 'role'>[], ids: readonly string[]): string {
  const manual = ids.filter((id) => tasks.find((t) => t.id === id)?.role === 'manual');
  const gates = ids.filter((id) => !manual.includes(id));
  const parts = gates.length > 0 ? [gatesAwaiting(gates)] : [];
  if (manual.length > 0) {
    const which = manual.length === 1 ? `manual task ${manual[0]} awaits its operator` : `manual tasks ${manual.join(', ')} await their operators`;
    parts.push(`${which}: codex-orchestrator migrate execute ${manual.length === 1 ? manual[0] : 'TASK'} --status done`);
  }
  return parts.join('; ');
}

export function gatesAwaiting(ids: readonly string[]): string {
  return ids.length === 1 ? `gate ${ids[0]} awaits approval` : `gates ${ids.join(', ')} await approval`;
}
