import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/store/manifest.js';
import { cli, startCli } from '../helpers/cli.js';
import { repoWithGraph, task } from '../helpers/run.js';
import { git, tempDir } from '../helpers/temp.js';

const CHECKLIST = `# Release

- [ ] build: Build it
- [ ] sign-off: A person looks at the build
- [ ] ship: Ship it
`;

const GRAPH = `
tasks:
  - id: build
    role: builder
    prompt: "\`\`\`sh\\necho built > build.txt\\n\`\`\`"
  - id: sign-off
    role: gate
    deps: [build]
    checklist: tasks-release.md#sign-off
  - id: ship
    role: builder
    deps: [sign-off]
    prompt: "\`\`\`sh\\ncat build.txt > shipped.txt\\n\`\`\`"
`;

function setup(): { repo: string; env: NodeJS.ProcessEnv; manifest: (id: string) => Manifest } {
  const { repo } = repoWithGraph(GRAPH, { 'tasks-release.md': CHECKLIST });
  const env = { CODEX_ORCHESTRATOR_KEYS_DIR: path.join(tempDir(), 'keys') };
  return { repo, env, manifest: (id) => JSON.parse(readFileSync(path.join(repo, '.runs', id, 'manifest.json'), 'utf8')) as Manifest };
}

/** The first run in the repository's index, once there is one. */
function firstRunId(repo: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(path.join(repo, '.runs', 'index.json'), 'utf8')) as { runs: { id: string }[] }).runs[0]?.id;
  } catch {
    return undefined;
  }
}

