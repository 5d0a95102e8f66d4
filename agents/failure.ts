import { MaxTurnsExceededError, ModelBehaviorError } from '@openai/agents';
import { describeAbort } from '../orchestrator/src/core/abort.js';

/**
 * Why an agent run did not give an answer. Expected failures come back as these values; the
 * engine decides what they mean for the task (for a model error, `classifyCodexError` of the
 * message tells a rate limit or an outage from a lasting problem).
 */
export type AgentFailure =
  /** The caller's signal fired (stop, timeout); the message is its reason. */
  | { readonly reason: 'aborted'; readonly message: string }
  /** The model could not be reached or answered with an error (the message holds the HTTP status). */
  | { readonly reason: 'model-error'; readonly message: string }
  /** The model's answer was not usable (for example not the JSON its output schema asks for). */
  | { readonly reason: 'invalid-output'; readonly message: string }
  /** The agent used up its turns without a final answer. */
  | { readonly reason: 'max-turns'; readonly message: string }
  /** The task's instructions file could not be read. */
  | { readonly reason: 'instructions-unreadable'; readonly message: string };

/** Maps what an agent run threw to a failure value. */
export function agentFailure(error: unknown, signal: AbortSignal | undefined): AgentFailure {
  if (signal?.aborted) return { reason: 'aborted', message: describeAbort(signal) };
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof MaxTurnsExceededError) return { reason: 'max-turns', message };
  if (error instanceof ModelBehaviorError) return { reason: 'invalid-output', message };
  const status = (error as { status?: unknown } | null)?.status;
  return { reason: 'model-error', message: typeof status === 'number' && !message.includes(String(status)) ? `${status} ${message}` : message };
}
