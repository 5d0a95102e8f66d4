import { z } from 'zod';
import { FOLLOW_UP_SOURCES } from './manifest-summary.js';

/** The parts of a task's record in `manifest.json` (`manifest.ts` puts them together). */

export const Usage = z.object({
  input: z.number().int().nonnegative(),
  cachedInput: z.number().int().nonnegative(),
  output: z.number().int().nonnegative(),
  reasoning: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
});
export type Usage = z.infer<typeof Usage>;

/**
 * A gate's `approval`, as the run's graph gave it: what the reviewer checks (`criteria`), and the
 * markdown artifact the dependency `author` writes, with the `sections` it must have filled in
 * (`artifact`, `author` and `sections` come together). `approve` reads the artifact from the
 * author's `resultCommit`; `reject` sends the reason to the author, which revises it.
 */
export const GateApproval = z.object({
  criteria: z.array(z.string()),
  /** Relative to the repository root. */
  artifact: z.string().optional(),
  author: z.string().optional(),
  sections: z.array(z.string()).optional(),
  /** `false`: a rejection does not send the reason to the author (the gate is rejected; its rollbacks run). Absent: true. */
  revise: z.boolean().optional(),
});
export type GateApproval = z.infer<typeof GateApproval>;

/** A file in the run folder with its digest at the time it was finished. */
export const Artifact = z.object({
  /** Relative to the run folder, with `/` separators. */
  path: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: z.number().int().nonnegative(),
});
export type Artifact = z.infer<typeof Artifact>;

export const CheckResult = z.object({
  command: z.string(),
  /** null when the command was killed (timeout, stop). */
  exitCode: z.number().int().nullable(),
  signal: z.string().nullable(),
  timedOut: z.boolean(),
  durationMs: z.number().nonnegative(),
  /** Combined stdout and stderr, relative to the run folder. */
  outputPath: z.string(),
});
export type CheckResult = z.infer<typeof CheckResult>;

export const DiffStat = z.object({
  files: z.number().int().nonnegative(),
  insertions: z.number().int().nonnegative(),
  deletions: z.number().int().nonnegative(),
});
export type DiffStat = z.infer<typeof DiffStat>;

/**
 * A follow-up for a task's Codex thread: a reviewer's rejection (rework), a prompt from `send`, or
 * the orchestrator's own after a builder's work failed verification (`fix`: the failing output
 * and findings). Pending on the task until an attempt takes it; then kept on that attempt.
 */
export const FollowUp = z.object({
  /** `resume`: the session running the task's turn ended; the next attempt continues its thread. */
  from: z.enum(FOLLOW_UP_SOURCES),
  prompt: z.string(),
  /** For a resume: the commit of what the interrupted attempt had done (the next attempt's worktree starts from it). */
  commit: z.string().optional(),
  /** The reviewer, for a rejection; the tester, for its findings. */
  by: z.string().optional(),
  /** For a fix: which one (1 for the first) of the task's `maxFixAttempts`; for a tester's findings, the tester's round. */
  fix: z.number().int().positive().optional(),
  /** With `fix`: how many the task may have (its `maxFixAttempts`; the tester's, for its findings). */
  of: z.number().int().positive().optional(),
  requestedAt: z.string(),
});
export type FollowUp = z.infer<typeof FollowUp>;

/** A tester agent's verdict, in short (the whole of it is the task's `verdict.json`). */
export const VerdictSummary = z.object({
  verdict: z.enum(['pass', 'fail']),
  summary: z.string(),
  /** How many findings the verdict lists. */
  findings: z.number().int().nonnegative(),
  /** True when the tester said `pass` and failed checks, or checks that ran no tests, made it `fail` (rules code enforces). */
  overridden: z.boolean(),
});
export type VerdictSummary = z.infer<typeof VerdictSummary>;

/** The manager's diagnosis of a failed task, for the reviewer. */
export const TriageRecord = z.object({
  probableCause: z.string(),
  nextStep: z.string(),
  /** `manager`: the manager agent answered; `rules`: the built-in rules did (agents off, or the agent failed). */
  by: z.enum(['manager', 'rules']),
  at: z.string(),
  /** The attempt whose failure it is about. */
  attempt: z.number().int().nonnegative(),
});
export type TriageRecord = z.infer<typeof TriageRecord>;

/** A write Codex's sandbox refused during a task's turn, as the command's output said it. */
export const SandboxDenial = z.object({
  /** The command (its first line), or `apply_patch` for a patch. */
  command: z.string(),
  /** The path refused, absolute, when the message names one. */
  path: z.string().optional(),
  /** `Read-only file system`, `Permission denied` or `Operation not permitted`. */
  message: z.string(),
});
export type SandboxDenial = z.infer<typeof SandboxDenial>;

/**
 * How the latest attempt's worktree was set up (`setup`): its commands `ran` there, what an
 * identical setup installed elsewhere in the run was `copied` (or `linked`) in, or the worktree had
 * been set up already (`reused`: a fix or follow-up in the same worktree).
 */
export const SetupRecord = z.object({
  how: z.enum(['ran', 'copied', 'linked', 'reused']),
  /** What the setup installed is keyed by: the commands, the `cwd` and the dependency files' contents. */
  key: z.string(),
  durationMs: z.number().nonnegative(),
  /** Of `durationMs`, the time spent waiting for another worktree of the run to finish the same setup. */
  waitedMs: z.number().nonnegative().optional(),
  /** The commands as they ran (output in `tasks/<id>/setup/<n>.log`); absent when nothing ran. */
  commands: z.array(CheckResult).optional(),
  /** Files and folders setup made (relative to the worktree): never part of the task's commit. */
  outputs: z.array(z.string()),
  /** Why what setup installed is not shared with other worktrees of the run, when it is not. */
  notShared: z.string().optional(),
});
export type SetupRecord = z.infer<typeof SetupRecord>;

/**
 * A task a fan-out added, as the graph file format writes it (`graph/schema.ts`'s `Task`; the
 * store cannot import the graph, so only what the run's records take from it is checked here: the
 * graph analyzer checked the whole of it before the expansion was recorded).
 */
export const GraphTaskObject = z
  .object({
    id: z.string(),
    title: z.string().optional(),
    role: z.enum(['builder', 'tester', 'gate', 'manual']),
    deps: z.array(z.string()).optional(),
    when: z.enum(['success', 'failure']).optional(),
    approval: GateApproval.partial().optional(),
  })
  .loose();
export type GraphTaskObject = z.infer<typeof GraphTaskObject>;

/** How the graph grew during the run: the tasks a fan-out added, and the dependencies it added to tasks there were. */
export const GraphExpansion = z.object({
  /** The fan-out task. */
  task: z.string(),
  at: z.string(),
  tasks: z.array(GraphTaskObject),
  /** Task id → the dependencies added to it. */
  deps: z.record(z.string(), z.array(z.string())),
});
export type GraphExpansion = z.infer<typeof GraphExpansion>;
