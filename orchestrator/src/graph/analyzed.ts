import type { TaskId } from '../core/ids.js';
import type { Backend, McpServer, Role } from './schema.js';

/** Instructions a graph gives one task, replacing its role's (`agents/<role>.md`). */
export type TaskInstructions =
  /** Written in the graph (`instructions`). */
  | { readonly kind: 'text'; readonly text: string }
  /** A markdown file (`instructionsFile`), read when the task runs; `path` is absolute. */
  | { readonly kind: 'file'; readonly path: string };

/**
 * A gate's `approval` after analysis. `artifact`, `author` and `sections` come together (the
 * analyzer requires it): all set, or `artifact` and `author` undefined and `sections` empty.
 */
export interface GateApproval {
  readonly criteria: readonly string[];
  /** Relative to the repository root, normalised (`a/b.md`), never leaving it. */
  readonly artifact: string | undefined;
  /** A builder among the gate's dependencies, whose result holds the artifact. */
  readonly author: TaskId | undefined;
  readonly sections: readonly string[];
  /** Whether a rejection sends the reason to the author to revise (true unless the graph says `revise: false`). */
  readonly revise: boolean;
}

/** A builder's `fanOut` after analysis. */
export interface FanOutSpec {
  /** The plan, relative to the repository root, normalised. */
  readonly artifact: string;
  readonly section: string;
  /** The dependency it comes from (a gate that approves the plan, or the builder that writes it). */
  readonly from: TaskId;
  /** The builder whose result holds the plan: the gate's author, or `from` itself. */
  readonly author: TaskId;
  /** Where step k writes its report: a repository-relative path with `{k}`. */
  readonly stepArtifacts: string;
}

/** A task after analysis: ids are checked, defaults are applied. */
export interface AnalyzedTask {
  readonly id: TaskId;
  readonly title: string;
  readonly role: Role;
  /** Present for builders and testers (the analyzer requires it); may be absent for gates. */
  readonly prompt: string | undefined;
  readonly deps: readonly TaskId[];
  readonly verify: readonly string[];
  /** Commands that set up a new worktree of the task before its agent starts (the task's, else the settings'). */
  readonly setup: readonly string[];
  /** Directory inside the repository (relative, normalised, never escaping it) where work happens. */
  readonly cwd: string | undefined;
  /** This task's own instructions in place of its role's, when the graph gives some. */
  readonly instructions: TaskInstructions | undefined;
  readonly checklist: string | undefined;
  readonly timeoutMs: number;
  readonly retries: number;
  /** Whether the tester agent gives a verdict after the checks (testers by default; builders when the graph asks). */
  readonly judge: boolean;
  /** Fix attempts after a failed verification (builders; 0 for testers and gates). */
  readonly maxFixAttempts: number;
  /** What the graph tells a builder's fix follow-ups, besides the failing output and findings. */
  readonly fix: string | undefined;
  /** Builders: an empty diff fails the task (`no-change`) unless the graph says `expectChanges: false`; false for testers and gates. */
  readonly expectChanges: boolean;
  /** Gates: what a reviewer approves it on, when the graph says. */
  readonly approval: GateApproval | undefined;
  /** Builders: the plan whose steps the task fans out into when it is first ready. */
  readonly fanOut: FanOutSpec | undefined;
  /** `failure`: the task runs only when a dependency did not succeed (a rollback); else it is skipped `not-needed`. */
  readonly when: 'success' | 'failure';
  /** Position in the file, used to order ready tasks deterministically. */
  readonly index: number;
}

/** A graph that passed analysis. The engine only ever receives one of these. */
export interface AnalyzedGraph {
  /** Absolute path of the graph file. */
  readonly file: string;
  /** The file's text exactly as read (saved into the run as `graph.yaml`). */
  readonly source: string;
  readonly sha256: string;
  readonly name: string;
  readonly settings: {
    /** Absolute path of the repository root, or undefined for "the repository holding the graph file". */
    readonly repo: string | undefined;
    readonly baseRef: string;
    readonly backend: Backend;
    readonly concurrency: { readonly builder: number; readonly tester: number };
    /** First retry's wait; doubles per retry. */
    readonly retryBackoffMs: number;
    /** Limit of one session of the run, if any. */
    readonly runTimeoutMs: number | undefined;
    /** Whether builders and testers work through their role agents (else: straight to Codex). */
    readonly agents: boolean;
    /** `settings.model`; undefined: chosen by what the machine has (`engine/session/model-access.ts`). */
    readonly model: 'offline' | 'openai' | 'codex-login' | undefined;
    /** The run's token budget, if any. */
    readonly maxTokens: number | undefined;
    /** MCP servers every task's Codex thread gets. */
    readonly mcpServers: readonly McpServer[];
    /** How long one worktree's setup may take. */
    readonly setupTimeoutMs: number;
    /** How a worktree gets what an identical setup installed elsewhere in the run. */
    readonly setupCache: 'copy' | 'link' | 'off';
    /** Absolute folder under which the run's worktrees are made; undefined for the default (the user's cache folder). */
    readonly worktreeRoot: string | undefined;
    /** How many free worktrees a run leaves for the next run of the repository (`workspace/kept-worktrees.ts`). */
    readonly keptWorktrees: number;
    /** What the run redacts besides OPENAI_API_KEY and secret-looking variables: patterns (valid) and variable names. */
    readonly secrets: { readonly patterns: readonly string[]; readonly env: readonly string[] };
  };
  /** In file order. */
  readonly tasks: readonly AnalyzedTask[];
  /** A topological order (dependencies first; ties broken by file order). */
  readonly order: readonly TaskId[];
}
