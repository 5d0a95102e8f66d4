import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/store/manifest.js';
import { cli, startCli } from '../helpers/cli.js';
import { repoWithGraph, task } from '../helpers/run.js';
import { tempDir } from '../helpers/temp.js';

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
    expect(waiting.message).toBe(`waiting for a reviewer: gate(s) sign-off await approval (codex-orchestrator approve ${runId} --task sign-off --reviewer NAME)`);
    const polled = await cli(['poll', runId, '--json'], repo, env);
    expect(JSON.parse(polled.stdout).status).toBe('awaiting-approval');
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
    expect(manifest(runId).status).toBe('awaiting-approval');

    const early = await cli(['resume', runId], repo, env);
    expect(early.code).toBe(0);
    expect(early.stderr).toBe(
      `run ${runId}: nothing to resume until a reviewer decides on gate(s) sign-off\n  hint: codex-orchestrator approve ${runId} --task sign-off --reviewer NAME, then resume again\n`,
    );
    expect((await cli(['approve', runId, '--task', 'sign-off', '--reviewer', 'carol'], repo, env)).code).toBe(0);
    const resumed = await cli(['resume', runId, '--json'], repo, env);
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout).status).toBe('succeeded');
    expect(task(manifest(runId), 'ship').status).toBe('succeeded');
    expect(task(manifest(runId), 'build').attempts).toHaveLength(1);
    expect((await cli(['verify', runId], repo, env)).code).toBe(0);
  });
});
