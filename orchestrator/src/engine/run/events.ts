import type { DiffStat, RunStatus, TaskFailureReason, TaskStatus } from '../../store/manifest.js';

/**
 * What the engine tells its observers (the console, tests, later the dashboard). The engine
 * never prints: observers decide how to show these.
 */
export type EngineEvent =
  | {
      readonly type: 'run-started';
      readonly runId: string;
      readonly runDir: string;
      readonly manifest: string;
      readonly tasks: number;
      readonly model: string;
      readonly backend: string;
      /** Whether builders and testers work through their role agents. */
      readonly agents: boolean;
      /** The run's token budget, if any. */
      readonly maxTokens: number | undefined;
    }
  | { readonly type: 'notice'; readonly message: string }
  | {
      readonly type: 'task-started';
      readonly taskId: string;
      readonly role: string;
      readonly attempt: number;
      /** Set when the attempt is a builder's fix: which one, of how many. */
      readonly fix?: { readonly n: number; readonly of: number };
    }
  | { readonly type: 'task-command'; readonly taskId: string; readonly command: string }
  | {
      readonly type: 'task-finished';
      readonly taskId: string;
      readonly status: TaskStatus;
      readonly reason: TaskFailureReason | undefined;
      readonly message: string | undefined;
      readonly durationMs: number;
      readonly diff: DiffStat | undefined;
      readonly checks: { passed: number; failed: number; total: number } | undefined;
      readonly willRetry: boolean;
      /** A fix attempt follows (the builder failed verification). */
      readonly willFix?: boolean;
      /** The tester agent's verdict, when the task is judged. */
      readonly verdict?: 'pass' | 'fail';
    }
  | { readonly type: 'task-skipped'; readonly taskId: string; readonly blockedBy: string }
  | { readonly type: 'task-awaiting-approval'; readonly taskId: string }
  /** Only gates are left and the run waits (live, in process `pid`) for reviewers' decisions on `awaiting`. */
  | {
      readonly type: 'run-waiting';
      readonly runId: string;
      readonly awaiting: readonly string[] /** Those of `awaiting` that are manual tasks (their operator marks them done). */;
      readonly manual?: readonly string[];
      readonly pid: number;
    }
  | { readonly type: 'run-finished'; readonly runId: string; readonly status: RunStatus; readonly manifest: string; readonly message: string | undefined };

export type EngineObserver = (event: EngineEvent) => void;
