import type { AgentEvent, TokenUsage } from '../core/events.js';

/**
 * The one narrow interface between the engine and Codex. Two implementations: `codex-mcp`
 * (long-lived `codex mcp-server`) and `codex-exec` (`codex exec --json` per turn).
 */

/** One agent turn. The orchestrator, never the model, fixes cwd, sandbox and approval policy. */
export interface TurnRequest {
  readonly prompt: string;
  /** The task's worktree (or a directory inside it). */
  readonly cwd: string;
  /** Continue this Codex thread instead of starting a new one. */
  readonly threadId?: string | undefined;
  /** Role instructions given to Codex as developer instructions. */
  readonly developerInstructions?: string | undefined;
  /** Hard upper bound for the call; the signal usually fires first. */
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
  /** Receives every event as it arrives, normalised (or null) with the raw message. */
  readonly onEvent: (event: AgentEvent | null, raw: unknown) => void;
}

/** Why a turn did not complete. */
export type TurnFailureReason =
  /** The caller's signal fired (user stop, task timeout, …); see the signal's reason. */
  | 'aborted'
  /** Codex ended the turn without finishing it. */
  | 'turn-aborted'
  /** Codex reported an error (model error, sandbox error, …). */
  | 'codex-error'
  /** The Codex process exited or the connection to it broke. */
  | 'process-exited'
  /** Codex answered something we could not understand. */
  | 'protocol-error';

export type TurnOutcome =
  | {
      readonly status: 'completed';
      readonly threadId: string | undefined;
      readonly finalMessage: string;
      readonly usage: TokenUsage | undefined;
    }
  | {
      readonly status: 'failed';
      readonly reason: TurnFailureReason;
      readonly message: string;
      readonly threadId: string | undefined;
      readonly usage: TokenUsage | undefined;
    };

export interface AgentBackend {
  readonly name: 'codex-mcp' | 'codex-exec';
  /** Runs one turn. Never throws for expected failures: they come back as `failed` outcomes. */
  runTurn(request: TurnRequest): Promise<TurnOutcome>;
  /** Ends every process the backend owns. Idempotent. */
  close(): Promise<void>;
}
