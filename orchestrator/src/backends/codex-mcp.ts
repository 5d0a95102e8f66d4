import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { describeAbort } from '../core/abort.js';
import type { AgentEvent, TokenUsage } from '../core/events.js';
import { processesWorkingIn, terminate, terminateTree } from '../core/process-tree.js';
import type { AgentBackend, TurnOutcome, TurnRequest } from './backend.js';
import { codexBinary, codexEnv } from './codex-binary.js';
import { tmpDirConfig, turnTmpDir } from './codex-home.js';
import { CommandOutputs } from './command-outputs.js';
import { fromMcpEvent, latin1AsUtf8, mcpOutputPiece } from './codex-events.js';
import { LazyConnection } from './lazy-connection.js';

/**
 * The `codex-mcp` backend: one long-lived `codex mcp-server` process shared by every task of a
 * run, driven through the MCP TypeScript SDK. Each task is one concurrent `codex` tool call (or
 * `codex-reply` to continue a thread); Codex's `codex/event` notifications are matched to their
 * call by the JSON-RPC request id and streamed to the task as they arrive.
 */

export interface CodexMcpOptions {
  readonly codexHome: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Receives Codex's stderr (diagnostics), for the run log. */
  readonly onStderr?: (text: string) => void;
}

/** Our own key in a request's `_meta`, used to learn which JSON-RPC id a call got. */
const CALL_KEY = 'codex-orchestrator/call';

interface Listener {
  onEvent(msg: unknown): void;
}

interface Connection {
  readonly client: Client;
  readonly pid: number;
  /** JSON-RPC request id → listener of the call that sent it. */
  readonly byRequestId: Map<string, Listener>;
  /** Our call id → listener, until the request id is known. */
  readonly byCallId: Map<string, Listener>;
  closed: boolean;
}

export class CodexMcpBackend implements AgentBackend {
  readonly name = 'codex-mcp' as const;
  private readonly connection = new LazyConnection<Connection>(
    () => this.open(),
    (c) => c.closed,
  );
  private nextCall = 0;

  constructor(private readonly options: CodexMcpOptions) {}

  /** Starts the server now rather than at the first turn (a failure is left for that turn to report). */
  warmUp(): void {
    this.connect().catch(() => undefined);
  }

  private connect(): Promise<Connection> {
    return this.connection.get();
  }

  private async open(): Promise<Connection> {
    const bin = codexBinary();
    const transport = new StdioClientTransport({
      command: bin.command,
      args: [...bin.prefixArgs, 'mcp-server'],
      env: codexEnv(this.options.codexHome, this.options.env),
      stderr: 'pipe',
    });
    const byRequestId = new Map<string, Listener>();
    const byCallId = new Map<string, Listener>();
    // The SDK does not expose the id it gives a request; Codex tags events with it.
    const send = transport.send.bind(transport);
    transport.send = (message: JSONRPCMessage) => {
      if ('method' in message && message.method === 'tools/call' && 'id' in message) {
        const meta = (message.params as { _meta?: Record<string, unknown> } | undefined)?._meta;
        const callId = meta?.[CALL_KEY];
        const listener = typeof callId === 'string' ? byCallId.get(callId) : undefined;
        if (listener) byRequestId.set(String(message.id), listener);
      }
      return send(message);
    };
    const client = new Client({ name: 'codex-orchestrator', version: '0.1.0' }, { capabilities: {} });
    client.fallbackNotificationHandler = async (notification) => {
      if (notification.method !== 'codex/event') return;
      const params = notification.params as { _meta?: { requestId?: unknown }; msg?: unknown } | undefined;
      const requestId = params?._meta?.requestId;
      if (requestId === undefined) return;
      byRequestId.get(String(requestId))?.onEvent(params?.msg);
    };
    const connection: Connection = { client, pid: 0, byRequestId, byCallId, closed: false };
    client.onclose = () => {
      connection.closed = true;
    };
    await client.connect(transport);
    const pid = transport.pid;
    if (pid === null) throw new Error('codex mcp-server did not start');
    (connection as { pid: number }).pid = pid;
    transport.stderr?.on('data', (chunk: Buffer) => this.options.onStderr?.(chunk.toString('utf8')));
    return connection;
  }

