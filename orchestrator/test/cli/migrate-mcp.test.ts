import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/store/manifest.js';
import { cli } from '../helpers/cli.js';
import { task } from '../helpers/run.js';
import { exampleRepo, tempDir } from '../helpers/temp.js';

// The migration manifest's MCP servers and connectors reach a workspace's runs: each run's Codex
// config lists the servers (with only the names of the variables they get), the real Codex starts
// them with those variables, and no value reaches .runs/. A broken manifest stops `migrate run`.

const WS = 'migrations/migration_move-billing-to-postgres';
const TOKEN = 'tok-5f0c2a9e7d1b4c3a';

function legacyRepo(): string {
  return exampleRepo('legacy-billing', 'co-migrate-mcp-');
}

/** Every file below `dir`, recursively. */
function filesBelow(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

describe('the migration manifest in the workspace runs', () => {
  it("lists its MCP servers in the run's Codex config, which starts them with their variables; no value reaches .runs/", async () => {
    const root = legacyRepo();
    const probe = path.join(tempDir('co-mcp-probe-'), 'started.txt');
    // An MCP "server" that records what it got and exits: Codex goes on without its tools.
    // (Its own text must not hold the token: the config that names it is checked for the value.)
    const script = `require('fs').appendFileSync(${JSON.stringify(probe)}, 'token of ' + String(process.env.ORDERS_TOKEN ?? '').length + ' characters\\n')`;
    const manifest = [
      'version = 1',
      '',
      '[[connectors]]',
      'name = "orders-db"',
      'description = "The orders database"',
      'env = ["ORDERS_DATABASE_URL"]',
      '',
      '[[mcp]]',
      'name = "probe"',
      `command = ${JSON.stringify(process.execPath)}`,
      `args = ["-e", ${JSON.stringify(script)}]`,
      'env = ["ORDERS_TOKEN"]',
      '',
    ].join('\n');
    const env = { CODEX_ORCHESTRATOR_KEYS_DIR: path.join(tempDir(), 'keys'), ORDERS_TOKEN: TOKEN, ORDERS_DATABASE_URL: 'mysql://billing:pw-9c1e@db/orders' };
    expect((await cli(['migrate', 'setup'], root, env)).code).toBe(0);
    writeFileSync(path.join(root, '.codex/migrate/manifest.toml'), manifest);
    expect((await cli(['migrate', 'setup', '--check'], root, env)).code).toBe(0);
    expect((await cli(['migrate', 'plan', 'Move billing to Postgres'], root, env)).code).toBe(0);
    const graph = JSON.parse(readFileSync(path.join(root, WS, 'tasks.json'), 'utf8')) as { settings: unknown };
    expect(graph.settings).toEqual({ mcpServers: [{ name: 'probe', command: process.execPath, args: ['-e', script], env: ['ORDERS_TOKEN'] }], secretEnv: ['ORDERS_DATABASE_URL', 'ORDERS_TOKEN'] });

    const r = await cli(['migrate', 'run', '--json'], root, env);
    expect(r.code, r.stderr).toBe(0);
    const runId = (JSON.parse(r.stdout) as { runId: string }).runId;
    const m = JSON.parse(readFileSync(path.join(root, '.runs', runId, 'manifest.json'), 'utf8')) as Manifest;
    expect(task(m, 'gate-mig-1-assessment').status).toBe('awaiting-approval');
    // The run's Codex config, beside .runs/: the server, and only the name of its variable.
    const config = readFileSync(path.join(root, '.codex-orchestrator', 'codex-home', runId, 'config.toml'), 'utf8');
    expect(config).toContain(`[mcp_servers."probe"]\ncommand = ${JSON.stringify(process.execPath)}\n`);
    expect(config).toContain('env_vars = ["ORDERS_TOKEN"]');
    expect(config).not.toContain(TOKEN);
    // Codex started it for the tasks' threads, with the variable.
    expect(existsSync(probe)).toBe(true);
    expect(new Set(readFileSync(probe, 'utf8').trim().split('\n'))).toEqual(new Set([`token of ${TOKEN.length} characters`]));
    // Neither value is anywhere in the run folder.
    for (const file of filesBelow(path.join(root, '.runs'))) {
      if (!statSync(file).isFile()) continue;
      const text = readFileSync(file, 'latin1');
      expect(text.includes(TOKEN), file).toBe(false);
      expect(text.includes('pw-9c1e'), file).toBe(false);
    }
  }, 120_000);

  it('a broken manifest stops migrate plan and migrate run at its place (file:line:col, exit 2), and nothing runs', async () => {
    const root = legacyRepo();
    expect((await cli(['migrate', 'plan', 'Move billing to Postgres'], root)).code).toBe(0);
    expect((await cli(['migrate', 'setup'], root)).code).toBe(0);
    writeFileSync(path.join(root, '.codex/migrate/manifest.toml'), 'version = 1\n\n[[mcp]]\nname = "probe"\nargs = []\n');
    for (const args of [
      ['migrate', 'run'],
      ['migrate', 'plan', 'Another one'],
    ]) {
      const r = await cli(args, root);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/\.codex\/migrate\/manifest\.toml:3:1: error: /);
      expect(r.stderr).not.toMatch(/internal error|^\s+at .*:\d+/m);
    }
    expect(existsSync(path.join(root, '.runs'))).toBe(false);
    expect(existsSync(path.join(root, 'migrations', 'migration_another-one'))).toBe(false);
  });
});
