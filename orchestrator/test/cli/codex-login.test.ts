import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCodexLogin, modelSettings } from '../../src/backends/codex-login.js';
import { writeCodexHome } from '../../src/backends/codex-home.js';
import { chooseModel } from '../../src/engine/session/model-access.js';
import { startOfflineModel, type OfflineModelServer } from '../../src/model-server/server.js';
import type { Manifest } from '../../src/store/manifest.js';
import { cli } from '../helpers/cli.js';
import { repoWithGraph } from '../helpers/run.js';
import { fence, tempDir } from '../helpers/temp.js';

// A user signed in to Codex: their CODEX_HOME holds auth.json (here a fake API-key sign-in, which
// Codex sends as its bearer token) and a config.toml whose provider is the offline model server,
// which answers 401 to any other token. Real Codex, real runs.

const KEY = `sk-login-canary-${process.pid}-0123456789abcdef`;
let model: OfflineModelServer;

beforeAll(async () => {
  model = await startOfflineModel({ bearer: KEY });
});
afterAll(async () => {
  await model.close();
});

/** A user's CODEX_HOME with a sign-in and a config that picks a provider (and has things a run must not take). */
function signedInHome(): string {
  const home = tempDir('co-user-codex-');
  writeFileSync(path.join(home, 'auth.json'), JSON.stringify({ OPENAI_API_KEY: KEY, tokens: null, last_refresh: null }));
  writeFileSync(
    path.join(home, 'config.toml'),
    [
      'model = "offline-stand-in"',
      'model_provider = "mine"',
      'approval_policy = "on-request"',
      '',
      '[mcp_servers.private-tool]',
      'command = "private-tool-server"',
      '',
      '[model_providers.mine]',
      'name = "my provider"',
      `base_url = "${model.baseUrl}"`,
      'wire_api = "responses"',
      'requires_openai_auth = true',
      'request_max_retries = 0',
      'stream_max_retries = 0',
      '',
    ].join('\n'),
  );
  return home;
}

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? filesUnder(p) : [p];
  });
}

describe('codex-login: the user’s own Codex sign-in', () => {
  it('runs with it (bearer from auth.json, model and provider from their config), says so, and leaves no credential behind', async () => {
    const home = signedInHome();
    // The task reads the sign-in the run's Codex was given: whatever it prints is redacted.
    const { repo } = repoWithGraph(`
tasks:
  - id: one
    role: builder
    prompt: |
      ${fence('sh', 'cat "$CODEX_HOME/auth.json" 2>&1 || true; echo done > done.txt').split('\n').join('\n      ')}
`);
    const before = model.responses();
    const run = await cli(['run', 'graph.yaml', '--model', 'codex-login', '--json'], repo, { CODEX_HOME: home });
    expect(run.code).toBe(0);
    expect(model.responses()).toBeGreaterThan(before);
    expect(run.stderr).toContain('model codex-login (offline-stand-in; --model codex-login)');
    const doc = JSON.parse(run.stdout) as { runId: string };
    const runDir = path.join(repo, '.runs', doc.runId);
    const m = JSON.parse(readFileSync(path.join(runDir, 'manifest.json'), 'utf8')) as Manifest;
    expect(m.model).toEqual({ kind: 'codex-login', name: 'offline-stand-in', why: '--model codex-login' });
    // The role agents need the OpenAI API: off, and the log says why.
    expect(m.settings.agents).toBe(false);
    expect(readFileSync(path.join(runDir, 'runner.log'), 'utf8')).toContain('a Codex sign-in is for Codex alone');

    // The run's private CODEX_HOME took the provider, not the user's MCP servers or approvals; its copy of auth.json is gone.
    const privateHome = path.join(repo, '.codex-orchestrator', 'codex-home', doc.runId);
    const config = readFileSync(path.join(privateHome, 'config.toml'), 'utf8');
    expect(config).toContain('[model_providers.mine]');
    expect(config).toContain('model_provider = "mine"');
    expect(config).not.toContain('private-tool');
    expect(config).not.toContain('on-request');
    expect(existsSync(path.join(privateHome, 'auth.json'))).toBe(false);
    // The user's own files are as they were.
    expect(JSON.parse(readFileSync(path.join(home, 'auth.json'), 'utf8'))).toEqual({ OPENAI_API_KEY: KEY, tokens: null, last_refresh: null });

    // No form of the key anywhere under .runs/ or in what the CLI printed.
    const texts = [run.stdout, run.stderr, ...filesUnder(path.join(repo, '.runs')).map((f) => readFileSync(f, 'latin1'))];
    const forms = [KEY, Buffer.from(KEY).toString('base64'), JSON.stringify(KEY).slice(1, -1)];
    expect(texts.filter((t) => forms.some((f) => t.includes(f)))).toEqual([]);
    expect(readFileSync(path.join(runDir, 'tasks/one/log.txt'), 'utf8')).toContain('[REDACTED:codex-login.OPENAI_API_KEY]');
  });

  it('is chosen without --model when there is a sign-in and no key, and the manifest says why', async () => {
    const home = signedInHome();
    const { repo } = repoWithGraph(`
tasks:
  - id: one
    role: builder
    prompt: "${fence('sh', 'echo hi > hi.txt').replace(/\n/g, '\\n')}"
`);
    const run = await cli(['run', 'graph.yaml', '--json'], repo, { CODEX_HOME: home });
    expect(run.code).toBe(0);
    const runId = (JSON.parse(run.stdout) as { runId: string }).runId;
    const m = JSON.parse(readFileSync(path.join(repo, '.runs', runId, 'manifest.json'), 'utf8')) as Manifest;
    expect(m.model).toEqual({ kind: 'codex-login', name: 'offline-stand-in', why: `no OPENAI_API_KEY; signed in to Codex (${path.join(home, 'auth.json')})` });
  });

  it('refuses --model codex-login without a sign-in and --model openai without a key, before anything is written (exit 2)', async () => {
    const { repo } = repoWithGraph(`
tasks:
  - id: one
    role: builder
    prompt: hi
`);
    const nowhere = path.join(tempDir(), 'no-codex-home');
    const login = await cli(['run', 'graph.yaml', '--model', 'codex-login'], repo, { CODEX_HOME: nowhere });
    expect(login.code).toBe(2);
    expect(login.stderr.trim()).toBe(
      `error: --model codex-login: no Codex sign-in at ${path.join(nowhere, 'auth.json')}: sign in with \`codex login\` (or point CODEX_HOME at the folder that has it)`,
    );
    const openai = await cli(['run', 'graph.yaml', '--model', 'openai'], repo, { CODEX_HOME: nowhere });
    expect(openai.code).toBe(2);
    expect(openai.stderr.trim()).toBe('error: --model openai: needs OPENAI_API_KEY: set it, or choose --model codex-login (your Codex sign-in) or --model offline');
    const bad = await cli(['run', 'graph.yaml', '--model', 'gpt'], repo);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--model must be offline, openai or codex-login (got "gpt")');
    expect(existsSync(path.join(repo, '.runs'))).toBe(false);
  });
});

