import { z } from 'zod';
import { BACKEND_NAMES } from './backend-names.js';

/**
 * The task graph file format. This zod schema is the single source of truth: the TypeScript
 * types come from it and `tasks/schema.json` is generated from it (see `graphJsonSchema`).
 * Structural checks that zod cannot express (duplicate ids, unknown deps, cycles, unsafe ids)
 * live in `analyze.ts`.
 */

/** A duration: a number of seconds, or a string such as `90s`, `10m`, `1h`, `500ms`. */
export const Duration = z.union([z.number().positive(), z.string().regex(/^\d+(\.\d+)?(ms|s|m|h)$/, 'a duration such as "90s", "10m" or "1h"')]);
export type Duration = z.infer<typeof Duration>;

/** Converts a validated Duration to milliseconds. */
export function durationMs(d: Duration): number {
  if (typeof d === 'number') return Math.round(d * 1000);
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(d);
  if (!m) throw new Error(`Internal error: unvalidated duration ${d}`);
  const n = Number(m[1]);
  const unit = m[2] as 'ms' | 's' | 'm' | 'h';
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit];
  return Math.round(n * factor);
}

/**
 * What a task is for.
 * - `builder`: changes code through Codex.
 * - `tester`: verifies through Codex (runs tests, inspects), sees its dependencies' changes.
 * - `gate`: a human sign-off; holds its dependents until a reviewer approves it.
 * - `manual`: work an operator (or an agent outside the run) does by hand: no worktree, no Codex;
 *   it waits like a gate until `migrate execute <task> --status done` marks it done.
 */
export const Role = z.enum(['builder', 'tester', 'gate', 'manual']);
export type Role = z.infer<typeof Role>;

export const Backend = z.enum(BACKEND_NAMES);
export type Backend = z.infer<typeof Backend>;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const Concurrency = z
  .object({
    builder: z.number().int().min(1).max(64).optional(),
    tester: z.number().int().min(1).max(64).optional(),
  })
  .strict();

/**
 * What a reviewer approves a gate on (gates only): criteria they read, and a markdown artifact one
 * of the gate's dependencies writes. `approve` reads the artifact from its author's result and
 * refuses while a required section is missing or still a placeholder; `reject` sends the reason
 * to the author, which revises the artifact, and the gate awaits approval again.
 */
export const Approval = z
  .object({
    /** What the reviewer checks; shown with the gate in `poll` and `review`. */
    criteria: z.array(z.string().min(1)).optional(),
    /** The artifact's path, relative to the repository root (no `..`). Needs `author` and `sections`. */
    artifact: z.string().min(1).optional(),
    /** The dependency (a builder) whose result holds the artifact; it revises the artifact when the gate is rejected. */
    author: z.string().min(1).optional(),
    /** Headings the artifact must have, each filled in (not empty, no `<fill:` marker left). */
    sections: z.array(z.string().min(1)).optional(),
    /**
     * Whether a rejection sends the reason to the author to revise the artifact (default true).
     * `false`: the gate is rejected as a gate without an author is (its dependents are skipped, its
     * `when: failure` tasks run); a fan-out's step gates are made so.
     */
    revise: z.boolean().optional(),
  })
  .strict();
export type Approval = z.infer<typeof Approval>;

/** An MCP server every task's Codex thread gets (`settings.mcpServers`). */
export const McpServer = z
  .object({
    /** Unique among the run's MCP servers; the name Codex knows it by. */
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'a name of letters, digits, ".", "_" and "-", starting with a letter or digit')
      .max(64),
    /** The command that starts it (stdio). */
    command: z.string().min(1),
    args: z.array(z.string()).default([]),
    /**
     * Names of environment variables the server gets from the orchestrator's environment (their
     * values are never written anywhere; they are secrets of the run, redacted like secretEnv).
     */
    env: z.array(z.string().regex(ENV_NAME, 'an environment variable name (letters, digits and "_", not starting with a digit)')).default([]),
  })
  .strict();
export type McpServer = z.infer<typeof McpServer>;

/**
 * A builder that fans out (builders only): when it is first ready, the engine reads the numbered
 * items of `section` in the approved `artifact` and adds, for each step k, a builder
 * `<task>-step-<k>`, its gate `gate-<task>-step-<k>` and a rollback `rollback-<task>-step-<k>`
 * (`when: failure`); the steps run in order and the task itself runs after the last step's gate.
 */
export const FanOut = z
  .object({
    /** The plan's path, relative to the repository root (no `..`). */
    artifact: z.string().min(1),
    /** The heading whose numbered list holds the steps, one per line (`1. Title: what is changed`). */
    section: z.string().min(1),
    /** A dependency: a gate whose `approval.artifact` is the plan (it is read from the gate's author's result), or the builder that writes it. */
    from: z.string().min(1),
    /** Where each step writes its report: a repository-relative path with `{k}` (default `<the plan's folder>/<task>-step-{k}.md`). */
    stepArtifacts: z.string().min(1).optional(),
  })
  .strict();
