import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAlive } from '../../src/core/process-tree.js';
import type { Manifest } from '../../src/store/manifest.js';
import { cli, startCli } from '../helpers/cli.js';
import { processesWith } from '../helpers/processes.js';
import { repoWithGraph, task, worktreesOf } from '../helpers/run.js';
import { git, tempDir } from '../helpers/temp.js';

/** The only run in a repository's `.runs/`. */
function onlyRun(repo: string): { id: string; dir: string; manifest: () => Manifest } {
  const runs = readdirSync(path.join(repo, '.runs')).filter((n) => n.startsWith('20') && !n.endsWith('.lock'));
  expect(runs).toHaveLength(1);
  const id = runs[0] as string;
  const dir = path.join(repo, '.runs', id);
  return { id, dir, manifest: () => JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as Manifest };
}

/**
 * A graph whose `slow` task waits until a file appears: the first session is ended while `slow`
 * waits; `quick` has finished by then; `after` needs both.
 */
function waitingGraph(gate: string, marker: string): string {
  return `
tasks:
  - id: quick
    role: builder
    prompt: "\`\`\`sh\\necho quick > quick.txt\\n\`\`\`"
  - id: slow
    role: builder
    prompt: "\`\`\`sh\\nbash -c 'echo started > partial.txt; until [ -f ${gate} ]; do sleep 0.1; done; echo ${marker} > slow.txt'\\n\`\`\`"
  - id: after
    role: builder
    deps: [quick, slow]
    prompt: "\`\`\`sh\\ncat quick.txt slow.txt > after.txt\\n\`\`\`"
    verify: ["grep -q ${marker} after.txt"]
`;
}

