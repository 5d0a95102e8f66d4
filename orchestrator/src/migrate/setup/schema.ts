import { z } from 'zod';

/**
 * The migration's own files, `.codex/migrate/manifest.toml` (written by `migrate setup`, edited by
 * hand) and `.codex/migrate/index.json` (the registry of the migration's workspaces). zod is the
 * one source of truth for both; the types are inferred from the schemas.
 */

/** Environment variable names as `settings.secretEnv` in graph files allows them. */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const ENV_NAME_RULE = 'an environment variable name (letters, digits and "_", not starting with a digit)';

/** Connector and MCP server names: safe as file names and as ids in later steps. */
export const ENTRY_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
export const ENTRY_NAME_RULE = 'a name of letters, digits, ".", "_" and "-", starting with a letter or digit';

const EnvName = z.string().regex(ENV_NAME, ENV_NAME_RULE);
const EntryName = z.string().regex(ENTRY_NAME, ENTRY_NAME_RULE).max(64);

/** A system the migration touches (a database, an API, a queue); its `env` variables become run secrets. */
export const MigrateConnector = z.strictObject({
  /** How tasks and people refer to it; unique among the connectors. */
  name: EntryName,
  /** What it is, for the people and agents who read the manifest. */
  description: z.string().min(1),
  /** The environment variables that reach it (URLs, tokens); their values are never written down. */
  env: z.array(EnvName),
});
export type MigrateConnector = z.infer<typeof MigrateConnector>;

/** An MCP server every task's Codex thread gets, started as `command args…` with the `env` variables passed through. */
export const MigrateMcpServer = z.strictObject({
  /** Unique among the MCP servers. */
  name: EntryName,
  command: z.string().min(1),
  args: z.array(z.string()),
  env: z.array(EnvName).optional(),
});
export type MigrateMcpServer = z.infer<typeof MigrateMcpServer>;

export const MIGRATE_MANIFEST_VERSION = 1;

/** `manifest.toml`: the version, then `[[connectors]]` and `[[mcp]]` entries, each list optional. */
export const MigrateManifest = z
  .strictObject({
    version: z.literal(MIGRATE_MANIFEST_VERSION),
    connectors: z.array(MigrateConnector).optional(),
    mcp: z.array(MigrateMcpServer).optional(),
  })
  .superRefine((manifest, ctx) => {
    for (const list of ['connectors', 'mcp'] as const) {
      const seen = new Map<string, number>();
      (manifest[list] ?? []).forEach((entry, index) => {
        const first = seen.get(entry.name);
        if (first === undefined) seen.set(entry.name, index);
        else ctx.addIssue({ code: 'custom', path: [list, index, 'name'], message: 'duplicate-name', params: { first } });
      });
    }
  });
export type MigrateManifest = z.infer<typeof MigrateManifest>;

export const MIGRATE_INDEX_SCHEMA = 'codex-orchestrator/migrate-index@1';

/**
 * `index.json`: the workspaces of the migration. `migrate setup` creates it empty and never
 * replaces it; the steps that make workspaces add to it.
 */
export const MigrateIndex = z.strictObject({
  schema: z.literal(MIGRATE_INDEX_SCHEMA),
  workspaces: z.array(z.unknown()),
});
export type MigrateIndex = z.infer<typeof MigrateIndex>;
