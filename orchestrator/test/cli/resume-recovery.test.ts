import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isAlive, processesHolding } from '../../src/core/process-tree.js';
import type { Manifest } from '../../src/store/manifest.js';
import { shellTask } from '../helpers/busy-run.js';
import { editEventLog } from '../helpers/manifests.js';
import { cli } from '../helpers/cli.js';
import { processesWith } from '../helpers/processes.js';
import { repoWithGraph, runGraph, task, worktreesOf } from '../helpers/run.js';
import { git, tempDir } from '../helpers/temp.js';

// Resume finishes whatever the last session left undone, and recovers from what a kill -9 leaves
// behind in git, instead of wedging the run.

const ended: ChildProcess[] = [];
afterEach(() => {
  for (const child of ended.splice(0)) if (child.pid && isAlive(child.pid)) child.kill('SIGKILL');
});

function readManifest(runDir: string): Manifest {
  return JSON.parse(readFileSync(path.join(runDir, 'manifest.json'), 'utf8')) as Manifest;
}

/** A pid that is certainly not alive: a process that has ended. */
function deadPid(): number {
  const done = spawnSync('true');
  return done.pid as number;
}

const LAYERED = `settings:\n  concurrency: { builder: 2, tester: 1 }\ntasks:\n${shellTask('a', 'echo a > a.txt')}${shellTask('b', 'echo b > b.txt', ['a'])}${shellTask('c', 'echo c > c.txt')}`;

describe('resume finishes a run its last session left unfinished', () => {
  it('killed after its last task but before its final status: resume integrates, records the end, seals, and runs nothing again', { timeout: 120_000 }, async () => {
    const { repo, graph, runsDir } = repoWithGraph(LAYERED);
    const { manifest: done, runDir } = await runGraph(graph, runsDir, { env: { CODEX_ORCHESTRATOR_KEYS_DIR: path.join(repo, '..', 'keys') } });
    expect(done.status).toBe('succeeded');
    const tree = git(repo, 'rev-parse', `${done.integration?.branch}^{tree}`);
    // What the kill leaves: every task finished, the run still `running`, no integration branch, no seal.
    const m = readManifest(runDir);
    m.status = 'running';
    delete m.finishedAt;
    delete m.durationMs;
    delete m.integration;
    m.process = { ...m.process, pid: deadPid() };
    m.heartbeatAt = new Date(Date.now() - 60_000).toISOString();
    writeFileSync(path.join(runDir, 'manifest.json'), JSON.stringify(m, null, 2));
    // The log as the kill left it: no integration, no end; the process that wrote it is gone.
    editEventLog(runDir, (events) =>
      events.filter((e) => e.kind !== 'integration-built' && e.kind !== 'run-finished').map((e) => (e.kind === 'snapshot' ? { ...e, manifest: { ...e.manifest, process: m.process } } : e)),
    );
    git(repo, 'branch', '-D', done.integration?.branch as string);
    rmSync(path.join(runDir, 'seal.dsse.json'));
    const env = { CODEX_ORCHESTRATOR_KEYS_DIR: path.join(repo, '..', 'keys') };

    const polled = await cli(['poll', m.runId], repo, env);
    expect(polled.stdout).toContain(`run ${m.runId}  DIED`);
    const resumed = await cli(['resume', m.runId], repo, env);
    expect(resumed.code, resumed.stderr).toBe(0);
    const after = readManifest(runDir);
    expect(after.status).toBe('succeeded');
    expect(after.finishedAt).toBeDefined();
    expect(after.tasks.map((t) => [t.id, t.status, t.attempts.length])).toEqual(done.tasks.map((t) => [t.id, t.status, t.attempts.length]));
    expect(git(repo, 'rev-parse', `${after.integration?.branch}^{tree}`)).toBe(tree);
    expect(readFileSync(path.join(runDir, 'runner.log'), 'utf8')).toContain('no task to run; finishing what the last session left undone (integration, final status, seal)');
    const verified = await cli(['verify', m.runId], repo, env);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    expect(existsSync(worktreesOf(runDir))).toBe(false);
  });

  it('killed after its final manifest but before its seal: resume seals it', { timeout: 120_000 }, async () => {
    const { repo, graph, runsDir } = repoWithGraph(LAYERED);
    const env = { CODEX_ORCHESTRATOR_KEYS_DIR: path.join(repo, '..', 'keys') };
    const { manifest: done, runDir } = await runGraph(graph, runsDir, { env });
    rmSync(path.join(runDir, 'seal.dsse.json'));
    expect((await cli(['verify', done.runId], repo, env)).code).not.toBe(0);
    const resumed = await cli(['resume', done.runId], repo, env);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(`run ${done.runId} has already finished (succeeded); nothing to resume`);
    const verified = await cli(['verify', done.runId], repo, env);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
  });
});

/** `slow` waits for a file, so the run can be killed while it works; `after` needs it. */
function waitingGraph(gate: string, marker: string): string {
  return `tasks:
${shellTask('slow', `bash -c 'echo started > partial.txt; until [ -f ${gate} ]; do sleep 0.1; done; echo ${marker} > slow.txt'`)}${shellTask('after', 'cat slow.txt > after.txt', ['slow'])}`;
}

