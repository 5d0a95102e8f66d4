import type { ModelAccess } from '../backends/codex-home.js';
import { OFFLINE_SLUG } from '../backends/codex-home.js';
import { startOfflineModel, type OfflineModelServer } from '../model-server/server.js';

/**
 * Which model the agents talk to. With OPENAI_API_KEY set: OpenAI (model from
 * CODEX_ORCHESTRATOR_MODEL, else Codex's default). Without it: the offline model server, a
 * deterministic stand-in started on loopback for the run and stopped with it.
 */
export interface ModelSession {
  readonly access: ModelAccess;
  readonly kind: 'offline' | 'openai';
  readonly name: string;
  close(): Promise<void>;
}

export async function openModelSession(env: NodeJS.ProcessEnv, offlineLatencyMs: number | undefined): Promise<ModelSession> {
  if (env['OPENAI_API_KEY']) {
    const model = env['CODEX_ORCHESTRATOR_MODEL'] ?? 'gpt-5.5';
    return { access: { kind: 'openai', model }, kind: 'openai', name: model, close: async () => undefined };
  }
  const latency = offlineLatencyMs ?? Number(env['CODEX_ORCHESTRATOR_OFFLINE_LATENCY_MS'] ?? 0);
  const server: OfflineModelServer = await startOfflineModel({ latencyMs: Number.isFinite(latency) ? latency : 0 });
  return {
    access: { kind: 'offline', baseUrl: server.baseUrl },
    kind: 'offline',
    name: OFFLINE_SLUG,
    close: () => server.close(),
  };
}
