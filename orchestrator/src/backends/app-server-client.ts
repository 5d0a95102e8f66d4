import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { terminateTree } from '../core/process-tree.js';

/**
 * A JSON-RPC client over the stdio of one `codex app-server` process: one JSON message per line
 * each way. Replies are matched to requests by id; notifications and the server's own requests
 * go to the handlers. Every request has a timeout (and optionally a signal), and every pending
 * request is rejected when the process ends, so nothing waits for an answer that cannot come.
 * What arrives is checked at this edge: a line that is not one of the three message shapes is
 * reported (`onUnparsed`) and otherwise ignored.
 */

const RequestId = z.union([z.string(), z.number()]);

const ErrorBody = z.object({ code: z.number(), message: z.string(), data: z.unknown().optional() });

/** Codex's reply to one of our requests (it sends no `"jsonrpc"` field; one is accepted). */
const Reply = z.union([z.object({ id: RequestId, result: z.unknown() }).refine((m) => 'result' in m), z.object({ id: RequestId, error: ErrorBody })]);

/** A notification from Codex. */
export const ServerNotification = z.object({ method: z.string(), params: z.unknown().optional() });
export type ServerNotification = z.infer<typeof ServerNotification>;

/** A request from Codex to us (approvals, questions): it must be answered. */
export const ServerRequest = z.object({ id: RequestId, method: z.string(), params: z.unknown().optional() });
export type ServerRequest = z.infer<typeof ServerRequest>;

/** A JSON-RPC error Codex answered, or the connection's end while a request waited. */
/** The JSON-RPC error code of a server too busy to take the request now: it may be sent again. */
export const OVERLOADED = -32001;

/** How many times a request answered `OVERLOADED` is sent in all. */
export const OVERLOADED_TRIES = 5;

export class AppServerError extends Error {
  constructor(
    message: string,
    /** The JSON-RPC error code; undefined when the process ended or the request timed out. */
    readonly code: number | undefined,
    readonly kind: 'rpc-error' | 'closed' | 'timeout' | 'aborted',
  ) {
    super(message);
  }
}

/** What the server request handler answers: a result, or a JSON-RPC error. */
export type ServerRequestAnswer = { readonly result: unknown } | { readonly error: { readonly code: number; readonly message: string } };

export interface AppServerClientOptions {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Record<string, string>;
  readonly onNotification: (n: ServerNotification) => void;
  readonly onServerRequest: (r: ServerRequest) => ServerRequestAnswer;
  readonly onStderr?: ((text: string) => void) | undefined;
  /** A line that is not a JSON-RPC message we know. */
  readonly onUnparsed?: ((line: string) => void) | undefined;
  /** The process ended (any cause, `close()` included). */
  readonly onExit?: ((description: string) => void) | undefined;
}

interface Pending {
  resolve(result: unknown): void;
  reject(error: AppServerError): void;
}

export class AppServerClient {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly pending = new Map<string, Pending>();
  private nextId = 0;
  private exited: string | undefined;
  private closing: Promise<void> | undefined;
  private readonly exit: Promise<void>;

