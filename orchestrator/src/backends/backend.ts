import type { AgentEvent, TokenUsage } from '../core/events.js';

/**
 * The one narrow interface between the engine and Codex. Three implementations: `codex-mcp`
 * (long-lived `codex mcp-server`), `codex-app-server` (one long-lived `codex app-server`, JSON-RPC)
 * and `codex-exec` (`codex exec --json` per turn).
 */

export type BackendName = 'codex-mcp' | 'codex-app-server' | 'codex-exec';

/** One agent turn. The orchestrator, never the model, fixes cwd, sandbox and approval policy. */
export interface TurnRequest {
  readonly prompt: string;
  /** The task's worktree (or a directory inside it). */
  readonly cwd: string;
  /** The commands' temporary folder (`TMPDIR`), their one writable root besides the worktree; the run's shared one when absent. */
  readonly tmpDir?: string | undefined;
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
  | 'protocol-error'
  /** The installed Codex cannot run this backend (e.g. it has no `codex mcp-server`). */
  | 'unsupported';

/**
 * What kind of error Codex reported, when it says so itself (`codex app-server`'s
 * `codexErrorInfo`); without it the engine reads the message.
 */
export type TurnErrorKind =
  /** HTTP 429 or Codex's own rate limit: may pass. */
  | 'rate-limited'
  /** The account's usage limit is reached: waiting for it is not a retry. */
  | 'usage-limit'
  /** HTTP 5xx, or the model is overloaded. */
  | 'unavailable'
  /** The connection or stream to the model broke. */
  | 'transport'
  /** Credentials missing or refused (HTTP 401/403). */
  | 'auth'
  /** The model or Codex rejected the request (HTTP 400, bad configuration). */
  | 'bad-request'
  /** The sandbox refused what the turn needed. */
  | 'sandbox'
  /** The thread outgrew the model's context window. */
  | 'context-window';

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
      /** For `codex-error`: the kind of error, when Codex said. */
      readonly errorKind?: TurnErrorKind | undefined;
    };

export interface AgentBackend {
  readonly name: BackendName;
  /** Runs one turn. Never throws for expected failures: they come back as `failed` outcomes. */
  runTurn(request: TurnRequest): Promise<TurnOutcome>;
  /** Ends every process the backend owns. Idempotent. */
  close(): Promise<void>;
}