describe('gates', () => {
  it('a detached run waits at a gate; approving it (through the live run) releases the graph and ticks the checklist', async () => {
    const { repo, env, manifest } = setup();
    const started = await cli(['run', 'graph.yaml', '--detach', '--json'], repo, env);
    const { runId } = JSON.parse(started.stdout) as { runId: string };
    await expect.poll(() => manifest(runId).status, { timeout: 90_000, interval: 100 }).toBe('awaiting-approval');
    const waiting = manifest(runId);
    expect(task(waiting, 'sign-off').status).toBe('awaiting-approval');
    expect(task(waiting, 'ship').status).toBe('pending');
    expect(waiting.message).toBe('waiting for a reviewer: gate sign-off awaits approval');
    const polled = await cli(['poll', runId, '--json'], repo, env);
    expect(JSON.parse(polled.stdout)).toMatchObject({ status: 'awaiting-approval', waiting: { gates: ['sign-off'], live: true, pid: expect.any(Number) } });
    // The live run continues by itself after a decision: no resume is suggested.
    const table = await cli(['poll', runId], repo, env);
    expect(table.stdout).toContain(
      [
        'waiting for a reviewer: gate sign-off awaits approval',
        `  approve: codex-orchestrator approve ${runId} --task sign-off --reviewer NAME [--note TEXT]`,
        `  reject:  codex-orchestrator reject ${runId} --task sign-off --reviewer NAME --reason TEXT`,
        `  the run continues by itself after a decision (its orchestrator, process ${waiting.process.pid}, is waiting)`,
      ].join('\n'),
    );
    expect(table.stdout).not.toContain('resume');
    // While it waits, the run is sealed (just after the manifest says it waits) and intact.
    await expect.poll(async () => (await cli(['verify', runId], repo, env)).code, { timeout: 10_000, interval: 200 }).toBe(0);

    const approved = await cli(['approve', runId, '--task', 'sign-off', '--reviewer', 'alice', '--note', 'looks right'], repo, env);
    expect(approved.stderr).toContain(`approved sign-off in run ${runId} (attempt 0) by alice\nticked tasks-release.md:4`);
    expect(approved.code).toBe(0);
    await expect.poll(() => manifest(runId).status, { timeout: 90_000, interval: 100 }).toBe('succeeded');
    const m = manifest(runId);
    expect(task(m, 'sign-off')).toMatchObject({ status: 'approved', reviews: [{ decision: 'approved', reviewer: 'alice', note: 'looks right' }] });
    expect(task(m, 'ship').status).toBe('succeeded');
    expect(readFileSync(path.join(repo, 'tasks-release.md'), 'utf8')).toBe(
      CHECKLIST.replace('- [ ] sign-off: A person looks at the build', `- [x] sign-off: A person looks at the build — approved by alice, evidence: .runs/${runId}/manifest.json`),
    );
    // The run's end sealed it again, decision included.
    await expect.poll(async () => (await cli(['verify', runId], repo, env)).code, { timeout: 10_000, interval: 200 }).toBe(0);
  });

  it('rejecting the gate a foreground run waits at skips its dependents and fails the run', async () => {
    const { repo, env, manifest } = setup();
    const { done } = startCli(['run', 'graph.yaml'], repo, env);
    await expect.poll(() => firstRunId(repo), { timeout: 90_000, interval: 100 }).toBeTruthy();
    const runId = firstRunId(repo) as string;
    await expect.poll(() => manifest(runId).status, { timeout: 90_000, interval: 100 }).toBe('awaiting-approval');
    const rejected = await cli(['reject', runId, '--task', 'sign-off', '--reviewer', 'bob', '--reason', 'the build is not signed'], repo, env);
    expect(rejected.code).toBe(0);
    const result = await done;
    expect(result.code).toBe(1);
    const m = manifest(runId);
    expect(m.status).toBe('failed');
    expect(task(m, 'sign-off')).toMatchObject({ status: 'rejected', message: 'rejected by bob: the build is not signed' });
    expect(task(m, 'ship')).toMatchObject({ status: 'skipped', message: 'not run: dependency "sign-off" did not succeed (rejected)' });
  });

  it('with --exit-at-gates the run ends awaiting approval; after approval, resume continues it', async () => {
    const { repo, env, manifest } = setup();
    const first = await cli(['run', 'graph.yaml', '--exit-at-gates', '--json'], repo, env);
    expect(first.code).toBe(0);
    const runId = (JSON.parse(first.stdout) as { runId: string }).runId;
    expect(manifest(runId)).toMatchObject({ status: 'awaiting-approval', message: 'gate sign-off awaits approval' });
    // The same commands poll gives, and the resume that continues a run ended at its gates.
    const commands = [
      `  approve: codex-orchestrator approve ${runId} --task sign-off --reviewer NAME [--note TEXT]`,
      `  reject:  codex-orchestrator reject ${runId} --task sign-off --reviewer NAME --reason TEXT`,
      `  then continue the run with: codex-orchestrator resume ${runId}`,
    ];
    expect(first.stderr).toContain(['gate sign-off awaits approval', ...commands, '', `run id: ${runId}`].join('\n'));
    expect((await cli(['poll', runId], repo, env)).stdout).toContain(['gate sign-off awaits approval', ...commands].join('\n'));

    const early = await cli(['resume', runId], repo, env);
    expect(early.code).toBe(0);
    expect(early.stderr).toBe([`run ${runId}: nothing to resume until a reviewer decides: gate sign-off awaits approval`, ...commands, ''].join('\n'));
    expect((await cli(['approve', runId, '--task', 'sign-off', '--reviewer', 'carol'], repo, env)).code).toBe(0);
    const resumed = await cli(['resume', runId, '--json'], repo, env);
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout).status).toBe('succeeded');
    expect(task(manifest(runId), 'ship').status).toBe('succeeded');
    expect(task(manifest(runId), 'build').attempts).toHaveLength(1);
    expect((await cli(['verify', runId], repo, env)).code).toBe(0);
  });

  describe('a rejected gate with no dependents ends the wait', () => {
    const LAST_GATE = `
tasks:
  - id: build
    role: builder
    prompt: "\`\`\`sh\\necho built > build.txt\\n\`\`\`"
  - id: sign-off
    role: gate
    deps: [build]
`;
    const gateSetup = (): { repo: string; env: NodeJS.ProcessEnv; manifest: (id: string) => Manifest } => {
      const { repo } = repoWithGraph(LAST_GATE);
      const env = { CODEX_ORCHESTRATOR_KEYS_DIR: path.join(tempDir(), 'keys') };
      return { repo, env, manifest: (id) => JSON.parse(readFileSync(path.join(repo, '.runs', id, 'manifest.json'), 'utf8')) as Manifest };
    };

    it('the live run ends failed, saying the gate was rejected', async () => {
      const { repo, env, manifest } = gateSetup();
      const { done } = startCli(['run', 'graph.yaml'], repo, env);
      await expect.poll(() => firstRunId(repo), { timeout: 90_000, interval: 100 }).toBeTruthy();
      const runId = firstRunId(repo) as string;
      await expect.poll(() => manifest(runId).status, { timeout: 90_000, interval: 100 }).toBe('awaiting-approval');
      expect((await cli(['reject', runId, '--task', 'sign-off', '--reviewer', 'bob', '--reason', 'not signed'], repo, env)).code).toBe(0);
      const result = await done;
      expect(result.code).toBe(1);
      expect(manifest(runId)).toMatchObject({ status: 'failed', reason: 'tasks-failed', message: '1 succeeded, 1 rejected' });
      expect(result.stderr).toContain(`run failed: 1 succeeded, 1 rejected`);
      expect(result.stderr).toContain(`run ${runId}  FAILED  1 succeeded, 1 rejected  `);
      expect(result.stderr).not.toContain('await approval\n');
    });

    it('ended at its gates: rejecting its last gate ends the run failed, and resume has nothing left to do', async () => {
      const { repo, env, manifest } = gateSetup();
      const first = await cli(['run', 'graph.yaml', '--exit-at-gates', '--json'], repo, env);
      const runId = (JSON.parse(first.stdout) as { runId: string }).runId;
      expect(manifest(runId).status).toBe('awaiting-approval');
      expect((await cli(['reject', runId, '--task', 'sign-off', '--reviewer', 'bob', '--reason', 'not signed'], repo, env)).code).toBe(0);
      expect(manifest(runId)).toMatchObject({ status: 'failed', reason: 'tasks-failed', message: '1 succeeded, 1 rejected' });
      const polled = await cli(['poll', runId], repo, env);
      expect(polled.code).toBe(1);
      expect(polled.stdout).toContain(`run ${runId}  FAILED  1 succeeded, 1 rejected  `);
      expect(polled.stdout).not.toContain('await');
      expect((await cli(['resume', runId], repo, env)).stderr).toBe(`run ${runId} has already finished (failed); nothing to resume\n`);
      expect((await cli(['verify', runId], repo, env)).code).toBe(0);
    });
  });

  it('the reviewer defaults to git config user.name, and the command says so; with neither, --reviewer is asked for', async () => {
    const { repo, env, manifest } = setup();
    const first = await cli(['run', 'graph.yaml', '--exit-at-gates', '--json'], repo, env);
    const runId = (JSON.parse(first.stdout) as { runId: string }).runId;
    const noName = { ...env, GIT_CONFIG_GLOBAL: path.join(tempDir(), 'none'), GIT_CONFIG_NOSYSTEM: '1' };
    const refused = await cli(['approve', runId, '--task', 'sign-off'], repo, noName);
    expect(refused).toMatchObject({ code: 2, stderr: 'error: missing --reviewer (who decides)\n  hint: see: codex-orchestrator --help\n' });
    git(repo, 'config', 'user.name', 'Ada Lovelace');
    const approved = await cli(['approve', runId, '--task', 'sign-off'], repo, noName);
    expect(approved.code).toBe(0);
    expect(approved.stderr).toMatch(new RegExp(`^reviewer: Ada Lovelace \\(from git config user.name\\)\napproved sign-off in run ${runId} \\(attempt 0\\) by Ada Lovelace\n`));
    expect(task(manifest(runId), 'sign-off').reviews).toMatchObject([{ decision: 'approved', reviewer: 'Ada Lovelace' }]);
  });
});
