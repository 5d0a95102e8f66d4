import type { AgentBackend, TurnOutcome, TurnRequest } from './backend.js';
import { CodexMcpBackend, type CodexMcpOptions } from './codex-mcp.js';

/**
 * Several `codex mcp-server` processes behind one backend. One server runs many turns at once,
 * but it sets up new threads one after another: with 8 turns starting together, the last waited
 * ~200 ms for its thread (mean ~110 ms), against ~50 ms with two servers (measured on 2 cores).
 * So a run gets one server per `TURNS_PER_SERVER` turns it may run at once. A new turn goes to
 * the server with the fewest turns in flight (started on first use); a follow-up goes to the
 * server that holds its thread, since a thread lives in its server's process. The run starts the
 * servers as it starts (`warmUp`), so no task waits for a server process to start.
 */

/** Concurrent turns one server is given before another one helps. */
export const TURNS_PER_SERVER = 4;

export class CodexMcpPool implements AgentBackend {
  readonly name = 'codex-mcp' as const;
  private readonly servers: { readonly backend: CodexMcpBackend; inFlight: number }[];
  private readonly threadHome = new Map<string, { readonly backend: CodexMcpBackend; inFlight: number }>();

  constructor(options: CodexMcpOptions, maxConcurrentTurns: number) {
    const size = Math.max(1, Math.ceil(maxConcurrentTurns / TURNS_PER_SERVER));
    this.servers = Array.from({ length: size }, () => ({ backend: new CodexMcpBackend(options), inFlight: 0 }));
  }

  /** Starts every server now, in the background, so that no task waits for one to start. */
  warmUp(): void {
    for (const s of this.servers) s.backend.warmUp();
  }

  get size(): number {
    return this.servers.length;
  }

  async runTurn(request: TurnRequest): Promise<TurnOutcome> {
    const known = request.threadId === undefined ? undefined : this.threadHome.get(request.threadId);
    // Ties go to the first server, so a lightly loaded run starts only one process.
    const server = known ?? this.servers.reduce((best, s) => (s.inFlight < best.inFlight ? s : best));
    server.inFlight++;
    try {
      const outcome = await server.backend.runTurn({
        ...request,
        onEvent: (event, raw) => {
          if (event?.type === 'thread-started' && event.threadId) this.threadHome.set(event.threadId, server);
          request.onEvent(event, raw);
        },
      });
      if (outcome.threadId) this.threadHome.set(outcome.threadId, server);
      return outcome;
    } finally {
      server.inFlight--;
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.servers.map((s) => s.backend.close()));
  }
}
