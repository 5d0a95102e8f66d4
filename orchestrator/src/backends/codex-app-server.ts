import { describeAbort } from '../core/abort.js';
import type { AgentEvent, TokenUsage } from '../core/events.js';
import { orchestratorVersion } from '../core/package-info.js';
import { assertNever } from '../core/result.js';
import { processesWorkingIn, terminate } from '../core/process-tree.js';
import { AppServerClient, AppServerError, type ServerNotification, type ServerRequest, type ServerRequestAnswer } from './app-server-client.js';
import { appServerOutputPiece, fromAppServerNotification, ThreadOpened, threadOf, turnEndOf, turnErrorOf, TurnStarted, type TurnEnd } from './app-server-events.js';
import type { AgentBackend, TurnErrorKind, TurnOutcome, TurnRequest } from './backend.js';
import { CommandOutputs } from './command-outputs.js';
import { codexBinary, codexEnv } from './codex-binary.js';
import { tmpDirConfig, turnTmpDir } from './codex-home.js';
import { LazyConnection } from './lazy-connection.js';
import type {
  InitializeParams,
  SandboxPolicy,
  ThreadBackgroundTerminalsCleanParams,
  ThreadResumeParams,
  ThreadStartParams,
  TurnInterruptParams,
  TurnStartParams,
} from './app-server-protocol/index.js';

/**
 * The `codex-app-server` backend: one long-lived `codex app-server` process per run, spoken to
 * in JSON-RPC (`app-server-client.ts`). Each task gets its own thread (`thread/start` in its
 * worktree); a turn is `turn/start` on it, and a follow-up is another `turn/start` on the same
 * thread (after a restart of the server, or in a resumed run, the thread is first loaded with
 * `thread/resume`). cwd, sandbox and approval policy are set on every thread and every turn.
 * Notifications are matched to their turn by thread id. Codex asks for no approval under
 * `approvalPolicy: never`; a request it sends anyway is declined and reported in the task's log.
 */

export interface CodexAppServerOptions {
  readonly codexHome: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Receives Codex's stderr (diagnostics), for the run log. */
  readonly onStderr?: (text: string) => void;
}

/** Bounds for requests that answer at once (the turn itself has the caller's timeout). */
const REQUEST_TIMEOUT_MS = 60_000;
/** How long a cancelled turn gets to report its end before its commands are ended anyway. */
const INTERRUPT_GRACE_MS = 2_000;

interface TurnListener {
  notification(n: ServerNotification): void;
  declined(request: ServerRequest, answer: string): void;
  exited(description: string): void;
}

interface Connection {
  readonly client: AppServerClient;
  /** Threads this server process has loaded (started or resumed): only these take `turn/start`. */
  readonly threads: Set<string>;
  /** Thread id → the turn running on it (one at a time per thread). */
  readonly listeners: Map<string, TurnListener>;
}

type TurnStop = { readonly kind: 'ended'; readonly end: TurnEnd } | { readonly kind: 'exited'; readonly description: string } | { readonly kind: 'aborted' } | { readonly kind: 'timeout' };

export class CodexAppServerBackend implements AgentBackend {
  readonly name = 'codex-app-server' as const;
  private readonly connection = new LazyConnection<Connection>(
    () => this.open(),
    (c) => c.client.exitDescription !== undefined,
  );

  constructor(private readonly options: CodexAppServerOptions) {}

  /** Starts the server now rather than at the first turn (a failure is left for that turn to report). */
  warmUp(): void {
    this.connect().catch(() => undefined);
  }

  private connect(): Promise<Connection> {
    return this.connection.get();
  }

  private async open(): Promise<Connection> {
    const bin = codexBinary();
    const listeners = new Map<string, TurnListener>();
    const onStderr = this.options.onStderr;
    const client = new AppServerClient({
      command: bin.command,
      args: [...bin.prefixArgs, 'app-server'],
      env: codexEnv(this.options.codexHome, this.options.env),
      onNotification: (n) => {
        const thread = threadOf(n.params);
        if (thread !== undefined) listeners.get(thread)?.notification(n);
      },
      onServerRequest: (r) => answerServerRequest(r, listeners, onStderr),
      onStderr,
      onUnparsed: (line) => onStderr?.(`codex-orchestrator: a line from codex app-server that is not a JSON-RPC message: ${line.slice(0, 500)}\n`),
      onExit: (description) => {
        for (const l of listeners.values()) l.exited(description);
      },
    });
    try {
      await client.request(
        'initialize',
        // experimentalApi: `thread/backgroundTerminals/clean`, which ends a cancelled turn's commands.
        {
          clientInfo: { name: 'codex-orchestrator', title: 'codex-orchestrator', version: orchestratorVersion() },
          capabilities: { experimentalApi: true, requestAttestation: false },
        } satisfies InitializeParams,
        { timeoutMs: REQUEST_TIMEOUT_MS },
      );
    } catch (e) {
      await client.close();
      throw e;
    }
    client.notify('initialized');
    return { client, threads: new Set(), listeners };
  }

