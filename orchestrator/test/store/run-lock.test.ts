import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { processStartTime } from '../../src/core/process-tree.js';
import { RunLayout } from '../../src/store/layout.js';
import { acquireRunLock, renderLockFailure, RUN_LOCK_STALE_MS, runLockPath } from '../../src/store/run-lock.js';
import { RunWriter } from '../../src/store/run-writer.js';
import { renderStoreFailure, type StoreFailure } from '../../src/store/store-failure.js';
import { cpuHogs } from '../helpers/cpu-hog.js';
import { FIXTURE_RUN_ID, manifestFixture } from '../helpers/manifests.js';
import { tempDir } from '../helpers/temp.js';

const lockModule = pathToFileURL(path.resolve('dist/orchestrator/src/store/run-lock.js')).href;

/** A separate process that takes the run lock, says so, and then waits to be killed. */
function holder(runDir: string): Promise<{ pid: number; kill: () => void; output: () => string }> {
  return holderRunning(runDir, 'setInterval(() => {}, 1000);');
}

/**
 * A holder whose event loop is busy: it blocks for 1.5 s at a time (longer than the refresh
 * interval), as a loaded orchestrator's timers run late. It prints `lost` if its lock is lost.
 */
function busyHolder(runDir: string): Promise<{ pid: number; kill: () => void; output: () => string }> {
  return holderRunning(runDir, 'const spin = () => { const t = Date.now(); while (Date.now() - t < 1500) {} setTimeout(spin, 5); }; spin();');
}

function holderRunning(runDir: string, then: string): Promise<{ pid: number; kill: () => void; output: () => string }> {
  const child = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `const { acquireRunLock } = await import(${JSON.stringify(lockModule)}); const r = await acquireRunLock(${JSON.stringify(runDir)}, 'test'); if (r.ok) r.value.onLost?.(() => console.log('lost')); console.log(r.ok ? 'held' : 'refused'); ${then}`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += String(d)));
  const kill = (): void => void child.kill('SIGKILL');
  return new Promise((resolve, reject) => {
    child.stdout.once('data', (d: Buffer) => (String(d).includes('held') ? resolve({ pid: child.pid as number, kill, output: () => output }) : reject(new Error(String(d)))));
    child.once('exit', (code) => reject(new Error(`holder exited ${code}`)));
  });
}

function ownerPid(runDir: string): number | undefined {
  try {
    return (JSON.parse(readFileSync(path.join(runLockPath(runDir), 'owner.json'), 'utf8')) as { pid: number }).pid;
  } catch {
    return undefined;
  }
}

describe('run lock', () => {
  it('refuses a second writer and names the holder', async () => {
    const runDir = tempDir();
    const first = await acquireRunLock(runDir, 'run');
    expect(first.ok).toBe(true);
    const second = await acquireRunLock(runDir, 'approve');
    expect(second.ok).toBe(false);
    if (second.ok) return;
    expect(second.error.owner?.pid).toBe(process.pid);
    expect(renderLockFailure(second.error)).toMatch(new RegExp(`^error: ${path.basename(runDir)} is in use by process ${process.pid} on .+ \\(run, since .+\\)\\n  hint: `));
    if (first.ok) await first.value.release();
    expect(existsSync(runLockPath(runDir))).toBe(false);
    const third = await acquireRunLock(runDir, 'approve');
    expect(third.ok).toBe(true);
    if (third.ok) await third.value.release();
  });

  it('is refused while another live process holds it, and taken over at once when that process dies', async () => {
    const runDir = tempDir();
    mkdirSync(runDir, { recursive: true });
    const other = await holder(runDir);
    try {
      expect(JSON.parse(readFileSync(path.join(runLockPath(runDir), 'owner.json'), 'utf8')).pid).toBe(other.pid);
      const refused = await acquireRunLock(runDir, 'run');
      expect(refused.ok).toBe(false);
    } finally {
      other.kill();
    }
    await new Promise((r) => setTimeout(r, 200));
    const taken = await acquireRunLock(runDir, 'resume');
    expect(taken.ok).toBe(true);
    if (taken.ok) await taken.value.release();
  });

  it('holds for three times the stale time while its holder is busy under CPU load; a second writer is refused the whole time', { timeout: 120_000 }, async () => {
    const hogs = cpuHogs(2);
    const runDir = tempDir();
    let other: Awaited<ReturnType<typeof busyHolder>> | undefined;
    try {
      other = await busyHolder(runDir);
      const until = Date.now() + 3 * RUN_LOCK_STALE_MS;
      let tries = 0;
      const takenAt: number[] = [];
      const owners = new Set<number | undefined>();
      const since = Date.now();
      while (Date.now() < until) {
        const second = await acquireRunLock(runDir, 'resume');
        tries++;
        if (second.ok) {
          takenAt.push(Date.now() - since);
          await second.value.release();
        } else {
          owners.add(second.error.owner?.pid);
        }
        await sleep(250);
      }
      expect(tries).toBeGreaterThan(20);
      expect(takenAt).toEqual([]);
      expect([...owners]).toEqual([other.pid]);
      expect(ownerPid(runDir)).toBe(other.pid);
      expect(other.output()).toBe('held\n');
    } finally {
      other?.kill();
      hogs.stop();
    }
  });

  it('takes over a holder whose pid now names another process (another start time) at once', async () => {
    const runDir = tempDir();
    mkdirSync(runLockPath(runDir));
    const parent = process.ppid;
    const owner = { pid: parent, hostname: hostname(), purpose: 'run', since: new Date().toISOString(), token: 'x'.repeat(24) };
    writeFileSync(path.join(runLockPath(runDir), 'owner.json'), JSON.stringify({ ...owner, startTime: processStartTime(parent) }));
    const refused = await acquireRunLock(runDir, 'resume');
    expect(refused.ok).toBe(false);
    writeFileSync(path.join(runLockPath(runDir), 'owner.json'), JSON.stringify({ ...owner, startTime: (processStartTime(parent) ?? 0) + 1 }));
    const taken = await acquireRunLock(runDir, 'resume');
    expect(taken.ok).toBe(true);
    expect(ownerPid(runDir)).toBe(process.pid);
    if (taken.ok) await taken.value.release();
    expect(existsSync(runLockPath(runDir))).toBe(false);
  });
});