export type FanOut = z.infer<typeof FanOut>;

export const Task = z
  .object({
    /** Unique within the graph; safe as a file name (letters, digits, `.`, `_`, `-`; at most 64). */
    id: z.string(),
    /** One line for people. */
    title: z.string().min(1).optional(),
    role: Role,
    /** What the agent is asked to do (a manual task: what the operator does). Required for builders, testers and manual tasks. */
    prompt: z.string().optional(),
    /**
     * Replaces the role's instructions (`agents/<role>.md`) for this task only. Markdown; `## Agent`
     * and `## Codex` sections replace those sections of the role file, text without sections the
     * whole of it.
     */
    instructions: z.string().optional(),
    /** Like `instructions`, read from a markdown file; the path is relative to the graph file. */
    instructionsFile: z.string().min(1).optional(),
    /** Ids of tasks that must succeed first. */
    deps: z.array(z.string()).default([]),
    /** Shell commands the orchestrator runs in the task's worktree after the agent; any non-zero exit fails the task. */
    verify: z.array(z.string().min(1)).default([]),
    /** Directory inside the repository where the agent, the setup and the verify commands run. */
    cwd: z.string().min(1).optional(),
    /**
     * Shell commands that set up a new worktree of this task before the agent starts (e.g.
     * `npm ci`), in place of `settings.setup`; `[]` runs none.
     */
    setup: z.array(z.string().min(1)).optional(),
    /** A checklist item this task ticks when approved: `path/to/tasks-x.md#item-text-or-anchor`. */
    checklist: z.string().min(1).optional(),
    /** How long the agent and the verify commands may take together. */
    timeout: Duration.optional(),
    /** How many times a retryable failure is retried. */
    retries: z.number().int().min(0).max(10).optional(),
    /**
     * Whether the tester agent gives a verdict on the task after its checks (`verdict.json`).
     * Default: true for testers, false for builders.
     */
    judge: z.boolean().optional(),
    /**
     * Builders: how many fix attempts follow a failed verification (checks, or the verdict of a
     * judged builder), each a follow-up in the task's own Codex thread. Testers: how many rounds of
     * rework their failed checks or `fail` verdict send to the builders they depend on (each gets the
     * findings on its own thread; the tester runs again after them). Default: the setting, else 2.
     */
    maxFixAttempts: z.number().int().min(0).max(10).optional(),
    /**
     * Builders: what to tell the agent when its work fails verification, after the failing output
     * and findings the orchestrator writes into the fix follow-up itself. Testers: what to tell
     * the builders they depend on, after the tester's findings.
     */
    fix: z.string().optional(),
    /**
     * Builders: whether the task is meant to change files. By default a builder whose diff against
     * its base is empty fails (`no-change`), so a builder that silently did nothing is never a
     * success; `false` is for builders that only inspect, report or run something.
     */
    expectChanges: z.boolean().optional(),
    /** Gates: what the reviewer approves it on (criteria, and an artifact a dependency writes). */
    approval: Approval.optional(),
    /** Builders: grow the graph from the numbered steps of an approved plan when the task is first ready (see FanOut). */
    fanOut: FanOut.optional(),
    /**
     * When the task runs: `success` (default) once every dependency succeeded or was approved;
     * `failure` (a rollback) only when one of them failed, was rejected or was skipped for that;
     * when all of them succeeded it is skipped (`not-needed`), which does not fail the run.
     */
    when: z.enum(['success', 'failure']).optional(),
  })
  .strict();
export type Task = z.infer<typeof Task>;

