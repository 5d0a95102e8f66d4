import type { ModelAccess } from '../../backends/codex-home.js';
import { OFFLINE_SLUG } from '../../backends/codex-home.js';
import { codexLoginFile, readCodexLogin, type CodexLogin } from '../../backends/codex-login.js';
import { err, ok, type Result } from '../../core/result.js';
import { startOfflineModel, type OfflineModelServer } from '../../model-server/server.js';

/**
 * Which model a run's Codex (and its agents) talk to, chosen by `run --model`, else
 * `settings.model`, else by what the machine has:
 * - `openai`: OpenAI's API with OPENAI_API_KEY (model from CODEX_ORCHESTRATOR_MODEL, else gpt-5.5);
 * - `codex-login`: the user's own Codex sign-in and the model their Codex config chose
 *   (`backends/codex-login.ts`); the role agents are off (they cannot use a sign-in);
 * - `offline`: the offline model server, a deterministic stand-in started on loopback for the run.
 * Without a choice: OPENAI_API_KEY, else a Codex sign-in, else offline. `why` says which rule chose.
 */
export type ModelKind = 'offline' | 'openai' | 'codex-login';

/** A model chosen, and why; a sign-in is read once, when it is chosen. */
export type ModelChoice = { readonly kind: 'offline' | 'openai'; readonly why: string } | { readonly kind: 'codex-login'; readonly why: string; readonly login: CodexLogin };

export interface ModelSession {
  readonly access: ModelAccess;
  readonly kind: ModelKind;
  readonly name: string;
  readonly why: string;
  close(): Promise<void>;
}

/** The model a run uses: `wanted` (with where it was asked: `--model`, `settings.model`), else the machine's. */
export function chooseModel(env: NodeJS.ProcessEnv, wanted?: { readonly kind: ModelKind; readonly by: string }): Result<ModelChoice, string> {
  if (wanted) {
    const why = `${wanted.by} ${wanted.kind}`;
    if (wanted.kind === 'openai' && !env['OPENAI_API_KEY']) return err(`${wanted.by} openai: needs OPENAI_API_KEY: set it, or choose --model codex-login (your Codex sign-in) or --model offline`);
    if (wanted.kind !== 'codex-login') return ok({ kind: wanted.kind, why });
    const login = readCodexLogin(env);
    return login.ok ? ok({ kind: 'codex-login', why, login: login.value }) : err(`${wanted.by} codex-login: ${login.error}`);
  }
  if (env['OPENAI_API_KEY']) return ok({ kind: 'openai', why: 'OPENAI_API_KEY is set' });
  if (!codexLoginFile(env)) return ok({ kind: 'offline', why: 'neither OPENAI_API_KEY nor a Codex sign-in ($CODEX_HOME/auth.json)' });
  const login = readCodexLogin(env);
  if (!login.ok) return err(`${login.error}, or choose --model offline`);
  return ok({ kind: 'codex-login', why: `no OPENAI_API_KEY; signed in to Codex (${login.value.authFile})`, login: login.value });
}

export async function openModelSession(env: NodeJS.ProcessEnv, offlineLatencyMs: number | undefined, choice: ModelChoice = defaultChoice(env)): Promise<ModelSession> {
  const base = { kind: choice.kind, why: choice.why };
  switch (choice.kind) {
    case 'openai': {
      const model = env['CODEX_ORCHESTRATOR_MODEL'] ?? 'gpt-5.5';
      return { ...base, access: { kind: 'openai', model }, name: model, close: async () => undefined };
    }
    case 'codex-login':
      return { ...base, access: { kind: 'codex-login', login: choice.login }, name: choice.login.model ?? "Codex's default", close: async () => undefined };
    case 'offline': {
      const latency = offlineLatencyMs ?? Number(env['CODEX_ORCHESTRATOR_OFFLINE_LATENCY_MS'] ?? 0);
      const server: OfflineModelServer = await startOfflineModel({ latencyMs: Number.isFinite(latency) ? latency : 0 });
      return { ...base, access: { kind: 'offline', baseUrl: server.baseUrl }, name: OFFLINE_SLUG, close: () => server.close() };
    }
  }
}

/** The machine's choice without a sign-in: what `plan` (whose manager is an agent) uses. */
function defaultChoice(env: NodeJS.ProcessEnv): ModelChoice {
  return env['OPENAI_API_KEY'] ? { kind: 'openai', why: 'OPENAI_API_KEY is set' } : { kind: 'offline', why: 'no OPENAI_API_KEY' };
}
