import { z } from 'zod';
import { DiffStat, SandboxDenial, TaskStatus } from '../store/manifest.js';
import { POLL_SCHEMA } from './schema-ids.js';

/**
 * The `poll --json` document (also what `run --json` and `resume --json` print at the end): its
 * zod schema, the single source of truth for its shape. `views/poll.ts` builds it without loading
 * zod (it imports this module only for its types, so `poll` of a 1,000-task run stays fast); the
 * schema is for tests and for the generated JSON Schema, `.runs/poll.schema.json`. Fields are
 * only ever added: `test/views/view-schemas.test.ts` checks the schema against the frozen v1.
 */

export { POLL_SCHEMA };

/** Input, output and total tokens. */
export const TokenCount = z.strictObject({ input: z.number().int(), output: z.number().int(), total: z.number().int() });
export type TokenCount = z.infer<typeof TokenCount>;

/**
 * Why a task is not running (`views/waiting.ts` derives it from the manifest); null for a running
 * task and for one whose work is over (succeeded, failed, approved, rejected, or cancelled by a stop).
 */
export const Waiting = z.discriminatedUnion('kind', [
  /** Dependencies not done yet (not succeeded or approved): it starts after them. */
  z.strictObject({ kind: z.literal('waiting-for'), tasks: z.array(z.string()) }),
  /** A gate waiting for a reviewer's decision (`approve` / `reject`). */
  z.strictObject({ kind: z.literal('gate') }),
  /**
   * A manual task waiting for its operator (`migrate execute <task> --status done`): `waiting`
   * (nobody claimed it), `running` (claimed `by`, `since`), `blocked` (with the operator's `note`).
   */
  z.strictObject({ kind: z.literal('operator'), status: z.enum(['waiting', 'running', 'blocked']), by: z.string().nullable(), since: z.string().nullable(), note: z.string().nullable() }),
  /** Its dependencies are done, but its role already runs as many tasks as the run's concurrency allows. */
  z.strictObject({ kind: z.literal('pool-full'), role: z.enum(['builder', 'tester']), running: z.number().int(), limit: z.number().int() }),
  /** The run reached its token budget: nothing new starts (also a task cancelled for it). */
  z.strictObject({ kind: z.literal('budget') }),
  /** A dependency failed, was rejected or skipped: it will not run unless that one is retried. */
  z.strictObject({ kind: z.literal('blocked'), by: z.array(z.string()) }),
  /** Skipped: these dependencies did not succeed. */
  z.strictObject({ kind: z.literal('skipped'), by: z.array(z.string()) }),
  /** Nothing of its own holds it, but the run is not running (stopped, died, failed): `resume` continues it. */
  z.strictObject({ kind: z.literal('run-not-running'), status: z.string() }),
  /** Nothing holds it: it starts as soon as the scheduler takes it. */
  z.strictObject({ kind: z.literal('ready') }),
  /** Ready to run again: a dependency's result changed after it ran (`because`). */
  z.strictObject({ kind: z.literal('stale'), because: z.array(z.string()) }),
]);
export type Waiting = z.infer<typeof Waiting>;

/** A gate's approval (from the graph): what the reviewer checks, and the artifact its author writes. */
export const GateApprovalView = z.strictObject({
  criteria: z.array(z.string()),
  /** Relative to the repository root; null when the gate names none. */
  artifact: z.string().nullable(),
  /** The dependency whose result holds the artifact (it revises it when the gate is rejected). */
  author: z.string().nullable(),
  /** Headings the artifact must have, filled in, for `approve`. */
  sections: z.array(z.string()),
  /** The author's result commit the artifact is read from; null before it has one. */
  commit: z.string().nullable(),
  /** The command that shows the artifact as `approve` reads it: `git show <commit>:<artifact>`. */
  show: z.string().nullable(),
});
export type GateApprovalView = z.infer<typeof GateApprovalView>;

/** A fan-out task's growth of the graph: the numbered steps of its plan, and the tasks they became. */
export const ExpansionView = z.strictObject({
  at: z.string(),
  /** The plan's numbered lines, in order. */
  steps: z.array(z.string()),
  /** Per step: its builder, its gate, its rollback. */
  tasks: z.array(z.string()),
});
export type ExpansionView = z.infer<typeof ExpansionView>;

