/**
 * The normalised event model every backend emits, whatever Codex transport it uses. Raw Codex
 * messages are kept beside these in `events.jsonl` because Codex's own formats change without a
 * version marker.
 */

/** Token usage as Codex reports it; for a thread, cumulative. */
export interface TokenUsage {
  readonly input: number;
  readonly cachedInput: number;
  readonly output: number;
  readonly reasoning: number;
  readonly total: number;
}

export const ZERO_USAGE: TokenUsage = { input: 0, cachedInput: 0, output: 0, reasoning: 0, total: 0 };

export function addUsage(a: TokenUsage, b: TokenUsage): TokenUsage {
  return {
    input: a.input + b.input,
    cachedInput: a.cachedInput + b.cachedInput,
    output: a.output + b.output,
    reasoning: a.reasoning + b.reasoning,
    total: a.total + b.total,
  };
}

export type AgentEvent =
  /** Codex opened (or continued) a conversation thread. */
  | { readonly type: 'thread-started'; readonly threadId: string }
  /** Codex started a shell command. */
  | { readonly type: 'command-begin'; readonly id: string; readonly command: string }
  /** A shell command ended. `exitCode` is null when Codex reported none (e.g. interrupted). */
  | {
      readonly type: 'command-end';
      readonly id: string;
      readonly command: string;
      readonly exitCode: number | null;
      readonly output: string;
      readonly durationMs: number | undefined;
    }
  /** Output of a command that arrived after its end was reported (codex app-server can stream some after the item completed), told when the turn ends. */
  | { readonly type: 'command-output'; readonly id: string; readonly command: string; readonly output: string }
  /** Codex applied (or failed to apply) a patch. `files` are paths as Codex reported them. */
  | { readonly type: 'patch-applied'; readonly id: string; readonly files: readonly string[]; readonly success: boolean; readonly output: string }
  /** Codex's own diff of the turn so far (app-server `turn/diff/updated`): the files it names, relative to the worktree. */
  | { readonly type: 'turn-diff'; readonly files: readonly string[] }
  /** The agent said something (its final answer is the last of these). */
  | { readonly type: 'message'; readonly text: string }
  /** Cumulative token usage of the thread so far. */
  | { readonly type: 'usage'; readonly usage: TokenUsage }
  /** Codex reported an error. */
  | { readonly type: 'error'; readonly message: string }
  /** The turn ended without completing (interrupted or aborted). */
  | { readonly type: 'turn-aborted'; readonly reason: string }
  /**
   * Codex asked the orchestrator something it does not grant (an approval under approval policy
   * `never`, a question for the user): `answer` is what it was told (`decline`, `unsupported`, …).
   */
  | { readonly type: 'request-declined'; readonly method: string; readonly answer: string };

/** One line of `events.jsonl`. */
export interface EventRecord {
  readonly seq: number;
  /** ISO time the orchestrator received it. */
  readonly ts: string;
  /** Which backend produced it. */
  readonly source: string;
  /** The normalised event, or null for raw messages that have no normalised form. */
  readonly event: AgentEvent | null;
  /**
   * The message as Codex sent it, with secrets redacted. A streamed piece (`*_delta`) carries the
   * part of its stream that was final when it arrived (see `engine/attempt/streamed-output.ts`).
   */
  readonly raw: unknown;
  /** Set on the record that carries the end of a stream the redactor held back until the stream ended. */
  readonly heldBack?: boolean;
}