  constructor(private readonly options: AppServerClientOptions) {
    // Its own process group, so that ending it ends the commands it started too.
    this.child = spawn(options.command, [...options.args], { env: options.env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    this.exit = new Promise<void>((resolve) => {
      const ended = (description: string): void => {
        if (this.exited !== undefined) return;
        this.exited = description;
        for (const p of this.pending.values()) p.reject(new AppServerError(`codex app-server ${description}`, undefined, 'closed'));
        this.pending.clear();
        options.onExit?.(description);
        resolve();
      };
      this.child.on('error', (e) => ended(`could not start: ${e.message}`));
      this.child.on('close', (code, signal) => ended(signal ? `was ended by ${signal}` : `exited with code ${code}`));
    });
    // A write to a process that has just ended: reported by 'close'.
    this.child.stdin.on('error', () => undefined);
    this.child.stderr.on('data', (chunk: Buffer) => options.onStderr?.(chunk.toString('utf8')));
    createInterface({ input: this.child.stdout }).on('line', (line) => this.receive(line));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Why the process ended, or undefined while it runs. */
  get exitDescription(): string | undefined {
    return this.exited;
  }

  private receive(line: string): void {
    if (line.trim() === '') return;
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch {
      this.options.onUnparsed?.(line);
      return;
    }
    if (message !== null && typeof message === 'object' && 'method' in message) {
      if ('id' in (message as object)) {
        const request = ServerRequest.safeParse(message);
        if (request.success) this.answer(request.data);
        else this.options.onUnparsed?.(line);
        return;
      }
      const notification = ServerNotification.safeParse(message);
      if (notification.success) this.options.onNotification(notification.data);
      else this.options.onUnparsed?.(line);
      return;
    }
    const reply = Reply.safeParse(message);
    if (!reply.success) {
      this.options.onUnparsed?.(line);
      return;
    }
    const key = String(reply.data.id);
    const pending = this.pending.get(key);
    if (!pending) return;
    this.pending.delete(key);
    if ('error' in reply.data) pending.reject(new AppServerError(reply.data.error.message, reply.data.error.code, 'rpc-error'));
    else pending.resolve(reply.data.result);
  }

  private answer(request: ServerRequest): void {
    let answer: ServerRequestAnswer;
    try {
      answer = this.options.onServerRequest(request);
    } catch (e) {
      answer = { error: { code: -32603, message: `codex-orchestrator could not answer: ${(e as Error).message}` } };
    }
    this.write({ id: request.id, ...answer });
  }

  private write(message: unknown): void {
    if (this.exited !== undefined || this.closing) return;
    this.child.stdin.write(`${JSON.stringify(message)}\n`);
  }

  /**
   * Sends a request; resolves to its result, rejects with an `AppServerError`. A server that
   * answers "overloaded" (-32001) is asked again after a pause (0.1 s, doubling), up to
   * `OVERLOADED_TRIES` times in all; each try has the whole `timeoutMs`.
   */
  async request(method: string, params: unknown, o: { readonly timeoutMs: number; readonly signal?: AbortSignal }): Promise<unknown> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.requestOnce(method, params, o);
      } catch (e) {
        if (!(e instanceof AppServerError) || e.code !== OVERLOADED || attempt >= OVERLOADED_TRIES || o.signal?.aborted) throw e;
        await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** (attempt - 1)));
      }
    }
  }

  private requestOnce(method: string, params: unknown, o: { readonly timeoutMs: number; readonly signal?: AbortSignal }): Promise<unknown> {
    if (this.exited !== undefined) return Promise.reject(new AppServerError(`codex app-server ${this.exited}`, undefined, 'closed'));
    const id = ++this.nextId;
    const key = String(id);
    return new Promise<unknown>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        o.signal?.removeEventListener('abort', onAbort);
        this.pending.delete(key);
      };
      const onAbort = (): void => {
        done();
        reject(new AppServerError(`${method}: cancelled`, undefined, 'aborted'));
      };
      const timer = setTimeout(() => {
        done();
        reject(new AppServerError(`${method}: no answer from codex app-server within ${o.timeoutMs} ms`, undefined, 'timeout'));
      }, o.timeoutMs);
      if (o.signal?.aborted) return onAbort();
      o.signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(key, {
        resolve: (r) => {
          done();
          resolve(r);
        },
        reject: (e) => {
          done();
          reject(e);
        },
      });
      this.write({ id, method, params });
    });
  }

  notify(method: string, params?: unknown): void {
    this.write(params === undefined ? { method } : { method, params });
  }

  /**
   * Ends the server: stdin closed (it exits in tens of milliseconds and ends its commands), then
   * the process group is terminated (SIGTERM, then SIGKILL). Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.child.stdin.end();
      const ended = await Promise.race([this.exit.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 500).unref())]);
      if (!ended && this.child.pid !== undefined) await terminateTree(this.child.pid, 300);
      await this.exit;
    })();
    return this.closing;
  }
}