describe('a lost run lock (fencing)', () => {
  it('stops the writer: nothing more is written, the failure names the new holder, and release leaves its lock alone', async () => {
    const runsDir = tempDir('co-runs-');
    const runDir = path.join(runsDir, FIXTURE_RUN_ID);
    mkdirSync(runDir);
    const lock = await acquireRunLock(runDir, 'run');
    if (!lock.ok) throw new Error('could not take the lock');
    const created = await RunWriter.create(runsDir, runDir, manifestFixture(), 'graph source', { lock: lock.value });
    if (!created.ok) throw new Error('could not create the run');
    const writer = created.value;
    const failures: StoreFailure[] = [];
    writer.onStoreFailure((f) => failures.push(f));
    writer.apply({ kind: 'run-settled', status: 'running', message: 'before' });
    writer.log('before');
    await writer.flush();
    const manifest = readFileSync(RunLayout.manifest(runDir), 'utf8');
    const log = readFileSync(RunLayout.runnerLog(runDir), 'utf8');
    const events = readFileSync(path.join(runDir, 'events.ndjson'), 'utf8');

    // Another process takes the run: its lock, taken on a scratch folder, replaces ours in one
    // synchronous step, so our refresh cannot see the run unlocked in between.
    const scratch = path.join(runsDir, 'scratch');
    mkdirSync(scratch);
    const other = await holder(scratch);
    rmSync(runLockPath(runDir), { recursive: true });
    renameSync(runLockPath(scratch), runLockPath(runDir));
    try {
      writer.apply({ kind: 'run-settled', status: 'running', message: 'after' });
      writer.log('after');
      await writer.flush();
      await expect(writer.replaceFile(path.join(runDir, 'checks.json'), '{}')).rejects.toThrow('lost the run lock');
      expect(readFileSync(RunLayout.manifest(runDir), 'utf8')).toBe(manifest);
      expect(readFileSync(RunLayout.runnerLog(runDir), 'utf8')).toBe(log);
      expect(readFileSync(path.join(runDir, 'events.ndjson'), 'utf8')).toBe(events);
      expect(existsSync(path.join(runDir, 'checks.json'))).toBe(false);
      expect(failures).toHaveLength(1);
      const failure = failures[0] as StoreFailure;
      expect(failure).toEqual({ reason: 'lock-lost', file: runLockPath(runDir), holder: expect.stringMatching(new RegExp(`^process ${other.pid} on ${hostname()} \\(test, since .+\\)$`)) });
      expect(renderStoreFailure({ reason: 'lock-lost', file: runLockPath(runDir), holder: 'process 4242 on host-a (resume, since 2026-11-21T10:04:05.000Z)' }, FIXTURE_RUN_ID, true)).toBe(
        `error: this process lost the run lock ${runLockPath(runDir)} (process 4242 on host-a (resume, since 2026-11-21T10:04:05.000Z) holds it now) and stopped writing the run, so that the run keeps one writer\n` +
          `  hint: see what became of the run with: codex-orchestrator poll ${FIXTURE_RUN_ID}`,
      );
      await lock.value.release();
      expect(ownerPid(runDir)).toBe(other.pid);
    } finally {
      other.kill();
      writer.close();
    }
  });

  it('is noticed by the refresh without a write, and stops the writer', async () => {
    const runsDir = tempDir('co-runs-');
    const runDir = path.join(runsDir, FIXTURE_RUN_ID);
    mkdirSync(runDir);
    const lock = await acquireRunLock(runDir, 'run');
    if (!lock.ok) throw new Error('could not take the lock');
    const created = await RunWriter.create(runsDir, runDir, manifestFixture(), 'graph source', { lock: lock.value });
    if (!created.ok) throw new Error('could not create the run');
    const writer = created.value;
    const failures: StoreFailure[] = [];
    writer.onStoreFailure((f) => failures.push(f));
    rmSync(runLockPath(runDir), { recursive: true });
    await expect.poll(() => failures, { timeout: 10_000, interval: 20 }).toEqual([{ reason: 'lock-lost', file: runLockPath(runDir), holder: undefined }]);
    expect(lock.value.compromised).toEqual({ lockDir: runLockPath(runDir), owner: undefined });
    writer.close();
    await lock.value.release();
  });
});