export const Settings = z
  .object({
    /** Git repository the tasks work in, relative to the graph file; default: the repository holding the graph. */
    repo: z.string().min(1).optional(),
    /** Commit-ish every task starts from; default `HEAD`. */
    baseRef: z.string().min(1).optional(),
    backend: Backend.optional(),
    /** How many tasks of each role run at once; defaults builder 4, tester 2. */
    concurrency: Concurrency.optional(),
    /** Default per-task timeout. */
    timeout: Duration.optional(),
    /**
     * Shell commands run in every new task worktree, in the task's `cwd`, before its agent starts:
     * what the project needs installed to build and test (`npm ci --prefer-offline --no-audit`,
     * `uv sync`, `python3 -m venv .venv && .venv/bin/pip install -e .`). A task's own `setup` replaces them.
     */
    setup: z.array(z.string().min(1)).optional(),
    /** How long one worktree's setup commands may take together (default 15m); then the task fails `setup-failed`. */
    setupTimeout: Duration.optional(),
    /**
     * How a worktree whose dependency files (lockfiles, manifests) match one already set up in the
     * run gets what setup installed: `copy` (default; `cp --reflink=auto`), `link` (hard links:
     * fastest and smallest, but a task that edits an installed file in place changes it for every
     * worktree sharing it), or `off` (every worktree runs its setup).
     */
    setupCache: z.enum(['copy', 'link', 'off']).optional(),
    /**
     * Where the run's task worktrees are made, relative to the graph file; each run gets
     * `<worktreeRoot>/<repository>-<hash>/<run-id>/`. Default: the user's cache folder
     * (`$XDG_CACHE_HOME` or `~/.cache`, then `codex-orchestrator/worktrees`), outside the repository
     * so nothing of the checkout (its `node_modules`, its virtualenv) is found from a worktree.
     */
    worktreeRoot: z.string().min(1).optional(),
    /**
     * How many free worktrees a run leaves, cleaned, for the next run of the same repository to
     * start from: switching one to a new start rewrites only the files that differ, where a new
     * worktree writes the whole repository. Default: the builder and tester concurrency together
     * (at most 16); 0 keeps none (a run still uses those earlier runs left). Unused ones are
     * removed after 14 days.
     */
    keptWorktrees: z.number().int().min(0).max(64).optional(),
    /** Default retries for retryable failures. */
    retries: z.number().int().min(0).max(10).optional(),
    /** Wait before the first retry of a retryable failure; it doubles with each retry (at most 1 minute). Default 2s. */
    retryBackoff: Duration.optional(),
    /** How long one session of the run (a `run`, or a `resume`) may take; unfinished tasks then fail with `timeout`. */
    runTimeout: Duration.optional(),
    /**
     * Regular expressions (JavaScript syntax, without slashes or flags) whose matches are
     * redacted from everything the run writes under `.runs/`, like OPENAI_API_KEY and secret-looking
     * environment variables are.
     */
    secrets: z.array(z.string().min(1)).optional(),
    /**
     * MCP servers every task's Codex thread gets, written into the run's private Codex config
     * (beside `.runs/`, never in it); a migration workspace's come from `.codex/migrate/manifest.toml`.
     */
    mcpServers: z.array(McpServer).optional(),
    /** Names of further environment variables whose values are secrets (e.g. DATABASE_URL). */
    secretEnv: z.array(z.string().regex(ENV_NAME, 'an environment variable name (letters, digits and "_", not starting with a digit)')).optional(),
    /**
     * Whether builders and testers work through their role agents (`agents/`), which reach Codex
     * through their one `codex` tool; false sends each task's prompt straight to Codex. Default true.
     */
    agents: z.boolean().optional(),
    /**
     * The model the run's Codex talks to: `offline` (the stand-in), `openai` (OPENAI_API_KEY) or
     * `codex-login` (your own Codex sign-in). Default: OPENAI_API_KEY if set, else a Codex
     * sign-in if there is one, else offline. `run --model` overrides it.
     */
    model: z.enum(['offline', 'openai', 'codex-login']).optional(),
    /** Default `maxFixAttempts` of builders and testers (default 2). */
    maxFixAttempts: z.number().int().min(0).max(10).optional(),
    /**
     * The run's token budget (Codex and the agents together, every task): once it is reached no
     * new task or attempt starts, and the run ends `failed` (`budget-exceeded`).
     */
    maxTokens: z.number().int().positive().optional(),
  })
  .strict();
export type Settings = z.infer<typeof Settings>;

export const TaskGraph = z
  .object({
    /** Format version of the graph file. */
    version: z.literal(1).default(1),
    name: z.string().min(1).optional(),
    description: z.string().optional(),
    settings: Settings.default({}),
    tasks: z.array(Task).min(1),
  })
  .strict();
export type TaskGraph = z.infer<typeof TaskGraph>;

export const DEFAULT_CONCURRENCY = { builder: 4, tester: 2 } as const;
/** `settings.keptWorktrees` by default: the concurrency, up to this many. */
export const MAX_DEFAULT_KEPT_WORKTREES = 16;
export const DEFAULT_TASK_TIMEOUT_MS = 30 * 60_000;
export const DEFAULT_RETRY_BACKOFF_MS = 2000;
export const DEFAULT_MAX_FIX_ATTEMPTS = 2;
export const DEFAULT_SETUP_TIMEOUT_MS = 15 * 60_000;

/** The JSON Schema of graph files, generated from the zod schema (kept in `tasks/schema.json`). */
export function graphJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(TaskGraph, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
  return {
    $id: 'https://codex-orchestrator.dev/schema/task-graph.json',
    title: 'codex-orchestrator task graph',
    ...schema,
  };
}