/** Starts a detached run, waits until `slow` works, then kills the run's whole process group. */
async function killedMidTask(): Promise<{ repo: string; runId: string; runDir: string; gate: string; marker: string }> {
  const gate = path.join(tempDir(), 'go');
  const marker = `git-lock-marker-${process.pid}-${Date.now()}`;
  const { repo, runsDir } = repoWithGraph(waitingGraph(gate, marker));
  const started = await cli(['run', 'graph.yaml', '--detach', '--json'], repo);
  expect(started.code, started.stderr).toBe(0);
  const { runId, pid } = JSON.parse(started.stdout) as { runId: string; pid: number };
  const runDir = path.join(runsDir, runId);
  try {
    await expect.poll(() => processesWith(marker).length > 0, { timeout: 60_000, interval: 100 }).toBe(true);
    await expect.poll(() => existsSync(path.join(worktreesOf(runDir), 'slow', 'partial.txt')), { timeout: 60_000, interval: 50 }).toBe(true);
  } finally {
    process.kill(-pid, 'SIGKILL');
  }
  await expect.poll(() => isAlive(pid), { timeout: 10_000, interval: 20 }).toBe(false);
  return { repo, runId, runDir, gate, marker };
}

/** The admin folder git keeps for one of the run's worktrees (`.git/worktrees/<name>`). */
function adminDirOf(repo: string, worktree: string): string {
  const admin = path.join(repo, '.git', 'worktrees');
  const name = readdirSync(admin).find((n) => readFileSync(path.join(admin, n, 'gitdir'), 'utf8').trim() === path.join(worktree, '.git'));
  expect(name, `no admin folder for ${worktree}`).toBeDefined();
  return path.join(admin, name as string);
}

describe('resume after kill -9 recovers from stale git locks', () => {
  it('a git command killed mid-way left index.lock and branch locks: resume removes them, keeps the partial work, and completes', { timeout: 180_000 }, async () => {
    const { repo, runId, runDir, gate, marker } = await killedMidTask();
    try {
      const admin = adminDirOf(repo, path.join(worktreesOf(runDir), 'slow'));
      const planted = [path.join(admin, 'index.lock'), path.join(repo, '.git', 'refs', 'heads', 'codex-orchestrator', 'tasks', runId, 'slow.lock')];
      for (const file of planted) writeFileSync(file, '');
      // The user's own index lock is theirs: never removed.
      const users = path.join(repo, '.git', 'index.lock');
      writeFileSync(users, '');
      writeFileSync(gate, '');
      const resumed = await cli(['resume', runId], repo);
      rmSync(users);
      expect(resumed.code, resumed.stderr).toBe(0);
      for (const file of planted) expect(resumed.stderr).toContain(`removed git's lock ${file}, left by the session that ended`);
      const m = readManifest(runDir);
      expect(m.status).toBe('succeeded');
      expect(task(m, 'slow').attempts.map((a) => a.status)).toEqual(['interrupted', 'succeeded']);
      expect(git(repo, 'show', `codex-orchestrator/interrupted/${runId}/slow/attempt-1:partial.txt`)).toBe('started');
      expect(git(repo, 'show', `${m.integration?.branch}:after.txt`)).toBe(marker);
    } finally {
      writeFileSync(gate, '');
      for (const pid of processesWith(marker)) process.kill(pid, 'SIGKILL');
    }
  });

  it('a lock some live process holds is left alone: resume says who holds it (exit 1, no stack trace), and resumes once it is free', { timeout: 180_000 }, async () => {
    const { repo, runId, runDir, gate, marker } = await killedMidTask();
    try {
      const lock = path.join(adminDirOf(repo, path.join(worktreesOf(runDir), 'slow')), 'index.lock');
      const holder = spawn('bash', ['-c', `exec 3>>"${lock}"; exec sleep 120`], { cwd: tempDir(), stdio: 'ignore' });
      ended.push(holder);
      await expect.poll(() => processesHolding(lock).includes(holder.pid as number), { timeout: 10_000, interval: 20 }).toBe(true);
      const refused = await cli(['resume', runId], repo);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(
        `error: git's lock ${lock} is held by process ${holder.pid}, so the run's worktrees cannot be used yet\n  hint: wait for that git command to end (or end it), then resume again`,
      );
      expect(refused.stderr).not.toMatch(/internal error|\n\s+at /);
      expect(existsSync(lock)).toBe(true);
      holder.kill('SIGKILL');
      await expect.poll(() => isAlive(holder.pid as number), { timeout: 10_000, interval: 20 }).toBe(false);
      writeFileSync(gate, '');
      const resumed = await cli(['resume', runId], repo);
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(readManifest(runDir).status).toBe('succeeded');
    } finally {
      writeFileSync(gate, '');
      for (const pid of processesWith(marker)) process.kill(pid, 'SIGKILL');
    }
  });
});
