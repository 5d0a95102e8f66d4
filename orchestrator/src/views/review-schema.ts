import { z } from 'zod';
import { DiffStat, Review, SandboxDenial } from '../store/manifest.js';
import { ExpansionView, GateApprovalView, Waiting } from './poll-schema.js';
import { REVIEW_SCHEMA } from './schema-ids.js';

/**
 * The `review --json` document: its zod schema, the single source of truth for its shape
 * (`views/review.ts` builds it; the types come from here). The generated JSON Schema is
 * `.runs/review.schema.json`. Fields are only ever added: `test/views/view-schemas.test.ts`
 * checks the schema against the frozen v1.
 */

export { REVIEW_SCHEMA };

/** What became of the seal check: `intact`, or why not (a `SealFailure` reason). */
export const SealStatus = z.enum(['intact', 'unsealed', 'seal-unreadable', 'key-unusable', 'bad-signature', 'tampered']);
export type SealStatus = z.infer<typeof SealStatus>;

export const ReviewCheck = z.strictObject({
  command: z.string(),
  exitCode: z.number().int().nullable(),
  signal: z.string().nullable(),
  timedOut: z.boolean(),
  durationMs: z.number(),
  /** The check's output file (absolute). */
  output: z.string(),
});
export type ReviewCheck = z.infer<typeof ReviewCheck>;

export const ReviewTask = z.strictObject({
  id: z.string(),
  title: z.string(),
  role: z.string(),
  status: z.string(),
  reason: z.string().nullable(),
  message: z.string().nullable(),
  attempts: z.number().int(),
  checks: z.array(ReviewCheck),
  diff: DiffStat.strict().nullable(),
  /** The contents of `tasks/<id>/verdict.json` (the tester agent's verdict on a judged task); null when there is none. */
  verdict: z.strictObject({ file: z.string(), content: z.unknown(), error: z.string().nullable() }).nullable(),
  reviews: z.array(Review.strict()),
  /** The task's checklist reference, from the run's graph. */
  checklist: z.string().nullable(),
  artifacts: z.strictObject({ log: z.string().nullable(), diff: z.string().nullable(), events: z.string().nullable(), checks: z.string().nullable() }),
  /** The manager's triage of a task that failed during the run; null otherwise. */
  triage: z.strictObject({ probableCause: z.string(), nextStep: z.string(), by: z.enum(['manager', 'rules']) }).nullable(),
  /** Writes Codex's sandbox denied during the latest attempt (empty when none). */
  sandboxDenials: z.array(SandboxDenial.strict()),
  /** Attempts that were fixes (follow-ups after failed verification). */
  fixAttempts: z.number().int(),
  /** Tokens of every attempt: all, Codex's, the role agents'. */
  tokens: z.strictObject({ total: z.number().int(), codex: z.number().int(), agents: z.number().int() }).nullable(),
  /** Working time (the attempts' durations added up); null when it never worked. */
  workMs: z.number().nullable(),
  /** Time between attempts, or a gate's wait for its decision; null when it never waited. */
  waitMs: z.number().nullable(),
  /** Why it is not running (as in `poll --json`); null when it is, or when its work is over. */
  waiting: Waiting.nullable(),
  /** A gate's approval criteria and artifact (as in `poll --json`); null for a task without them. */
  approval: GateApprovalView.nullable(),
  /** A fan-out task, once it fanned out (as in `poll --json`); null for any other task. */
  expansion: ExpansionView.nullable(),
  /** `failure`: a rollback (as in `poll --json`); null for any other task. */
  when: z.literal('failure').nullable(),
  /** Only with `--task`: the whole diff. */
  diffText: z.string().nullable().optional(),
  /** Only with `--task`: the last lines of the log. */
  logTail: z.array(z.string()).nullable().optional(),
});
export type ReviewTask = z.infer<typeof ReviewTask>;

export const ReviewDocument = z.strictObject({
  schema: z.literal(REVIEW_SCHEMA),
  runId: z.string(),
  status: z.string(),
  message: z.string().nullable(),
  runDir: z.string(),
  manifest: z.string(),
  runnerLog: z.string(),
  graph: z.string(),
  seal: z.strictObject({
    status: SealStatus,
    file: z.string(),
    sealedAt: z.string().nullable(),
    keyid: z.string().nullable(),
    files: z.number().int().nullable(),
    problem: z.string().nullable(),
  }),
  tasks: z.array(ReviewTask),
});
export type ReviewDocument = z.infer<typeof ReviewDocument>;

/** `.runs/review.schema.json`. */
export function reviewJsonSchema(): Record<string, unknown> {
  return {
    $id: 'https://codex-orchestrator.dev/schema/review-v1.json',
    title: 'codex-orchestrator review --json document',
    ...(z.toJSONSchema(ReviewDocument, { target: 'draft-2020-12' }) as Record<string, unknown>),
  };
}