  /** The sandbox of every turn: the worktree (cwd) and the commands' temporary folder writable, no `/tmp`, no network (as `codex-home.ts` configures it). */
  private sandboxPolicy(tmpDir: string): SandboxPolicy {
    return { type: 'workspaceWrite', writableRoots: [tmpDir], networkAccess: false, excludeTmpdirEnvVar: true, excludeSlashTmp: true };
  }

  async runTurn(request: TurnRequest): Promise<TurnOutcome> {
    let threadId = request.threadId;
    let usage: TokenUsage | undefined;
    const failed = (reason: Extract<TurnOutcome, { status: 'failed' }>['reason'], message: string, errorKind?: TurnErrorKind): TurnOutcome => ({
      status: 'failed',
      reason,
      message,
      threadId,
      usage,
      ...(errorKind ? { errorKind } : {}),
    });
    if (request.signal.aborted) return failed('aborted', describeAbort(request.signal));
    let connection: Connection;
    try {
      connection = await this.connect();
    } catch (e) {
      return failed('process-exited', `could not start codex app-server: ${(e as Error).message}`);
    }
    const { client } = connection;
    const requestFailure = (what: string, e: unknown): TurnOutcome => {
      if (request.signal.aborted) return failed('aborted', describeAbort(request.signal));
      if (!(e instanceof AppServerError)) return failed('protocol-error', `codex app-server ${what}: ${(e as Error).message}`);
      switch (e.kind) {
        case 'closed':
          return failed('process-exited', e.message);
        case 'rpc-error':
          return failed('codex-error', `codex app-server ${what}: ${e.message}`);
        case 'timeout':
        case 'aborted':
          return failed('protocol-error', e.message);
        default:
          return assertNever(e.kind);
      }
    };

    // The thread: a new one in the task's worktree, or the task's own, loaded into this process if need be.
    const tmpDir = turnTmpDir(request, this.options.codexHome);
    const threadParams = {
      cwd: request.cwd,
      sandbox: 'workspace-write',
      approvalPolicy: 'never',
      config: tmpDirConfig(tmpDir),
      ...(request.developerInstructions ? { developerInstructions: request.developerInstructions } : {}),
    } satisfies ThreadStartParams;
    if (threadId === undefined || !connection.threads.has(threadId)) {
      const method = threadId === undefined ? 'thread/start' : 'thread/resume';
      let result: unknown;
      try {
        result = await client.request(method, threadId === undefined ? threadParams : ({ threadId, ...threadParams } satisfies ThreadResumeParams), {
          timeoutMs: REQUEST_TIMEOUT_MS,
          signal: request.signal,
        });
      } catch (e) {
        return requestFailure(threadId === undefined ? 'could not start a thread' : `could not resume thread ${threadId}`, e);
      }
      const opened = ThreadOpened.safeParse(result);
      if (!opened.success) return failed('protocol-error', `codex app-server answered ${method} without a thread id`);
      threadId = opened.data.thread.id;
      connection.threads.add(threadId);
      request.onEvent({ type: 'thread-started', threadId }, { method, result });
    }
    const thread = threadId;

    let lastError: { readonly message: string; readonly kind: TurnErrorKind | undefined } | undefined;
    let finalMessage = '';
    let turnId: string | undefined;
    let stop: (s: TurnStop) => void = () => undefined;
    const stopped = new Promise<TurnStop>((resolve) => {
      stop = resolve;
    });
    const outputs = new CommandOutputs();
    const listener: TurnListener = {
      notification: (n) => {
        const event: AgentEvent | null = outputs.amend(appServerOutputPiece(n.method, n.params), fromAppServerNotification(n.method, n.params));
        if (event?.type === 'usage') usage = event.usage;
        if (event?.type === 'message') finalMessage = event.text;
        lastError = turnErrorOf(n.method, n.params) ?? lastError;
        const end = turnEndOf(n.method, n.params);
        // One turn runs on a thread at a time: an end before `turn/start` answered is this turn's.
        const ours = end !== undefined && (turnId === undefined || end.turnId === turnId);
        if (ours) outputs.tellLate((late, raw) => request.onEvent(late, raw));
        request.onEvent(event, n);
        if (end && ours) stop({ kind: 'ended', end });
      },
      declined: (r, answer) => {
        request.onEvent({ type: 'request-declined', method: r.method, answer }, r);
      },
      exited: (description) => stop({ kind: 'exited', description }),
    };
    connection.listeners.set(thread, listener);
    const onAbort = (): void => stop({ kind: 'aborted' });
    request.signal.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => stop({ kind: 'timeout' }), request.timeoutMs);
    try {
      try {
        const started = TurnStarted.safeParse(
          await client.request(
            'turn/start',
            {
              threadId: thread,
              input: [{ type: 'text', text: request.prompt, text_elements: [] }],
              cwd: request.cwd,
              approvalPolicy: 'never',
              sandboxPolicy: this.sandboxPolicy(tmpDir),
            } satisfies TurnStartParams,
            { timeoutMs: REQUEST_TIMEOUT_MS, signal: request.signal },
          ),
        );
        if (!started.success) return failed('protocol-error', 'codex app-server answered turn/start without a turn id');
        turnId = started.data.turn.id;
      } catch (e) {
        return requestFailure('could not start the turn', e);
      }
      const result = await stopped;
      switch (result.kind) {
        case 'ended': {
          const { end } = result;
          if (end.status === 'completed') return { status: 'completed', threadId, finalMessage, usage };
          if (end.status === 'interrupted') return failed('turn-aborted', 'Codex ended the turn: interrupted');
          const error = lastError ?? end.error;
          return failed('codex-error', error?.message ?? `Codex reported that the turn ended ${end.status}`, error?.kind ?? end.error?.kind);
        }
        case 'exited':
          return failed('process-exited', `codex app-server ${result.description} during the turn`);
        case 'aborted':
        case 'timeout': {
          await this.interrupt(connection, thread, turnId, request.cwd, stopped);
          if (result.kind === 'aborted') return failed('aborted', describeAbort(request.signal));
          return failed('turn-aborted', `the turn took longer than ${request.timeoutMs} ms and was interrupted`);
        }
        default:
          return assertNever(result);
      }
    } finally {
      clearTimeout(timer);
      request.signal.removeEventListener('abort', onAbort);
      if (connection.listeners.get(thread) === listener) connection.listeners.delete(thread);
    }
  }

  /**
   * Stops a turn: `turn/interrupt`, a short wait for its end, then its commands (Codex leaves a
   * running command alive on interrupt): `thread/backgroundTerminals/clean`, and whatever still
   * works in the turn's folder is terminated. Bounded: never waits longer than a few seconds.
   */
  private async interrupt(connection: Connection, threadId: string, turnId: string | undefined, cwd: string, stopped: Promise<TurnStop>): Promise<void> {
    const { client } = connection;
    const bounded = { timeoutMs: INTERRUPT_GRACE_MS };
    if (turnId !== undefined) {
      await client.request('turn/interrupt', { threadId, turnId } satisfies TurnInterruptParams, bounded).catch(() => undefined);
      await Promise.race([stopped, new Promise((r) => setTimeout(r, INTERRUPT_GRACE_MS).unref())]);
    }
    await client.request('thread/backgroundTerminals/clean', { threadId } satisfies ThreadBackgroundTerminalsCleanParams, bounded).catch(() => undefined);
    await terminate(processesWorkingIn(cwd), 300);
  }

  async close(): Promise<void> {
    await this.connection.close((c) => c.client.close());
  }
}

