import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderSetupFailure } from '../../src/cli/commands/migrate-setup.js';
import { loadMigrateManifest, parseMigrateManifest } from '../../src/migrate/setup/index.js';
import { manifestTemplate } from '../../src/migrate/setup/template.js';
import { tempDir } from '../helpers/temp.js';

// The migration manifest's loader: what it accepts, and the exact text of what it refuses.

const ROOT = '/project';
const FILE = path.join(ROOT, '.codex/migrate/manifest.toml');

/** The rendered failure of `source`, paths shown relative to the project as a user there sees them. */
function problems(source: string): string {
  const r = parseMigrateManifest(FILE, source);
  if (r.ok) throw new Error(`expected a failure, got ${JSON.stringify(r.value)}`);
  return renderSetupFailure(r.error, ROOT);
}

const GOOD = `version = 1

[[connectors]]
name = "orders-db"
description = "the orders PostgreSQL database"
env = ["ORDERS_DATABASE_URL", "ORDERS_DB_PASSWORD"]

[[connectors]]
name = "billing-api"
description = "the billing REST API"
env = []

[[mcp]]
name = "filesystem"
command = "npx"
args = ["-y", "@modelcontextprotocol/server-filesystem", "."]
env = ["HOME"]
`;

describe('loadMigrateManifest', () => {
  it('loads a valid manifest from disk', async () => {
    const dir = tempDir('co-migrate-manifest-');
    const file = path.join(dir, 'manifest.toml');
    writeFileSync(file, GOOD);
    expect(await loadMigrateManifest(file)).toEqual({
      ok: true,
      value: {
        version: 1,
        connectors: [
          { name: 'orders-db', description: 'the orders PostgreSQL database', env: ['ORDERS_DATABASE_URL', 'ORDERS_DB_PASSWORD'] },
          { name: 'billing-api', description: 'the billing REST API', env: [] },
        ],
        mcp: [{ name: 'filesystem', command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem', '.'], env: ['HOME'] }],
      },
    });
  });

  it('accepts a manifest with only its version, and what setup writes', () => {
    expect(parseMigrateManifest(FILE, 'version = 1\n')).toEqual({ ok: true, value: { version: 1 } });
    const written = parseMigrateManifest(FILE, manifestTemplate(['orders-db'], ['filesystem']));
    expect(written.ok && written.value.connectors?.map((c) => c.name)).toEqual(['orders-db']);
    expect(written.ok && written.value.mcp?.map((m) => m.name)).toEqual(['filesystem']);
  });

  it('says when the file is not there or is a folder', async () => {
    const dir = tempDir('co-migrate-manifest-');
    expect(await loadMigrateManifest(path.join(dir, 'manifest.toml'))).toEqual({ ok: false, error: { reason: 'not-found', file: path.join(dir, 'manifest.toml') } });
    mkdirSync(path.join(dir, 'folder.toml'));
    expect(await loadMigrateManifest(path.join(dir, 'folder.toml'))).toEqual({ ok: false, error: { reason: 'unreadable', file: path.join(dir, 'folder.toml'), message: 'EISDIR' } });
  });

  it('points a TOML syntax error at its line and column', () => {
    expect(problems('version = 1\n\n[[connectors]]\nname = "orders-db\ndescription = "x"\n')).toBe(
      [
        '.codex/migrate/manifest.toml:4:18: error: TOML syntax error: control characters are not allowed in strings',
        '    4 | name = "orders-db',
        '      |                  ^',
        '  hint: fix the TOML here: strings in double quotes, lists in [ ], one key = value a line, each key once per table',
        '',
        '1 problem in .codex/migrate/manifest.toml',
      ].join('\n'),
    );
    expect(problems('version = 1\nversion = 1\n')).toBe(
      [
        '.codex/migrate/manifest.toml:2:1: error: TOML syntax error: trying to redefine an already defined table or value',
        '    2 | version = 1',
        '      | ^',
        '  hint: fix the TOML here: strings in double quotes, lists in [ ], one key = value a line, each key once per table',
        '',
        '1 problem in .codex/migrate/manifest.toml',
      ].join('\n'),
    );
  });

  it('names an unknown key where it is written and the keys allowed there', () => {
    expect(problems('version = 1\n\n[[connectors]]\nname = "orders-db"\ndescription = "x"\nenv = []\nurl = "postgres://"\n')).toBe(
      [
        '.codex/migrate/manifest.toml:7:1: error: unknown key "url" in connector "orders-db"',
        '    7 | url = "postgres://"',
        '      | ^^^',
        '  hint: the keys allowed in a [[connectors]] entry are: name, description, env',
        '',
        '1 problem in .codex/migrate/manifest.toml',
      ].join('\n'),
    );
    expect(problems('version = 1\nservers = []\n')).toBe(
      [
        '.codex/migrate/manifest.toml:2:1: error: unknown key "servers" at the top level',
        '    2 | servers = []',
        '      | ^^^^^^^',
        '  hint: the keys allowed at the top level are: version, connectors, mcp',
        '',
        '1 problem in .codex/migrate/manifest.toml',
      ].join('\n'),
    );
  });

  it('names both places of a duplicate connector name', () => {
    const source = 'version = 1\n\n[[connectors]]\nname = "db"\ndescription = "x"\nenv = []\n\n[[connectors]]\nname = "db"\ndescription = "y"\nenv = []\n';
    expect(problems(source)).toBe(
      [
        '.codex/migrate/manifest.toml:9:8: error: connector name "db" is used twice',
        '    9 | name = "db"',
        '      |        ^^^^',
        '  hint: give each [[connectors]] entry its own name, or merge the two',
        '  note: .codex/migrate/manifest.toml:4:8: first used here',
        '    4 | name = "db"',
        '      |        ^^^^',
        '',
        '1 problem in .codex/migrate/manifest.toml',
      ].join('\n'),
    );
  });

  it('points at the one bad environment variable name in a list', () => {
    expect(problems('version = 1\n\n[[connectors]]\nname = "db"\ndescription = "x"\nenv = ["DB_URL", "db-password"]\n')).toBe(
      [
        '.codex/migrate/manifest.toml:6:18: error: "env[1]" must be an environment variable name (letters, digits and "_", not starting with a digit) (got "db-password")',
        '    6 | env = ["DB_URL", "db-password"]',
        '      |                  ^^^^^^^^^^^^^',
        '  hint: write a list of variable names, e.g. env = ["ORDERS_DATABASE_URL"]; names only, never values',
        '',
        '1 problem in .codex/migrate/manifest.toml',
      ].join('\n'),
    );
  });

  it('reports wrong types, a wrong version and missing keys, each at its place', () => {
    const source = 'version = 2\n\n[[mcp]]\nname = "fs"\nargs = "-y"\n\n[[mcp]]\nname = "git"\ncommand = "git-mcp"\nargs = [\n  "--repo",\n  3,\n]\n';
    expect(problems(source)).toBe(
      [
        '.codex/migrate/manifest.toml:1:11: error: "version" must be 1 (got 2)',
        '    1 | version = 2',
        '      |           ^',
        '  hint: 1 is the only manifest version there is; write version = 1',
        '',
        '.codex/migrate/manifest.toml:3:1: error: missing required key "command" in MCP server "fs"',
        '    3 | [[mcp]]',
        '      | ^^^^^^^',
        '  hint: write the program that starts the server, e.g. command = "npx"',
        '',
        '.codex/migrate/manifest.toml:5:8: error: "args" must be a list (got "-y")',
        '    5 | args = "-y"',
        '      |        ^^^^',
        '  hint: write a list of strings, e.g. args = ["-y", "@modelcontextprotocol/server-filesystem", "."]',
        '',
        '.codex/migrate/manifest.toml:12:3: error: "args[1]" must be a string (got 3)',
        '   12 |   3,',
        '      |   ^',
        '  hint: write a list of strings, e.g. args = ["-y", "@modelcontextprotocol/server-filesystem", "."]',
        '',
        '4 problems in .codex/migrate/manifest.toml',
      ].join('\n'),
    );
  });

  it('asks for the version in an empty file', () => {
    expect(problems('')).toBe(
      [
        '.codex/migrate/manifest.toml:1:1: error: missing required key "version" at the top level',
        '    1 |',
        '      | ^',
        '  hint: add version = 1 at the top of the file',
        '',
        '1 problem in .codex/migrate/manifest.toml',
      ].join('\n'),
    );
  });
});
