import { tool, type FunctionTool } from '@openai/agents';
import type { AgentBackend, TurnOutcome, TurnRequest } from '../orchestrator/src/backends/backend.js';
import { childController } from '../orchestrator/src/core/abort.js';
import type { TokenUsage } from '../orchestrator/src/core/events.js';
import { CODEX_TOOL_NAME, CodexCallInput, type CodexCallOutput } from '../orchestrator/src/roles/codex-call.js';

/**
 * Codex as a role agent's only hands: one function tool, `codex`, backed by the run's
 * `AgentBackend`. The model writes the prompt and says whether to continue its Codex thread; the
 * orchestrator fixed everything else when it made the tool (the task's worktree as working
 * directory; the backend's sandbox `workspace-write` and approval policy `never`). Arguments
 * outside the schema are not used, and the tool says so in its answer.
 *
 * Calls run one at a time, so a model that asks for two at once cannot have two Codex turns
 * working in the same worktree. Codex's events stream to `onEvent` as they arrive, as they do
 * for a task run without an agent.
 */

export interface CodexHandsOptions {
  readonly backend: AgentBackend;
  /** The task's worktree (or a directory inside it): every Codex turn of this tool works there. */
  readonly cwd: string;
  /** Given to Codex as developer instructions (the role's `## Codex` section). */
  readonly developerInstructions?: string | undefined;
  /** Upper bound of one Codex turn. */
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
  readonly onEvent: TurnRequest['onEvent'];
  /** An existing Codex thread that `continueThread: true` continues (for example the task's earlier thread). */
  readonly threadId?: string | undefined;
  /** Hears every call when it ends, for the task log. */
  readonly onCall?: ((call: CodexCallRecord) => void) | undefined;
}

/** One call of the tool, as the model made it and as it ended. */
export interface CodexCallRecord {
  readonly prompt: string;
  readonly continueThread: boolean;
  /** The thread the call continued, or undefined when it started a new one. */
  readonly continued: string | undefined;
  /** Argument names the model sent that the tool does not take (and did not use). */
  readonly ignored: readonly string[];
  readonly outcome: TurnOutcome;
}

/** The tool, and what its calls did so far. */
export interface CodexHands {
  readonly tool: FunctionTool<unknown, typeof CodexCallInput, string>;
  /** The Codex thread of the latest call (or the one given), which `continueThread` continues. */
  readonly threadId: string | undefined;
  readonly calls: readonly CodexCallRecord[];
  /** Codex's token usage for the thread, as last reported (cumulative per thread). */
  readonly usage: TokenUsage | undefined;
}

const ALLOWED = new Set(Object.keys(CodexCallInput.shape));

export function codexHands(options: CodexHandsOptions): CodexHands {
  let threadId = options.threadId;
  let usage: TokenUsage | undefined;
  const calls: CodexCallRecord[] = [];
  let queue: Promise<unknown> = Promise.resolve();

  const call = async (input: CodexCallInput, ignored: readonly string[]): Promise<string> => {
    const continued = input.continueThread ? threadId : undefined;
    // A signal per call: listeners a backend leaves on it go with it, not onto the task's signal.
    const { controller, dispose } = childController(options.signal);
    let outcome: TurnOutcome;
    try {
      outcome = await options.backend.runTurn({
        prompt: input.prompt,
        cwd: options.cwd,
        threadId: continued,
        developerInstructions: options.developerInstructions,
        timeoutMs: options.timeoutMs,
        signal: controller.signal,
        onEvent: options.onEvent,
      });
    } finally {
      dispose();
    }
    if (outcome.threadId) threadId = outcome.threadId;
    if (outcome.usage) usage = outcome.usage;
    const record: CodexCallRecord = { prompt: input.prompt, continueThread: input.continueThread, continued, ignored, outcome };
    calls.push(record);
    options.onCall?.(record);
    const extra = ignored.length > 0 ? { ignored } : {};
    const answer: CodexCallOutput =
      outcome.status === 'completed'
        ? { status: 'completed', threadId: outcome.threadId ?? null, message: outcome.finalMessage, ...extra }
        : { status: 'failed', threadId: outcome.threadId ?? null, reason: outcome.reason, message: outcome.message, ...extra };
    return JSON.stringify(answer);
  };

  const codex = tool({
    name: CODEX_TOOL_NAME,
    description:
      "Ask Codex, a coding agent working in this task's git worktree, to do something: edit files, run commands, inspect the code. " +
      'It answers with its final message and its thread id. The working directory, sandbox and approval policy are fixed by the orchestrator. ' +
      'Set continueThread to true to follow up in the same Codex conversation (Codex keeps the context of your earlier calls), false to start a new one.',
    parameters: CodexCallInput,
    // The model's own arguments are checked by the schema; unknown ones are dropped by it, and named back here.
    execute: async (input, _context, details) => {
      const ignored = unknownArguments(details?.toolCall?.arguments);
      if (input.prompt.trim() === '') {
        const empty: CodexCallOutput = {
          status: 'failed',
          threadId: threadId ?? null,
          reason: 'empty-prompt',
          message: 'the prompt is empty: say what Codex should do',
          ...(ignored.length ? { ignored } : {}),
        };
        return JSON.stringify(empty);
      }
      const result = queue.then(() => call(input, ignored));
      queue = result.catch(() => undefined);
      return result;
    },
  });

  return {
    tool: codex,
    get threadId() {
      return threadId;
    },
    calls,
    get usage() {
      return usage;
    },
  };
}

function unknownArguments(raw: string | undefined): string[] {
  if (raw === undefined) return [];
  try {
    const parsed: unknown = JSON.parse(raw);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return [];
    return Object.keys(parsed).filter((k) => !ALLOWED.has(k));
  } catch {
    return [];
  }
}
