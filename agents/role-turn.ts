import type { AgentInputItem } from '@openai/agents';
import type { AgentBackend, TurnOutcome, TurnRequest } from '../orchestrator/src/backends/backend.js';
import type { TokenUsage } from '../orchestrator/src/core/events.js';
import { ZERO_USAGE } from '../orchestrator/src/core/events.js';
import type { TaskInstructions } from '../orchestrator/src/graph/analyzed.js';
import { sectionFor, taskInstructions } from '../orchestrator/src/roles/instructions.js';
import type { Verdict } from '../orchestrator/src/roles/verdict.js';
import { builderAgent } from './builder.js';
import { codexHands, type CodexCallRecord } from './codex-tool.js';
import { agentFailure, type AgentFailure } from './failure.js';
import { agentUsage, type AgentRuntime } from './runtime.js';
import { testerAgent } from './tester.js';

/**
 * One turn of a builder or tester agent on a task: the agent gets the task's prompt (or a
 * follow-up in its earlier conversation), works through the `codex` tool bound to the task's
 * worktree, and ends with its answer: a summary (builder) or a verdict (tester, not yet checked
 * against the orchestrator's checks: that is `judge`). Codex's events stream to `onEvent`.
 */

export interface RoleTurnRequest {
  readonly role: 'builder' | 'tester';
  readonly task: {
    readonly id: string;
    readonly title: string;
    readonly prompt: string;
    readonly instructions?: TaskInstructions | undefined;
  };
  /** The run's Codex backend. */
  readonly backend: AgentBackend;
  /** The task's worktree (or its `cwd` inside it): fixed for every Codex call of this turn. */
  readonly cwd: string;
  /** Upper bound of one Codex turn; the signal carries the task's real limit. */
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
  /** Codex's events, normalised, as they arrive (the task's `events.jsonl` and `log.txt`). */
  readonly onEvent: TurnRequest['onEvent'];
  /** Each Codex call the agent made, when it ends. */
  readonly onCodexCall?: ((call: CodexCallRecord) => void) | undefined;
  /**
   * Continue an earlier turn instead of starting from the task's prompt: the agent sees its own
   * conversation and then `message` (for example a tester's findings), and `continueThread`
   * reaches the same Codex thread.
   */
  readonly continueFrom?: (RoleConversation & { readonly message: string }) | undefined;
  /** Model turns the agent may take (each Codex call costs one); default 12. */
  readonly maxTurns?: number | undefined;
}

/** What a later turn needs to go on from this one. Plain JSON: it can be stored with the run. */
export interface RoleConversation {
  /** The agent's conversation as Responses API items (opaque to callers). */
  readonly history: readonly unknown[];
  /** The Codex thread the conversation used last. */
  readonly threadId: string | undefined;
}

/** Why a role turn did not complete. */
export type RoleTurnFailure =
  | AgentFailure
  /** Codex's last turn failed (and the agent did not recover with another); `turn` says how, for the task's failure reason. */
  | { readonly reason: 'codex-failed'; readonly message: string; readonly turn: Extract<TurnOutcome, { status: 'failed' }> };

interface RoleTurnCommon {
  /** The Codex thread of the last call (the task's conversation id). */
  readonly threadId: string | undefined;
  readonly codexCalls: readonly CodexCallRecord[];
  /** Codex's usage for the thread, as last reported. */
  readonly codexUsage: TokenUsage | undefined;
  /** The role agent's own model usage. */
  readonly agentUsage: TokenUsage;
  /** For a follow-up turn; undefined when the agent never ran. */
  readonly conversation: RoleConversation | undefined;
}

export type RoleTurnResult =
  | (RoleTurnCommon & {
      readonly status: 'completed';
      /** The builder's summary, or the tester's verdict summary. */
      readonly finalMessage: string;
      /** The tester's own verdict (before the checks rule); undefined for a builder. */
      readonly verdict: Verdict | undefined;
    })
  | (RoleTurnCommon & { readonly status: 'failed'; readonly failure: RoleTurnFailure });

export const DEFAULT_MAX_TURNS = 12;

export async function runRoleTurn(runtime: AgentRuntime, request: RoleTurnRequest): Promise<RoleTurnResult> {
  const { task } = request;
  const text = await taskInstructions(request.role, task.instructions);
  if (!text.ok) {
    const failure: AgentFailure = { reason: 'instructions-unreadable', message: `cannot read the instructions of task "${task.id}" (${text.error.file}): ${text.error.message}` };
    return { status: 'failed', failure, threadId: request.continueFrom?.threadId, codexCalls: [], codexUsage: undefined, agentUsage: ZERO_USAGE, conversation: undefined };
  }
  const hands = codexHands({
    backend: request.backend,
    cwd: request.cwd,
    developerInstructions: sectionFor(text.value, 'Codex'),
    timeoutMs: request.timeoutMs,
    signal: request.signal,
    onEvent: request.onEvent,
    threadId: request.continueFrom?.threadId,
    onCall: request.onCodexCall,
  });
  const instructions = `${sectionFor(text.value, 'Agent') ?? ''}\n\n## This task\n\nid: ${task.id}\ntitle: ${task.title}\n`;
  const agent = request.role === 'builder' ? builderAgent({ instructions, codex: hands.tool }) : testerAgent({ instructions, codex: hands.tool });
  const input: string | AgentInputItem[] = request.continueFrom ? [...(request.continueFrom.history as AgentInputItem[]), { role: 'user', content: request.continueFrom.message }] : task.prompt;

  const common = (history: readonly unknown[] | undefined, usage: TokenUsage): RoleTurnCommon => ({
    threadId: hands.threadId,
    codexCalls: hands.calls,
    codexUsage: hands.usage,
    agentUsage: usage,
    conversation: history ? { history, threadId: hands.threadId } : undefined,
  });
  let output: unknown;
  let history: readonly unknown[];
  let usage: TokenUsage;
  try {
    const result = await runtime.runner.run(agent, input, { signal: request.signal, maxTurns: request.maxTurns ?? DEFAULT_MAX_TURNS });
    output = result.finalOutput;
    history = result.history;
    usage = agentUsage(result.runContext);
  } catch (e) {
    return { status: 'failed', failure: agentFailure(e, request.signal), ...common(undefined, ZERO_USAGE) };
  }
  const last = hands.calls.at(-1)?.outcome;
  if (last?.status === 'failed') {
    return { status: 'failed', failure: { reason: 'codex-failed', message: last.message, turn: last }, ...common(history, usage) };
  }
  if (request.role === 'tester') {
    const verdict = output as Verdict;
    return { status: 'completed', finalMessage: verdict.summary, verdict, ...common(history, usage) };
  }
  return { status: 'completed', finalMessage: typeof output === 'string' ? output : JSON.stringify(output), verdict: undefined, ...common(history, usage) };
}
