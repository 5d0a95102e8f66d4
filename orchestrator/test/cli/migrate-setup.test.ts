import { mkdirSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadMigrateManifest, MIGRATE_INDEX_SCHEMA, MigrateIndex } from '../../src/migrate/setup/index.js';
import { cli } from '../helpers/cli.js';
import { git, tempDir } from '../helpers/temp.js';

// `migrate setup` end to end: the built CLI in a fresh git repository.

/** A fresh git repository (its real path: what the CLI names in its output), and a folder inside it. */
function repo(): { root: string; sub: string } {
  const root = realpathSync(tempDir('co-migrate-setup-'));
  git(root, 'init', '-q', '-b', 'main');
  const sub = path.join(root, 'src', 'app');
  mkdirSync(sub, { recursive: true });
  return { root, sub };
}

const MANIFEST = '.codex/migrate/manifest.toml';
const INDEX = '.codex/migrate/index.json';

const noStack = (stderr: string): void => {
  expect(stderr).not.toMatch(/internal error|^\s+at .*:\d+/m);
};

describe('codex-orchestrator migrate setup', () => {
  it('writes the manifest and an empty index at the top of the repository, from a folder inside it', async () => {
    const { root, sub } = repo();
    const r = await cli(['migrate', 'setup'], sub);
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 0, stdout: '' });
    expect(r.stderr).toBe(
      `migrate setup: wrote ${path.join(root, MANIFEST)} and ${path.join(root, INDEX)}\n` +
        `next: edit ${path.join(root, MANIFEST)} (each field is explained in it), then check it with: codex-orchestrator migrate setup --check\n`,
    );
    expect(await loadMigrateManifest(path.join(root, MANIFEST))).toEqual({ ok: true, value: { version: 1 } });
    const index: unknown = JSON.parse(readFileSync(path.join(root, INDEX), 'utf8'));
    expect(MigrateIndex.parse(index)).toEqual({ schema: MIGRATE_INDEX_SCHEMA, workspaces: [] });
    // Only the two files: no temp file left by the atomic writes.
    expect(readdirSync(path.join(root, '.codex/migrate')).sort()).toEqual(['index.json', 'manifest.toml']);
    expect(readFileSync(path.join(root, MANIFEST), 'utf8')).toContain('# [[connectors]]: one entry per system the migration touches');
  });

  it('writes to the current folder outside a git repository, and beside --runs-dir', async () => {
    const here = realpathSync(tempDir('co-migrate-plain-'));
    expect((await cli(['migrate', 'setup'], here)).code).toBe(0);
    expect(readdirSync(path.join(here, '.codex/migrate')).sort()).toEqual(['index.json', 'manifest.toml']);
    const elsewhere = realpathSync(tempDir('co-migrate-runs-'));
    const r = await cli(['migrate', 'setup', '--runs-dir', path.join(elsewhere, '.runs'), '--json'], here);
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { root: string }).root).toBe(elsewhere);
    expect(readdirSync(path.join(elsewhere, '.codex/migrate')).sort()).toEqual(['index.json', 'manifest.toml']);
  });

  it('writes an entry for each --connector and --mcp, which loads', async () => {
    const { root } = repo();
    const r = await cli(['migrate', 'setup', '--connector', 'orders-db', '--connector', 'billing-api', '--mcp', 'filesystem'], root);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("  connectors: orders-db, billing-api (write each one's description and env)\n  MCP servers: filesystem (write each one's command and args)\n");
    const loaded = await loadMigrateManifest(path.join(root, MANIFEST));
    expect(loaded).toEqual({
      ok: true,
      value: {
        version: 1,
        connectors: [
          { name: 'orders-db', description: 'TODO: say what this system is and how the migration uses it', env: [] },
          { name: 'billing-api', description: 'TODO: say what this system is and how the migration uses it', env: [] },
        ],
        mcp: [{ name: 'filesystem', command: 'TODO-command-that-starts-the-server', args: [], env: [] }],
      },
    });
    const check = await cli(['migrate', 'setup', '--check'], root);
    expect({ code: check.code, stderr: check.stderr }).toEqual({ code: 0, stderr: `${MANIFEST}: ok, 2 connectors, 1 MCP server\n` });
  });

  it('refuses to replace an existing setup, leaving it byte for byte, and --force keeps a backup', async () => {
    const { root } = repo();
    expect((await cli(['migrate', 'setup', '--connector', 'orders-db'], root)).code).toBe(0);
    const file = path.join(root, MANIFEST);
    // A hand edit, which a second setup must not lose.
    const edited = `${readFileSync(file, 'utf8')}# my note\n`;
    writeFileSync(file, edited);
    writeFileSync(path.join(root, INDEX), `{ "schema": "${MIGRATE_INDEX_SCHEMA}", "workspaces": [{ "id": "w1" }] }\n`);
    const index = readFileSync(path.join(root, INDEX));

    const again = await cli(['migrate', 'setup'], root);
    expect(again).toMatchObject({
      code: 2,
      stdout: '',
      stderr: `error: a migration setup exists already: ${MANIFEST}\n  hint: edit it by hand, or pass --force to write a new one (the old one is kept as a backup)\n`,
    });
    expect(readFileSync(file, 'utf8')).toBe(edited);

    const forced = await cli(['migrate', 'setup', '--force', '--mcp', 'git'], root);
    expect(forced.code, forced.stderr).toBe(0);
    const backups = readdirSync(path.join(root, '.codex/migrate')).filter((f) => f.startsWith('manifest.toml.bak-'));
    expect(backups).toHaveLength(1);
    expect(backups[0]).toMatch(/^manifest\.toml\.bak-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ$/);
    expect(readFileSync(path.join(root, '.codex/migrate', backups[0]!), 'utf8')).toBe(edited);
    expect(forced.stderr).toContain(`  the old manifest is kept as .codex/migrate/${backups[0]}\n`);
    expect(forced.stderr).toContain(`(kept ${INDEX} as it was: it holds the workspaces)`);
    expect(readFileSync(path.join(root, INDEX))).toEqual(index);
    const loaded = await loadMigrateManifest(file);
    expect(loaded.ok && loaded.value.mcp?.map((m) => m.name)).toEqual(['git']);
    expect(loaded.ok && loaded.value.connectors).toBeUndefined();
  });

  it('reports a broken manifest with file:line:col, exit 2 and no stack, without --force and with --check', async () => {
    const { root } = repo();
    mkdirSync(path.join(root, '.codex/migrate'), { recursive: true });
    const broken = 'version = 1\n\n[[connectors]]\nname = "db"\ndescription = "the database"\nenv = ["DB-URL"]\n';
    writeFileSync(path.join(root, MANIFEST), broken);
    const report = [
      `${MANIFEST}:6:8: error: "env[0]" must be an environment variable name (letters, digits and "_", not starting with a digit) (got "DB-URL")`,
      '    6 | env = ["DB-URL"]',
      '      |        ^^^^^^^^',
      '  hint: write a list of variable names, e.g. env = ["ORDERS_DATABASE_URL"]; names only, never values',
      '',
      `1 problem in ${MANIFEST}`,
    ].join('\n');
    const setup = await cli(['migrate', 'setup'], root);
    expect(setup).toMatchObject({
      code: 2,
      stdout: '',
      stderr: `${report}\n  hint: fix it by hand and check it with: codex-orchestrator migrate setup --check; or pass --force to write a new one (the old one is kept as a backup)\n`,
    });
    noStack(setup.stderr);
    expect(readFileSync(path.join(root, MANIFEST), 'utf8')).toBe(broken);
    const check = await cli(['migrate', 'setup', '--check'], root);
    expect(check).toMatchObject({ code: 2, stdout: '', stderr: `${report}\n` });

    const json = await cli(['migrate', 'setup', '--check', '--json'], root);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toEqual({
      schema: 'codex-orchestrator/migrate-setup@1',
      ok: false,
      reason: 'invalid',
      file: path.join(root, MANIFEST),
      problems: [
        {
          file: path.join(root, MANIFEST),
          line: 6,
          column: 8,
          message: '"env[0]" must be an environment variable name (letters, digits and "_", not starting with a digit) (got "DB-URL")',
          hint: 'write a list of variable names, e.g. env = ["ORDERS_DATABASE_URL"]; names only, never values',
        },
      ],
    });
  });

  it('prints one JSON document with --json', async () => {
    const { root } = repo();
    const r = await cli(['migrate', 'setup', '--connector', 'orders-db', '--json'], root);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      schema: 'codex-orchestrator/migrate-setup@1',
      ok: true,
      root,
      manifest: path.join(root, MANIFEST),
      index: path.join(root, INDEX),
      written: [path.join(root, MANIFEST), path.join(root, INDEX)],
      backup: null,
      connectors: [{ name: 'orders-db', description: 'TODO: say what this system is and how the migration uses it', env: [] }],
      mcp: [],
    });
    const again = await cli(['migrate', 'setup', '--json'], root);
    expect(again.code).toBe(2);
    expect(JSON.parse(again.stdout)).toEqual({ schema: 'codex-orchestrator/migrate-setup@1', ok: false, reason: 'exists', file: path.join(root, MANIFEST), problems: [] });
  });

  it('answers mistakes on the command line with exit 2', async () => {
    const { root } = repo();
    const cases: [string[], string][] = [
      [
        ['--connector', 'orders db'],
        'error: --connector: "orders db" is not a name\n  hint: use a name of letters, digits, ".", "_" and "-", starting with a letter or digit (at most 64), e.g. --connector orders-db\n',
      ],
      [['--mcp', 'fs', '--mcp', 'fs'], 'error: --mcp: "fs" is given twice\n  hint: name each entry once\n'],
      [['--check', '--force'], 'error: --check only checks the manifest\n  hint: drop --connector, --mcp and --force, or drop --check to write a new manifest\n'],
      [['--path', '.'], 'error: --path is not an option of migrate setup\n  hint: see: codex-orchestrator --help\n'],
      [['--check'], `error: no migration manifest: ${MANIFEST}\n  hint: create one with: codex-orchestrator migrate setup\n`],
    ];
    for (const [args, stderr] of cases) {
      const r = await cli(['migrate', 'setup', ...args], root);
      expect({ args, code: r.code, stderr: r.stderr }).toEqual({ args, code: 2, stderr });
    }
  });
});
