import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/store/manifest.js';
import { cli } from '../helpers/cli.js';
import { repoWithGraph, task } from '../helpers/run.js';
import { git, tempDir } from '../helpers/temp.js';

/** A prompt (or follow-up) that the offline model carries out as one shell command. */
const sh = (command: string): string => `\`\`\`sh\n${command}\n\`\`\``;

function setup(graph: string): { repo: string; env: NodeJS.ProcessEnv; manifest: (id: string) => Manifest; runDir: (id: string) => string } {
  const { repo } = repoWithGraph(graph);
  const env = { CODEX_ORCHESTRATOR_KEYS_DIR: path.join(tempDir(), 'keys') };
  const runDir = (id: string): string => path.join(repo, '.runs', id);
  return { repo, env, runDir, manifest: (id) => JSON.parse(readFileSync(path.join(runDir(id), 'manifest.json'), 'utf8')) as Manifest };
}

describe('rework and send', () => {
  it('reject sends the reason to the same Codex thread when the run resumes; send continues it again', async () => {
    const { repo, env, manifest, runDir } = setup(`
tasks:
  - id: make
    role: builder
    prompt: "\`\`\`sh\\necho v1 > out.txt\\n\`\`\`"
    verify: ["test -s out.txt"]
`);
    const first = await cli(['run', 'graph.yaml', '--json'], repo, env);
    expect(first.code).toBe(0);
    const runId = (JSON.parse(first.stdout) as { runId: string }).runId;
    const thread = task(manifest(runId), 'make').threadId;
    expect(thread).toMatch(/^[0-9a-f-]{36}$/);

    const rejected = await cli(['reject', runId, '--task', 'make', '--reviewer', 'rita', '--reason', `v1 is outdated; write v2:\n\n${sh('echo v2 > out.txt')}`], repo, env);
    expect(rejected.code).toBe(0);
    expect(rejected.stderr).toContain(`rework: the reason goes to make's Codex thread when the run continues: codex-orchestrator resume ${runId}`);
    expect(task(manifest(runId), 'make')).toMatchObject({ status: 'rejected', followUp: { from: 'reject', by: 'rita' } });

    const resumed = await cli(['resume', runId], repo, env);
    expect(resumed.code).toBe(0);
    let make = task(manifest(runId), 'make');
    expect(make.status).toBe('succeeded');
    expect(make.followUp).toBeUndefined();
    expect(make.attempts.map((a) => [a.n, a.status, a.followUp?.from ?? null, a.threadId])).toEqual([
      [1, 'succeeded', null, thread],
      [2, 'succeeded', 'reject', thread],
    ]);
    // The second attempt has its own artifacts; the first one's are kept.
    expect(readFileSync(path.join(runDir(runId), 'tasks/make/attempt-1/diff.patch'), 'utf8')).toContain('+v1');
    expect(readFileSync(path.join(runDir(runId), 'tasks/make/diff.patch'), 'utf8')).toContain('+v2');
    const reworked = readFileSync(path.join(runDir(runId), 'tasks/make/log.txt'), 'utf8');
    expect(reworked).toContain(`follow-up (reject by rita) on thread ${thread}`);
    // The builder agent went on in its own conversation (kept with the run's Codex home), in the same thread.
    expect(reworked).toContain('# goes on in its conversation, with the follow-up above as its next message');
    expect(reworked).toContain(`-- codex call 1 (continues thread ${thread}); the agent's prompt:`);
    expect(existsSync(path.join(runDir(runId), 'tasks/make/checks.json'))).toBe(true);
    expect(git(repo, 'show', `codex-orchestrator/${runId}:out.txt`)).toBe('v2');

    const sent = await cli(['send', runId, '--task', 'make', `Now v3, please.\n\n${sh('echo v3 > out.txt')}`], repo, env);
    expect(sent.code).toBe(0);
    make = task(manifest(runId), 'make');
    expect(make.attempts.map((a) => [a.n, a.status, a.followUp?.from ?? null, a.threadId])).toEqual([
      [1, 'succeeded', null, thread],
      [2, 'succeeded', 'reject', thread],
      [3, 'succeeded', 'send', thread],
    ]);
    expect(git(repo, 'show', `codex-orchestrator/${runId}:out.txt`)).toBe('v3');
    expect((await cli(['approve', runId, '--task', 'make', '--reviewer', 'rita'], repo, env)).code).toBe(0);
    expect((await cli(['verify', runId], repo, env)).code).toBe(0);

    const gateSend = await cli(['send', runId, '--task', 'nope', 'hello'], repo, env);
    expect(gateSend.code).toBe(2);
    expect(gateSend.stderr).toBe('error: the run has no task "nope"\n  hint: its tasks are: make\n');
  });

  it('a live run reworks a rejected task at once on the same thread while it waits at a gate', async () => {
    const { repo, env, manifest } = setup(`
tasks:
  - id: make
    role: builder
    prompt: "\`\`\`sh\\necho v1 > out.txt\\n\`\`\`"
  - id: check
    role: gate
    deps: [make]
`);
    const started = await cli(['run', 'graph.yaml', '--detach', '--json'], repo, env);
    const { runId } = JSON.parse(started.stdout) as { runId: string };
    await expect.poll(() => manifest(runId).status, { timeout: 90_000, interval: 100 }).toBe('awaiting-approval');
    const thread = task(manifest(runId), 'make').threadId;

    const rejected = await cli(['reject', runId, '--task', 'make', '--reviewer', 'rita', '--reason', `make it v2\n\n${sh('echo v2 > out.txt')}`], repo, env);
    expect(rejected.code).toBe(0);
    expect(rejected.stderr).toContain("rework: the run's orchestrator sends the reason to make's Codex thread now");
    // The rework's attempt, once it is done (the manifest follows the run a moment behind).
    await expect.poll(() => task(manifest(runId), 'make').attempts.map((a) => a.status), { timeout: 90_000, interval: 100 }).toEqual(['succeeded', 'succeeded']);
    expect(task(manifest(runId), 'make').attempts.map((a) => [a.status, a.followUp?.from ?? null, a.threadId])).toEqual([
      ['succeeded', null, thread],
      ['succeeded', 'reject', thread],
    ]);
    await expect.poll(() => manifest(runId).status, { timeout: 90_000, interval: 100 }).toBe('awaiting-approval');
    expect((await cli(['approve', runId, '--task', 'check', '--reviewer', 'rita'], repo, env)).code).toBe(0);
    await expect.poll(() => manifest(runId).status, { timeout: 90_000, interval: 100 }).toBe('succeeded');
    expect(git(repo, 'show', `codex-orchestrator/${runId}:out.txt`)).toBe('v2');
  });
});
