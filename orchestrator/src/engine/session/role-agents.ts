import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type * as Agents from '../../../../agents/index.js';
import type { ModelAccess } from '../../backends/codex-home.js';
import type { RunWriter } from '../../store/run-writer.js';
import { openRunTrace } from './run-trace.js';

/**
 * The role agents of one session of a run (`agents/`): one agent runtime on the run's model,
 * writing the agents' spans to the run's `trace.jsonl`, and each task's latest agent conversation,
 * so that a follow-up (a fix, a rework, `send`) goes on in it and reaches the same Codex thread.
 * `@openai/agents` is loaded only when a run uses the agents.
 *
 * Conversations are kept in memory and in the run's private CODEX_HOME (`role-agents/<task>.json`,
 * readable by its owner only, never in `.runs/`: like Codex's own transcripts they hold prompts
 * and output unredacted), so a later session of the run (`resume`) goes on in them too. When one
 * is missing or unreadable, the follow-up goes straight to the task's Codex thread.
 */
export class RoleAgents {
  private readonly conversations = new Map<string, Agents.RoleConversation>();

  private constructor(
    /** The agents layer, loaded. */
    readonly api: typeof Agents,
    readonly runtime: Agents.AgentRuntime,
    private readonly runId: string,
    /** Where conversations are kept between sessions (in the run's private CODEX_HOME). */
    private readonly keptIn: string,
  ) {}

  static async open(options: { readonly access: ModelAccess; readonly writer: RunWriter; readonly env: NodeJS.ProcessEnv; readonly codexHome: string }): Promise<RoleAgents> {
    const api = await import('../../../../agents/index.js');
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
    const keptIn = path.join(options.codexHome, 'role-agents');
    await mkdir(keptIn, { recursive: true, mode: 0o700 });
    return new RoleAgents(api, runtime, runId, keptIn);
  }

  get model(): string {
    return this.runtime.model;
  }

  /** Runs one task attempt's agent work in a trace of its own (`task <id>, attempt <n>`). */
  inTask<T>(taskId: string, attempt: number, fn: () => Promise<T>): Promise<T> {
    return this.runtime.inTrace(`task ${taskId}, attempt ${attempt}`, { run: this.runId, task: taskId, attempt: String(attempt) }, fn);
  }

  /** The task's latest conversation, if it continued `threadId` (or started it). */
  async conversation(taskId: string, threadId: string): Promise<Agents.RoleConversation | undefined> {
    const c = this.conversations.get(taskId) ?? (await this.read(taskId));
    return c?.threadId === threadId ? c : undefined;
  }

  /** Keeps the task's latest conversation (a failure to keep it on disk only costs a later session the agent's context). */
  async remember(taskId: string, conversation: Agents.RoleConversation | undefined): Promise<void> {
    if (!conversation) return;
    this.conversations.set(taskId, conversation);
    await writeFile(this.fileOf(taskId), JSON.stringify(conversation), { mode: 0o600 }).catch(() => undefined);
  }

  private async read(taskId: string): Promise<Agents.RoleConversation | undefined> {
    try {
      const parsed = JSON.parse(await readFile(this.fileOf(taskId), 'utf8')) as Partial<Agents.RoleConversation>;
      if (!Array.isArray(parsed.history) || typeof parsed.threadId !== 'string') return undefined;
      return { history: parsed.history, threadId: parsed.threadId };
    } catch {
      return undefined;
    }
  }

  private fileOf(taskId: string): string {
    // Task ids are checked to be safe as file names (core/ids.ts).
    return path.join(this.keptIn, `${taskId}.json`);
  }

  /** Flushes and closes the trace file; call before the model it talks to goes away. */
  close(): Promise<void> {
    return this.runtime.close();
  }
}
