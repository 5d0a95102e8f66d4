import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { acquireRunLock, renderLockFailure, runLockPath } from '../../src/store/run-lock.js';
import { tempDir } from '../helpers/temp.js';

const lockModule = pathToFileURL(path.resolve('dist/orchestrator/src/store/run-lock.js')).href;

/** A separate process that takes the run lock, says so, and then waits to be killed. */
function holder(runDir: string): Promise<{ pid: number; kill: () => void }> {
  const child = spawn(
    process.execPath,
    ['--input-type=module', '-e', `const { acquireRunLock } = await import(${JSON.stringify(lockModule)}); const r = await acquireRunLock(${JSON.stringify(runDir)}, 'test'); console.log(r.ok ? 'held' : 'refused'); setInterval(() => {}, 1000);`],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    child.stdout.once('data', (d: Buffer) => (String(d).includes('held') ? resolve({ pid: child.pid as number, kill: () => child.kill('SIGKILL') }) : reject(new Error(String(d)))));
    child.once('exit', (code) => reject(new Error(`holder exited ${code}`)));
  });
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
});