/**
 * The answer to a request from Codex. Under `approvalPolicy: never` Codex asks for nothing; an
 * approval it asks for anyway is declined (the orchestrator, not the model, decides what a task
 * may do), anything else is refused as unsupported. Either way the turn that asked is told
 * (`request-declined` in its log), and the request never stays unanswered.
 */
export function answerServerRequest(r: ServerRequest, listeners: ReadonlyMap<string, TurnListener>, onStderr: ((text: string) => void) | undefined): ServerRequestAnswer {
  let answer: ServerRequestAnswer;
  let said: string;
  switch (r.method) {
    case 'item/commandExecution/requestApproval':
    case 'item/fileChange/requestApproval':
      answer = { result: { decision: 'decline' } };
      said = 'decline';
      break;
    case 'execCommandApproval':
    case 'applyPatchApproval':
      answer = { result: { decision: 'denied' } };
      said = 'denied';
      break;
    default:
      answer = { error: { code: -32601, message: `codex-orchestrator does not answer ${r.method}` } };
      said = 'unsupported';
  }
  const thread = threadOf(r.params) ?? conversationOf(r.params);
  const listener = thread === undefined ? undefined : listeners.get(thread);
  if (listener) listener.declined(r, said);
  else onStderr?.(`codex-orchestrator: answered ${said} to codex app-server's ${r.method} request (no running turn of its thread)\n`);
  return answer;
}

/** The legacy approval requests name the thread `conversationId`. */
function conversationOf(params: unknown): string | undefined {
  const id = params !== null && typeof params === 'object' ? (params as { conversationId?: unknown }).conversationId : undefined;
  return typeof id === 'string' ? id : undefined;
}