export const PollTask = z.strictObject({
  id: z.string(),
  title: z.string(),
  role: z.string(),
  status: z.string(),
  reason: z.string().nullable(),
  message: z.string().nullable(),
  attempts: z.number().int(),
  /** From the first attempt's start to the latest one's end (or now): working and waiting together. */
  durationMs: z.number().nullable(),
  threadId: z.string().nullable(),
  diff: DiffStat.strict().nullable(),
  checks: z.strictObject({ passed: z.number().int(), failed: z.number().int(), total: z.number().int() }).nullable(),
  /** Codex's and the role agents' tokens together, every attempt. */
  usage: TokenCount.nullable(),
  artifacts: z.strictObject({
    events: z.string().nullable(),
    log: z.string().nullable(),
    diff: z.string().nullable(),
    checks: z.string().nullable(),
    verdict: z.string().nullable(),
  }),
  codexUsage: TokenCount.nullable(),
  agentUsage: TokenCount.nullable(),
  /** Attempts that were fixes (follow-ups after failed verification). */
  fixAttempts: z.number().int(),
  /** The tester agent's verdict on the latest attempt, when the task is judged. */
  verdict: z
    .strictObject({
      verdict: z.enum(['pass', 'fail']),
      summary: z.string(),
      findings: z.number().int(),
      overridden: z.boolean(),
      attempt: z.number().int(),
      file: z.string(),
    })
    .nullable(),
  /** Why it failed and what to do next, when it failed during a run. */
  triage: z.strictObject({ probableCause: z.string(), nextStep: z.string(), by: z.enum(['manager', 'rules']) }).nullable(),
  /** Writes Codex's sandbox denied during the latest attempt (empty when none). */
  sandboxDenials: z.array(SandboxDenial.strict()),
  /** Working time: the attempts' durations added up (a running one up to now); null when it never worked. */
  workMs: z.number().nullable(),
  /** Time between attempts (a rework, a retry), or a gate's wait for its decision; null when it never waited. */
  waitMs: z.number().nullable(),
  /** Why it is not running; null when it is, or when its work is over. */
  waiting: Waiting.nullable(),
  /** A gate's approval criteria and artifact; null for a task without them. */
  approval: GateApprovalView.nullable(),
  /** A fan-out task, once it fanned out; null for any other task. */
  expansion: ExpansionView.nullable(),
  /** `failure`: a rollback, which runs only when a dependency failed or was rejected; null for any other task. */
  when: z.literal('failure').nullable(),
});
export type PollTask = z.infer<typeof PollTask>;

export const PollDocument = z.strictObject({
  schema: z.literal(POLL_SCHEMA),
  runId: z.string(),
  status: z.string(),
  message: z.string().nullable(),
  runDir: z.string(),
  manifest: z.string(),
  graph: z.strictObject({ path: z.string(), name: z.string(), sha256: z.string() }),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  heartbeatAt: z.string(),
  durationMs: z.number(),
  /** How many tasks are in each state (every state, zeros included). */
  counts: z.record(TaskStatus, z.number().int()),
  usage: TokenCount,
  integration: z
    .strictObject({
      branch: z.string(),
      commit: z.string(),
      merged: z.array(z.string()),
      skipped: z.array(z.strictObject({ taskId: z.string(), reason: z.string() })),
    })
    .nullable(),
  tasks: z.array(PollTask),
  /** Why a failed run failed (`tasks-failed`, `budget-exceeded`, `run-timeout`, `internal-error`); null otherwise. */
  reason: z.string().nullable(),
  codexUsage: TokenCount,
  agentUsage: TokenCount,
  /** Whether builders and testers worked through their role agents. */
  agents: z.boolean(),
  /** The run's token budget, when it has one. */
  budget: z.strictObject({ maxTokens: z.number().int(), used: z.number().int(), remaining: z.number().int(), reached: z.boolean(), reachedAt: z.string().nullable() }).nullable(),
  /** How long the run waited for reviewers at gates (a wait still going on included). */
  waitMs: z.number(),
  /** While the run waits at gates: which, and whether its orchestrator is alive to continue by itself (else `resume` continues it). */
  waiting: z
    .strictObject({
      gates: z.array(z.string()),
      /** Manual tasks awaiting their operator (not in `gates`). */ manual: z.array(z.string()).optional(),
      live: z.boolean(),
      pid: z.number().int().nullable(),
    })
    .nullable(),
});
export type PollDocument = z.infer<typeof PollDocument>;

/** `.runs/poll.schema.json`. */
export function pollJsonSchema(): Record<string, unknown> {
  return {
    $id: 'https://codex-orchestrator.dev/schema/poll-v1.json',
    title: 'codex-orchestrator poll --json document',
    ...(z.toJSONSchema(PollDocument, { target: 'draft-2020-12' }) as Record<string, unknown>),
  };
}