describe('durable runs', () => {
  it('kill -9 mid-run, then resume: finished work kept, the interrupted task runs again, the run completes', async () => {
    const gate = path.join(tempDir(), 'go');
    const marker = `resume-marker-${process.pid}-${Date.now()}`;
    const { repo } = repoWithGraph(waitingGraph(gate, marker));
    const { child, done } = startCli(['run', 'graph.yaml'], repo);
    await expect.poll(() => processesWith(marker).length > 0, { timeout: 90_000, interval: 100 }).toBe(true);
    const run = onlyRun(repo);
    await expect.poll(() => task(run.manifest(), 'quick').status, { timeout: 90_000, interval: 100 }).toBe('succeeded');
    const quickBefore = task(run.manifest(), 'quick');
    const quickLog = readFileSync(path.join(run.dir, 'tasks/quick/log.txt'));
    child.kill('SIGKILL');
    await done;

    // The manifest still says running; once its heartbeat is stale (here: made stale), readers say died.
    expect(run.manifest().status).toBe('running');
    const stale = { ...run.manifest(), heartbeatAt: new Date(Date.now() - 60_000).toISOString() };
    writeFileSync(path.join(run.dir, 'manifest.json'), JSON.stringify(stale));
    const polled = await cli(['poll', run.id], repo);
    expect(polled.code).toBe(1);
    expect(polled.stdout).toContain(`run ${run.id}  DIED`);
    expect(polled.stdout).toContain(`its process has ended; continue it with: codex-orchestrator resume ${run.id}`);
    writeFileSync(gate, '');
    const resumed = await cli(['resume', run.id], repo);
    expect(resumed.stderr).toContain('attempt 1 interrupted');
    expect(resumed.code).toBe(0);

    const m = run.manifest();
    expect(m.status).toBe('succeeded');
    expect(m.resumes?.map((r) => r.from)).toEqual(['died']);
    // Finished work: not run again, artifacts untouched.
    expect(task(m, 'quick').attempts).toEqual(quickBefore.attempts);
    expect(task(m, 'quick').artifacts).toEqual(quickBefore.artifacts);
    expect(readFileSync(path.join(run.dir, 'tasks/quick/log.txt'))).toEqual(quickLog);
    // The interrupted task: its first attempt kept as interrupted, with its artifacts and partial work.
    const slow = task(m, 'slow');
    expect(slow.attempts.map((a) => a.status)).toEqual(['interrupted', 'succeeded']);
    expect(existsSync(path.join(run.dir, 'tasks/slow/attempt-1/log.txt'))).toBe(true);
    expect(git(repo, 'show', `codex-orchestrator/interrupted/${run.id}/slow/attempt-1:partial.txt`)).toBe('started');
    // … and its Codex thread continued (thread/resume from the new session), from that partial work.
    const thread = slow.attempts[0]?.threadId as string;
    expect(thread).toMatch(/\S/);
    expect(resumed.stderr).toContain(
      `task slow: attempt 1 interrupted; its uncommitted work is kept on codex-orchestrator/interrupted/${run.id}/slow/attempt-1; the next attempt continues Codex thread ${thread} from it`,
    );
    expect(slow.attempts[1]).toMatchObject({ threadId: thread, followUp: { from: 'resume' } });
    expect(readFileSync(path.join(run.dir, 'tasks/slow/log.txt'), 'utf8')).toContain(`follow-up (continued after the session running it ended) on thread ${thread}`);
    expect(task(m, 'after').status).toBe('succeeded');
    expect(git(repo, 'show', `codex-orchestrator/${run.id}:after.txt`)).toBe(`quick\n${marker}`);
    expect(processesWith(marker)).toEqual([]);

    // Resuming a finished run is a clear no-op.
    const again = await cli(['resume', run.id], repo);
    expect(again.code).toBe(0);
    expect(again.stderr.trim()).toBe(`run ${run.id} has already finished (succeeded); nothing to resume`);
    expect(run.manifest().resumes).toHaveLength(1);
  });

  it('stop from another shell ends a detached run gracefully; a second writer is refused; resume finishes it', async () => {
    const gate = path.join(tempDir(), 'go');
    const marker = `stop-marker-${process.pid}-${Date.now()}`;
    const { repo } = repoWithGraph(waitingGraph(gate, marker));
    const started = await cli(['run', 'graph.yaml', '--detach', '--json'], repo);
    expect(started.code).toBe(0);
    const { runId, pid } = JSON.parse(started.stdout) as { runId: string; pid: number };
    await expect.poll(() => processesWith(marker).length > 0, { timeout: 90_000, interval: 100 }).toBe(true);

    // One writer per run: a resume while the run is live is refused at once, naming the holder.
    const t0 = Date.now();
    const refused = await cli(['resume', runId], repo);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      new RegExp(`^error: ${runId} is in use by process ${pid} on .+ \\(run, since .+\\)\\n  hint: wait for it to finish, or stop it with: codex-orchestrator stop ${runId}\\n$`),
    );
    expect(Date.now() - t0).toBeLessThan(5_000);

    const stopped = await cli(['stop', runId, '--json'], repo);
    expect(stopped.code).toBe(0);
    expect(JSON.parse(stopped.stdout)).toEqual({ runId, stopped: true, status: 'stopped' });
    // The status is said once, not repeated as its own reason.
    expect(stopped.stderr).toBe(`asked process ${pid} to stop run ${runId}…\nrun ${runId} stopped; continue it with: codex-orchestrator resume ${runId}\n`);
    expect(isAlive(pid)).toBe(false);
    expect(processesWith(marker)).toEqual([]);
    const run = onlyRun(repo);
    expect(run.manifest().status).toBe('stopped');
    expect(task(run.manifest(), 'slow').status).toBe('cancelled');

    const again = await cli(['stop', runId], repo);
    expect(again.code).toBe(0);
    expect(again.stderr.trim()).toBe(`run ${runId} is not running (stopped); nothing to stop; continue it with: codex-orchestrator resume ${runId}`);

    writeFileSync(gate, '');
    // Resumed in the background: it must keep working after the command returned.
    const resumed = await cli(['resume', 'latest', '--detach', '--json'], repo);
    expect(resumed.code).toBe(0);
    const child = (JSON.parse(resumed.stdout) as { pid: number }).pid;
    expect(run.manifest().process.pid).toBe(child);
    await expect.poll(() => run.manifest().status, { timeout: 90_000, interval: 100 }).toBe('succeeded');
    const polled = await cli(['poll', runId, '--json'], repo);
    const doc = JSON.parse(polled.stdout) as { status: string; tasks: { id: string; status: string; attempts: number }[] };
    expect(doc.status).toBe('succeeded');
    expect(doc.tasks.map((t) => [t.id, t.status, t.attempts])).toEqual([
      ['quick', 'succeeded', 1],
      ['slow', 'succeeded', 2],
      ['after', 'succeeded', 1],
    ]);
    const slow = task(run.manifest(), 'slow');
    expect(slow.attempts.map((a) => a.status)).toEqual(['cancelled', 'succeeded']);
    // The stopped turn's thread goes on (thread/resume), from the work that attempt committed.
    const thread = slow.attempts[0]?.threadId as string;
    expect(thread).toMatch(/\S/);
    expect(slow.attempts[1]).toMatchObject({ threadId: thread, followUp: { from: 'resume', commit: expect.stringMatching(/^[0-9a-f]{40}$/) } });
    expect(readFileSync(path.join(run.dir, 'runner.log'), 'utf8')).toContain(`task slow: attempt 1 was stopped; the next attempt continues Codex thread ${thread} from its work`);
    expect(run.manifest().resumes?.map((r) => r.from)).toEqual(['stopped']);
  });
  it('kill -9 during a follow-up: resume keeps its partial work and sends the follow-up again on the same thread', async () => {
    const gate = path.join(tempDir(), 'go');
    const marker = `follow-up-marker-${process.pid}-${Date.now()}`;
    const { repo } = repoWithGraph(`
tasks:
  - id: make
    role: builder
    prompt: "\`\`\`sh\\necho v1 > out.txt\\n\`\`\`"
`);
    const first = await cli(['run', 'graph.yaml', '--json', '--agents', 'off'], repo);
    expect(first.code).toBe(0);
    const run = onlyRun(repo);
    const thread = task(run.manifest(), 'make').threadId;
    expect(thread).toBeDefined();

    // The follow-up runs in the folder of the attempt that started the thread; it is killed half-way.
    const followUp = `Now v2.\n\n\`\`\`sh\nbash -c 'echo started > partial.txt; until [ -f ${gate} ]; do sleep 0.1; done; echo v2 > out.txt # ${marker}'\n\`\`\``;
    const { child, done } = startCli(['send', run.id, '--task', 'make', followUp], repo);
    // (The marker is in `send`'s own arguments too: wait for the file instead.)
    await expect.poll(() => existsSync(path.join(worktreesOf(run.dir), 'make/partial.txt')), { timeout: 90_000, interval: 100 }).toBe(true);
    child.kill('SIGKILL');
    await done;
    writeFileSync(gate, '');

    const resumed = await cli(['resume', run.id], repo);
    expect(resumed.code).toBe(0);
    const ref = `codex-orchestrator/interrupted/${run.id}/make/attempt-2`;
    expect(resumed.stderr).toContain(`attempt 2 interrupted; its uncommitted work is kept on ${ref}; the next attempt sends its follow-up again on Codex thread ${thread}`);
    expect(git(repo, 'show', `${ref}:partial.txt`)).toBe('started');
    // The follow-up was not lost: it went to the same thread again, and its work is the result.
    const make = task(run.manifest(), 'make');
    expect(make.attempts.map((a) => [a.n, a.status, a.followUp?.from ?? null, a.threadId ?? null])).toEqual([
      [1, 'succeeded', null, thread],
      // The attempt knows its thread from the moment Codex opened (here: continued) it.
      [2, 'interrupted', 'send', thread],
      [3, 'succeeded', 'send', thread],
    ]);
    expect(make.followUp).toBeUndefined();
    expect(git(repo, 'show', `codex-orchestrator/${run.id}:out.txt`)).toBe('v2');
    expect(processesWith(marker)).toEqual([]);
  });
});