describe('reading a Codex sign-in', () => {
  it('takes every credential of a ChatGPT sign-in as a secret, and the config’s model and provider table only', () => {
    const home = tempDir();
    writeFileSync(
      path.join(home, 'auth.json'),
      JSON.stringify({
        OPENAI_API_KEY: null,
        tokens: { id_token: 'eyJhbGciOi.id-token-canary', access_token: 'access-token-canary-123', refresh_token: 'refresh-token-canary-456', account_id: 'account-canary-789' },
        last_refresh: '2026-12-01T10:00:00Z',
      }),
    );
    writeFileSync(path.join(home, 'config.toml'), 'model = "gpt-5.5"  # mine\n[profiles.x]\nmodel = "other"\n');
    const login = readCodexLogin({ CODEX_HOME: home });
    if (!login.ok) throw new Error(login.error);
    expect(login.value.secrets.map((s) => s.name)).toEqual(['codex-login.tokens.id_token', 'codex-login.tokens.access_token', 'codex-login.tokens.refresh_token', 'codex-login.tokens.account_id']);
    expect([login.value.model, login.value.provider, login.value.providerTable]).toEqual(['gpt-5.5', undefined, []]);
    expect(modelSettings('model_provider = "p"\n[model_providers."p"]\nbase_url = "u"\n\n[other]\nx = 1\n').providerTable).toEqual(['[model_providers."p"]', 'base_url = "u"']);
    writeFileSync(path.join(home, 'auth.json'), '{not json');
    expect(readCodexLogin({ CODEX_HOME: home })).toEqual({ ok: false, error: `cannot read the Codex sign-in ${path.join(home, 'auth.json')}: it is not JSON; sign in again with \`codex login\`` });
  });

  it('chooses OPENAI_API_KEY, else a sign-in, else offline, and says why', () => {
    const home = tempDir();
    const none = path.join(home, 'none');
    expect(chooseModel({ CODEX_HOME: none })).toEqual({ ok: true, value: { kind: 'offline', why: 'neither OPENAI_API_KEY nor a Codex sign-in ($CODEX_HOME/auth.json)' } });
    writeFileSync(path.join(home, 'auth.json'), JSON.stringify({ OPENAI_API_KEY: KEY }));
    // The sign-in is read when it is chosen, and carried to the session.
    expect(chooseModel({ CODEX_HOME: home })).toEqual({
      ok: true,
      value: {
        kind: 'codex-login',
        why: `no OPENAI_API_KEY; signed in to Codex (${path.join(home, 'auth.json')})`,
        login: expect.objectContaining({ authFile: path.join(home, 'auth.json'), secrets: [{ name: 'codex-login.OPENAI_API_KEY', value: KEY }] }),
      },
    });
    writeFileSync(path.join(home, 'auth.json'), '{}');
    expect(chooseModel({ CODEX_HOME: home })).toEqual({
      ok: false,
      error: `the Codex sign-in ${path.join(home, 'auth.json')} holds no credential: sign in again with \`codex login\`, or choose --model offline`,
    });
    writeFileSync(path.join(home, 'auth.json'), JSON.stringify({ OPENAI_API_KEY: KEY }));
    expect(chooseModel({ CODEX_HOME: home, OPENAI_API_KEY: 'sk-x' })).toEqual({ ok: true, value: { kind: 'openai', why: 'OPENAI_API_KEY is set' } });
    expect(chooseModel({ CODEX_HOME: home, OPENAI_API_KEY: 'sk-x' }, { kind: 'offline', by: 'settings.model:' })).toEqual({ ok: true, value: { kind: 'offline', why: 'settings.model: offline' } });
  });

  it("gives the run's Codex a copy readable by the user alone", async () => {
    const home = tempDir();
    writeFileSync(path.join(home, 'auth.json'), JSON.stringify({ OPENAI_API_KEY: KEY }));
    const login = readCodexLogin({ CODEX_HOME: home });
    if (!login.ok) throw new Error(login.error);
    const runHome = path.join(tempDir(), 'run-home');
    await writeCodexHome(runHome, { kind: 'codex-login', login: login.value });
    expect(statSync(path.join(runHome, 'auth.json')).mode & 0o777).toBe(0o600);
    expect(readFileSync(path.join(runHome, 'config.toml'), 'utf8')).not.toContain(KEY);
  });
});
