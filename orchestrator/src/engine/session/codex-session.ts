import { rm } from 'node:fs/promises';
import type { AgentBackend, TurnOutcome } from '../../backends/backend.js';
import { CodexAppServerBackend } from '../../backends/codex-app-server.js';
import { codexVersion, hasMcpServer, MCP_SERVER_REMOVED_IN } from '../../backends/codex-binary.js';
import { CodexExecBackend } from '../../backends/codex-exec.js';
import { commandTmpDir, removeLoginCopy, writeCodexHome } from '../../backends/codex-home.js';
import type { McpServer } from '../../graph/schema.js';
import { CodexMcpPool } from '../../backends/codex-mcp-pool.js';
import type { AnalyzedTask } from '../../graph/analyzed.js';
import type { Manifest } from '../../store/manifest.js';
import { checkoutFreeEnv } from '../../workspace/command-env.js';
import { runCodexHome } from './codex-home-dir.js';
import type { ModelSession } from './model-access.js';

/**
 * A session's Codex: the run's private CODEX_HOME (its config points Codex at the session's model)
 * and the backend. A run or a resume starts it as soon as its model session is open, before it
 * writes its manifest and checks the checkout: a `codex mcp-server` takes ~100 ms to start on a
 * new CODEX_HOME on an idle machine (it sets up its databases), several times that while the first
 * worktrees are being made, and the first tasks would otherwise wait for it.
 */
export interface CodexSession {
  readonly codexHome: string;
  readonly main: AgentBackend;
  /** Where Codex's stderr goes from now on; what it wrote before is handed over first. */
  stderrTo(sink: (text: string) => void): void;
  close(): Promise<void>;
}

export interface CodexSessionOptions {
  readonly runsDir: string;
  readonly runId: string;
  /** Use this folder as CODEX_HOME; by default the run's own private one (`codex-home-dir.ts`). */
  readonly codexHome?: string;
  readonly model: ModelSession;
  readonly env: NodeJS.ProcessEnv;
  /** The user's repository: Codex gets `env` without what points into its checkout (`checkoutFreeEnv`). */
  readonly repoRoot: string;
  readonly backend: Manifest['settings']['backend'];
  /** The most turns the session may run at once (`codexTurnsAtOnce`): sizes the server pool. */
  readonly turnsAtOnce: number;
  /** The graph's `settings.mcpServers`: every thread gets them (the run's Codex config). */
  readonly mcpServers?: readonly McpServer[];
}

export async function startCodex(o: CodexSessionOptions): Promise<CodexSession> {
  const codexHome = o.codexHome ?? (await runCodexHome(o.runsDir, o.runId));
  // An agent's `python` or `jest` must not be the checkout's virtualenv or node_modules/.bin.
  const env = checkoutFreeEnv(o.env, o.repoRoot);
  await writeCodexHome(codexHome, o.model.access, o.mcpServers ?? []);
  let held: string[] = [];
  let sink: ((text: string) => void) | undefined;
  const onStderr = (text: string): void => {
    if (sink) sink(text);
    else held.push(text);
  };
  let main: AgentBackend;
  switch (o.backend) {
    case 'codex-mcp': {
      const version = await codexVersion();
      if (!hasMcpServer(version)) {
        main = new UnsupportedBackend('codex-mcp', mcpServerMissing(version));
        break;
      }
      const pool = new CodexMcpPool({ codexHome, env, onStderr }, o.turnsAtOnce);
      // A session with nothing to run (a resume that only finishes the run) starts no server.
      if (o.turnsAtOnce > 0) pool.warmUp();
      main = pool;
      break;
    }
    case 'codex-app-server': {
      const server = new CodexAppServerBackend({ codexHome, env, onStderr });
      if (o.turnsAtOnce > 0) server.warmUp();
      main = server;
      break;
    }
    case 'codex-exec':
      main = new CodexExecBackend({ codexHome, env, onStderr });
      break;
  }
  return {
    codexHome,
    main,
    stderrTo: (to) => {
      sink = to;
      for (const text of held) to(text);
      held = [];
    },
    close: async () => {
      await main.close();
      // The copy of the user's sign-in lives as long as the session's Codex, no longer.
      if (o.model.access.kind === 'codex-login') await removeLoginCopy(codexHome);
      // What the tasks' commands left in their temporary folder: nothing needs it once their Codex
      // is gone (a resume makes it anew). Only the run's own: a folder given by the caller stays.
      if (o.codexHome === undefined) await rm(commandTmpDir(codexHome), { recursive: true, force: true, maxRetries: 3 }).catch(() => undefined);
    },
  };
}

/**
 * The most Codex turns a session can run at once: per role, its concurrency or the number of its
 * tasks still to run (not yet succeeded), whichever is smaller. Gates run no turn. So a graph of
 * builders does not start servers for testers it does not have.
 */
export function codexTurnsAtOnce(
  tasks: readonly { readonly id: string; readonly role: AnalyzedTask['role'] }[],
  concurrency: Manifest['settings']['concurrency'],
  succeeded: ReadonlySet<string> = new Set(),
): number {
  const left = (role: 'builder' | 'tester'): number => tasks.filter((t) => t.role === role && !succeeded.has(t.id)).length;
  return Math.min(concurrency.builder, left('builder')) + Math.min(concurrency.tester, left('tester'));
}

/** Why a `codex-mcp` run cannot work with the installed Codex, and what to do. */
export function mcpServerMissing(version: string): string {
  return `the installed Codex ${version} has no \`codex mcp-server\` (removed in ${MCP_SERVER_REMOVED_IN}), which the codex-mcp backend needs: run with \`--backend codex-app-server\` or \`--backend codex-exec\` (or \`settings.backend\` in the graph), or install @openai/codex 0.153.4`;
}

/** A backend the installed Codex cannot run: every turn fails at once, as bad configuration, without starting Codex. */
class UnsupportedBackend implements AgentBackend {
  constructor(
    readonly name: AgentBackend['name'],
    private readonly message: string,
  ) {}

  runTurn(request: { readonly threadId?: string | undefined }): Promise<TurnOutcome> {
    return Promise.resolve({ status: 'failed', reason: 'unsupported', message: this.message, threadId: request.threadId, usage: undefined });
  }

  async close(): Promise<void> {}
}
