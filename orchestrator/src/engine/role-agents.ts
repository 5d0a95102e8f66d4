import type * as Agents from '../../../agents/index.js';
import type { ModelAccess } from '../backends/codex-home.js';
import type { RunWriter } from '../store/run-writer.js';
import { openRunTrace } from './run-trace.js';

/**
 * The role agents of one session of a run (`agents/`): one agent runtime on the run's model,
 * writing the agents' spans to the run's `trace.jsonl`, and each task's latest agent conversation,
 * so that a follow-up (a fix, a rework, `send`) goes on in it and reaches the same Codex thread.
 * `@openai/agents` is loaded only when a run uses the agents.
 *
 * Conversations live for the session: a follow-up in a later session (`resume`) goes straight to
 * the task's Codex thread instead, which Codex keeps in the run's CODEX_HOME.
 */
export class RoleAgents {
  private readonly conversations = new Map<string, Agents.RoleConversation>();

  private constructor(
    /** The agents layer, loaded. */
    readonly api: typeof Agents,
    readonly runtime: Agents.AgentRuntime,
    private readonly runId: string,
  ) {}

  static async open(options: { readonly access: ModelAccess; readonly writer: RunWriter; readonly env: NodeJS.ProcessEnv }): Promise<RoleAgents> {
    const api = await import('../../../agents/index.js');
    const runId = options.writer.manifest.runId;
    const trace = await openRunTrace(options.writer);
    const runtime = await api.openAgentRuntime({
      access: options.access,
      env: options.env,
      traceFile: trace.file,
      traceWriter: trace.writer,
      workflowName: `codex-orchestrator run ${runId}`,
      groupId: runId,
    });
    return new RoleAgents(api, runtime, runId);
  }

  get model(): string {
    return this.runtime.model;
  }

  /** Runs one task attempt's agent work in a trace of its own (`task <id>, attempt <n>`). */
  inTask<T>(taskId: string, attempt: number, fn: () => Promise<T>): Promise<T> {
    return this.runtime.inTrace(`task ${taskId}, attempt ${attempt}`, { run: this.runId, task: taskId, attempt: String(attempt) }, fn);
  }

  /** The task's latest conversation, if it continued `threadId` (or started it) in this session. */
  conversation(taskId: string, threadId: string): Agents.RoleConversation | undefined {
    const c = this.conversations.get(taskId);
    return c?.threadId === threadId ? c : undefined;
  }

  remember(taskId: string, conversation: Agents.RoleConversation | undefined): void {
    if (conversation) this.conversations.set(taskId, conversation);
  }

  /** Flushes and closes the trace file; call before the model it talks to goes away. */
  close(): Promise<void> {
    return this.runtime.close();
  }
}
