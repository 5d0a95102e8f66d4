import { z } from 'zod';

/**
 * The contract of the one tool through which builder and tester agents reach Codex. The model
 * chooses only what to say and whether to continue its conversation with Codex; the working
 * directory, sandbox and approval policy are the orchestrator's, so the schema has no such
 * fields (extra fields are dropped and reported back to the model, never used).
 */

export const CODEX_TOOL_NAME = 'codex';

export const CodexCallInput = z.object({
  /** What Codex is asked to do, self-contained for a new thread. (Emptiness is checked by the tool: strict schemas keep to plain types.) */
  prompt: z.string(),
  /** true: send this as a follow-up in the Codex thread of the previous call; false: start a new thread. */
  continueThread: z.boolean(),
});
export type CodexCallInput = z.infer<typeof CodexCallInput>;

/** What the tool answers the model (as JSON text). */
export type CodexCallOutput =
  /** Codex finished its turn. */
  | {
      readonly status: 'completed';
      readonly threadId: string | null;
      /** Codex's final message. */
      readonly message: string;
      /** Fields of the call the tool did not use (e.g. a `cwd` the model tried to choose). */
      readonly ignored?: readonly string[];
    }
  /** The turn failed (`reason`: the backend's, or `empty-prompt` when Codex was not called). */
  | {
      readonly status: 'failed';
      readonly threadId: string | null;
      readonly reason: string;
      readonly message: string;
      readonly ignored?: readonly string[];
    };
