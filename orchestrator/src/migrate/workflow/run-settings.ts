import type { MigrateManifest } from '../setup/schema.js';

/**
 * What a migration's manifest gives its workspace's runs, as graph settings: its MCP servers
 * (`settings.mcpServers`, written into each run's Codex config) and the environment variables of
 * its connectors and servers as secrets (`settings.secretEnv`: their values are redacted from
 * everything a run writes). Only names and commands: no value is ever written down.
 */
export interface WorkspaceRunSettings {
  readonly mcpServers?: readonly { readonly name: string; readonly command: string; readonly args: readonly string[]; readonly env: readonly string[] }[];
  readonly secretEnv?: readonly string[];
}

export function runSettingsOf(manifest: MigrateManifest | undefined): WorkspaceRunSettings {
  if (!manifest) return {};
  const mcp = (manifest.mcp ?? []).map((m) => ({ name: m.name, command: m.command, args: m.args, env: m.env ?? [] }));
  const secretEnv = [...new Set([...(manifest.connectors ?? []).flatMap((c) => c.env), ...mcp.flatMap((m) => m.env)])];
  return { ...(mcp.length > 0 ? { mcpServers: mcp } : {}), ...(secretEnv.length > 0 ? { secretEnv } : {}) };
}

/**
 * A workspace graph's data with its manifest-given settings replaced by `wanted` (the rest of its
 * settings kept), or undefined when they are already so.
 */
export function withRunSettings(graph: Record<string, unknown>, wanted: WorkspaceRunSettings): Record<string, unknown> | undefined {
  const settings = (graph['settings'] !== null && typeof graph['settings'] === 'object' ? graph['settings'] : {}) as Record<string, unknown>;
  const next: Record<string, unknown> = { ...settings };
  delete next['mcpServers'];
  delete next['secretEnv'];
  Object.assign(next, wanted);
  if (JSON.stringify(next) === JSON.stringify(settings)) return undefined;
  const out: Record<string, unknown> = { ...graph, settings: next };
  if (Object.keys(next).length === 0) delete out['settings'];
  return out;
}
