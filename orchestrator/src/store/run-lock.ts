import fs from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { isAlive } from '../core/process-tree.js';
import { err, ok, type Result } from '../core/result.js';

/**
 * One writer per run: whoever changes a run's manifest (the orchestrator running it, `resume`,
 * `approve`, `reject`) holds `<run>/run.lock` (a `proper-lockfile` directory whose mtime is
 * refreshed while held). Inside it, `owner.json` names the holder, so a second writer can say who
 * holds the run, and a lock left by a dead process on this host is taken over at once instead of
 * after the stale time.
 */

/**
 * proper-lockfile removes a lock folder with `rmdir`, which fails while our `owner.json` is in it
 * (so a stale lock could never be taken over, nor a held one released on exit): it gets a file
 * system whose `rmdir` removes the folder with its contents.
 */
const LOCK_FS = {
  ...fs,
  rmdir: (dir: string, callback: (error: NodeJS.ErrnoException | null) => void) => fs.rm(dir, { recursive: true, force: true }, callback),
  rmdirSync: (dir: string) => fs.rmSync(dir, { recursive: true, force: true }),
};

/** A held lock is refreshed every STALE/2; one not refreshed for this long is stale. */
export const RUN_LOCK_STALE_MS = 10_000;

export interface LockOwner {
  readonly pid: number;
  readonly hostname: string;
  /** What holds it: `run`, `resume`, `approve`, … */
  readonly purpose: string;
  readonly since: string;
}

export type LockFailure = { readonly reason: 'run-locked'; readonly runDir: string; readonly owner: LockOwner | undefined };

export interface RunLock {
  /** Idempotent. */
  release(): Promise<void>;
  /** Set when the lock was lost (its refresh failed for longer than the stale time). */
  readonly compromised: Error | undefined;
}

export function runLockPath(runDir: string): string {
  return path.join(runDir, 'run.lock');
}

export async function acquireRunLock(
  runDir: string,
  purpose: string,
  onCompromised: (error: Error) => void = () => undefined,
): Promise<Result<RunLock, LockFailure>> {
  const lockfilePath = runLockPath(runDir);
  const attempt = () =>
    lockfile.lock(runDir, {
      lockfilePath,
      realpath: false,
      stale: RUN_LOCK_STALE_MS,
      retries: 0,
      fs: LOCK_FS,
      onCompromised: (e) => {
        state.compromised = e;
        onCompromised(e);
      },
    });
  const state: { compromised: Error | undefined } = { compromised: undefined };
  let release: () => Promise<void>;
  try {
    release = await attempt();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ELOCKED') throw e;
    const owner = await readOwner(lockfilePath);
    if (!owner || owner.hostname !== hostname() || isAlive(owner.pid) || owner.pid === process.pid) {
      return err({ reason: 'run-locked', runDir, owner });
    }
    // The holder died on this host: its lock is ours now.
    await rm(lockfilePath, { recursive: true, force: true });
    try {
      release = await attempt();
    } catch (again) {
      if ((again as NodeJS.ErrnoException).code !== 'ELOCKED') throw again;
      return err({ reason: 'run-locked', runDir, owner: await readOwner(lockfilePath) });
    }
  }
  const owner: LockOwner = { pid: process.pid, hostname: hostname(), purpose, since: new Date().toISOString() };
  await writeFile(path.join(lockfilePath, 'owner.json'), `${JSON.stringify(owner)}\n`);
  let released = false;
  return ok({
    get compromised() {
      return state.compromised;
    },
    async release() {
      if (released) return;
      released = true;
      await rm(path.join(lockfilePath, 'owner.json'), { force: true });
      await release().catch(() => rm(lockfilePath, { recursive: true, force: true }));
    },
  });
}

/** Who holds the run's lock, if anyone (the owner file may outlive a killed holder: check `isAlive`). */
export function readRunLockOwner(runDir: string): Promise<LockOwner | undefined> {
  return readOwner(runLockPath(runDir));
}

async function readOwner(lockfilePath: string): Promise<LockOwner | undefined> {
  try {
    const raw = JSON.parse(await readFile(path.join(lockfilePath, 'owner.json'), 'utf8')) as Partial<LockOwner>;
    if (typeof raw.pid !== 'number' || typeof raw.hostname !== 'string') return undefined;
    return { pid: raw.pid, hostname: raw.hostname, purpose: String(raw.purpose ?? 'run'), since: String(raw.since ?? '') };
  } catch {
    return undefined;
  }
}

export function renderLockFailure(f: LockFailure): string {
  const who = f.owner ? `process ${f.owner.pid} on ${f.owner.hostname} (${f.owner.purpose}, since ${f.owner.since})` : 'another process';
  return `error: ${path.basename(f.runDir)} is in use by ${who}\n  hint: wait for it to finish, or stop it with: codex-orchestrator stop ${path.basename(f.runDir)}`;
}