  async runTurn(request: TurnRequest): Promise<TurnOutcome> {
    let connection: Connection;
    try {
      connection = await this.connect();
    } catch (e) {
      return { status: 'failed', reason: 'process-exited', message: `could not start codex mcp-server: ${(e as Error).message}`, threadId: request.threadId, usage: undefined };
    }
    const callId = `c${++this.nextCall}`;
    let threadId = request.threadId;
    let usage: TokenUsage | undefined;
    let lastError: string | undefined;
    let aborted: string | undefined;
    let completed = false;
    const outputs = new CommandOutputs(latin1AsUtf8);
    const listener: Listener = {
      onEvent: (msg) => {
        const event: AgentEvent | null = outputs.amend(mcpOutputPiece(msg), fromMcpEvent(msg));
        if (event?.type === 'thread-started' && event.threadId) threadId = event.threadId;
        if (event?.type === 'usage') usage = event.usage;
        if (event?.type === 'error') lastError = event.message;
        if (event?.type === 'turn-aborted') aborted = event.reason;
        const type = (msg as { type?: string } | null)?.type;
        if (type === 'task_complete') completed = true;
        if (type === 'task_complete' || type === 'turn_aborted') outputs.tellLate((late, raw) => request.onEvent(late, raw));
        request.onEvent(event, msg);
      },
    };
    connection.byCallId.set(callId, listener);
    const args: Record<string, unknown> = request.threadId
      ? { prompt: request.prompt, threadId: request.threadId }
      : {
          prompt: request.prompt,
          cwd: request.cwd,
          sandbox: 'workspace-write',
          'approval-policy': 'never',
          config: tmpDirConfig(turnTmpDir(request, this.options.codexHome)),
          ...(request.developerInstructions ? { 'developer-instructions': request.developerInstructions } : {}),
        };
    try {
      const result = await connection.client.callTool(
        { name: request.threadId ? 'codex-reply' : 'codex', arguments: args, _meta: { [CALL_KEY]: callId } },
        undefined,
        // The SDK's 60 s default would cut long tasks; the caller's signal carries the real limit.
        { signal: request.signal, timeout: request.timeoutMs, maxTotalTimeout: request.timeoutMs },
      );
      const structured = result.structuredContent as { threadId?: unknown; content?: unknown } | undefined;
      if (typeof structured?.threadId === 'string') threadId = structured.threadId;
      const text = typeof structured?.content === 'string' ? structured.content : textOf(result.content);
      if (aborted !== undefined) {
        return { status: 'failed', reason: 'turn-aborted', message: `Codex ended the turn: ${aborted}`, threadId, usage };
      }
      if (result.isError === true || (!completed && lastError !== undefined)) {
        return { status: 'failed', reason: 'codex-error', message: lastError ?? (text || 'Codex reported an error'), threadId, usage };
      }
      return { status: 'completed', threadId, finalMessage: text, usage };
    } catch (e) {
      if (request.signal.aborted) {
        // Codex interrupts a cancelled turn, but a command it started may outlive it.
        await terminate(processesWorkingIn(request.cwd), 300);
        return { status: 'failed', reason: 'aborted', message: describeAbort(request.signal), threadId, usage };
      }
      const reason = connection.closed ? 'process-exited' : 'protocol-error';
      return { status: 'failed', reason, message: `codex mcp-server: ${(e as Error).message}`, threadId, usage };
    } finally {
      connection.byCallId.delete(callId);
      for (const [id, l] of connection.byRequestId) if (l === listener) connection.byRequestId.delete(id);
    }
  }

  async close(): Promise<void> {
    await this.connection.close(async (c) => {
      c.closed = true;
      await terminateTree(c.pid, 300);
      await c.client.close().catch(() => undefined);
    });
  }
}

function textOf(content: unknown): string {
  if (!Array.isArray(content)) return '';
  return content.map((c: unknown) => (c && typeof c === 'object' && 'text' in c && typeof c.text === 'string' ? c.text : '')).join('\n');
}
