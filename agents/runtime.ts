import { OpenAIProvider, Runner, type RunContext } from '@openai/agents';
import type { ModelAccess } from '../orchestrator/src/backends/codex-home.js';
import { OFFLINE_SLUG } from '../orchestrator/src/backends/codex-home.js';
import type { TokenUsage } from '../orchestrator/src/core/events.js';
import { inTrace, installFileTracing, openTraceFile, type TraceFile, type TraceWriter } from './tracing.js';

/**
 * Where role agents run: one `Runner` bound to the run's model (the offline stand-in or OpenAI)
 * and, when given a trace file, writing the agents' spans there. The engine opens one runtime
 * per run and closes it at the end; the `plan` command opens one for itself.
 */

export interface AgentRuntimeOptions {
  /** The model the run uses (`engine/session/model-access.ts`): the offline server's URL, or OpenAI. */
  readonly access: ModelAccess;
  /** Where spans go, one JSON object a line (the engine passes `.runs/<run-id>/trace.jsonl`). No tracing without it. */
  readonly traceFile?: string;
  /** Writes the trace file's records instead of this module (the engine's writer goes through the run store and its redactor). */
  readonly traceWriter?: TraceWriter;
  /** Names the traces (for example `codex-orchestrator run <run-id>`). */
  readonly workflowName?: string;
  /** Groups the traces of one run (the run id). */
  readonly groupId?: string;
  /** Read for OPENAI_API_KEY and CODEX_ORCHESTRATOR_AGENT_MODEL; default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
}

export interface AgentRuntime {
  readonly runner: Runner;
  /** The model name the agents use. */
  readonly model: string;
  readonly traceFile: string | undefined;
  /**
   * Runs `fn` in one trace named `name` (e.g. `task add-shout, attempt 2`): the agent runs inside it
   * are its spans, and `data` is written with the trace. Without a trace file, just runs `fn`.
   */
  inTrace<T>(name: string, data: Readonly<Record<string, string>>, fn: () => Promise<T>): Promise<T>;
  /** Flushes and closes the trace file. Idempotent. */
  close(): Promise<void>;
}

export async function openAgentRuntime(options: AgentRuntimeOptions): Promise<AgentRuntime> {
  installFileTracing();
  const env = options.env ?? process.env;
  const trace: TraceFile | undefined = options.traceFile ? await openTraceFile(options.traceFile, options.traceWriter) : undefined;
  let provider: OpenAIProvider;
  let model: string;
  if (options.access.kind === 'offline') {
    provider = new OpenAIProvider({ apiKey: 'offline', baseURL: options.access.baseUrl, useResponses: true });
    model = OFFLINE_SLUG;
  } else if (options.access.kind === 'codex-login') {
    // A Codex sign-in is Codex's alone; the engine runs codex-login runs with the agents off.
    throw new Error('Internal error: the role agents need OPENAI_API_KEY or the offline model, not a Codex sign-in');
  } else {
    const apiKey = env['OPENAI_API_KEY'];
    provider = new OpenAIProvider({ ...(apiKey ? { apiKey } : {}), useResponses: true });
    model = env['CODEX_ORCHESTRATOR_AGENT_MODEL'] || options.access.model;
  }
  const runner = new Runner({
    modelProvider: provider,
    model,
    tracingDisabled: trace === undefined,
    // Spans keep names, timings, usage and errors; prompts and tool arguments stay out of them.
    traceIncludeSensitiveData: false,
    workflowName: options.workflowName ?? 'codex-orchestrator',
    ...(options.groupId ? { groupId: options.groupId } : {}),
    ...(trace ? { traceMetadata: { ...trace.metadata } } : {}),
  });
  return {
    runner,
    model,
    traceFile: trace?.file,
    inTrace: (name, data, fn) => (trace ? inTrace(trace, name, options.groupId, data, fn) : fn()),
    close: async () => {
      await trace?.close();
    },
  };
}

/** The model's token usage over an agent run, in the orchestrator's terms. */
export function agentUsage(context: RunContext<unknown>): TokenUsage {
  const u = context.usage;
  return {
    input: u.inputTokens,
    cachedInput: detail(u.inputTokensDetails, 'cached_tokens'),
    output: u.outputTokens,
    reasoning: detail(u.outputTokensDetails, 'reasoning_tokens'),
    total: u.totalTokens,
  };
}

/** A count from usage details, which the SDK keeps per request. */
function detail(details: unknown, key: string): number {
  const list: unknown[] = Array.isArray(details) ? details : [details];
  return list.reduce<number>((sum, d) => sum + (Number((d as Record<string, unknown> | null | undefined)?.[key]) || 0), 0);
}
