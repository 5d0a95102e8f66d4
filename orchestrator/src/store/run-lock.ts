import { readFileSync, rmSync } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { randomHex } from '../core/ids.js';
import { isAlive, processStartTime } from '../core/process-tree.js';
import { err, ok, type Result } from '../core/result.js';

/**
 * One writer per run: whoever changes a run's records (the orchestrator running it, `resume`,
 * `approve`, `reject`, `send`) holds `<run>/run.lock/`, a folder whose `owner.json` names the
 * holder and carries a random token.
 *
 *   take:     write `run.lock.<token>.new/owner.json`, then rename that folder to `run.lock`
 *             (atomic; it fails while a `run.lock` with an owner is there), so the lock never
 *             exists without its owner and nothing is written into it afterwards
 *   hold:     every RUN_LOCK_REFRESH_MS, check that `run.lock/owner.json` still carries our
 *             token, and touch the folder (its mtime is the lock's age for other hosts)
 *   lose:     the token is gone or another's (the folder was removed or replaced): the lock is
 *             compromised; `onCompromised` fires once and the holder must stop writing (fencing)
 *   release:  move the folder aside, and remove it if it is still ours
 *
 * Who may take a held lock: nobody while its holder lives. A holder of this host is judged by its
 * pid and the process's start time (a reused pid is another process), never by the lock's age, so
 * a live holder whose refresh comes late under load keeps its lock; a dead one's lock is taken
 * over at once. Only a lock of another host, or one without a usable owner, is judged by its age:
 * not refreshed for RUN_LOCK_STALE_MS, ten refresh intervals, it is stale.
 */

/** A lock of another host (or without a usable owner) not refreshed for this long is stale. */
export const RUN_LOCK_STALE_MS = 10_000;

/** How often a held lock is checked and refreshed; a tenth of the stale time, so a late timer does not matter. */
export const RUN_LOCK_REFRESH_MS = 1_000;

export interface LockOwner {
  readonly pid: number;
  readonly hostname: string;
  /** What holds it: `run`, `resume`, `approve`, `reject`, `send` or `retry` (older locks: `run`); the refusal's hint depends on it. */
  readonly purpose: string;
  readonly since: string;
  /** Tells this holding from any other (also a later one by the same process). */
  readonly token?: string;
  /** The holder's start time (`processStartTime`), so that a reused pid is not taken for it. */
  readonly startTime?: number;
}

export type LockFailure = { readonly reason: 'run-locked'; readonly runDir: string; readonly owner: LockOwner | undefined };

/** Why a held lock is no longer ours. */
export interface LockLoss {
  /** The lock folder. */
  readonly lockDir: string;
  /** Who holds it now, if anyone does. */
  readonly owner: LockOwner | undefined;
}

export interface RunLock {
  /** Idempotent. Leaves a lock that is no longer ours alone. */
  release(): Promise<void>;
  /** Set once the lock was lost: from then on the holder must not write the run. */
  readonly compromised: LockLoss | undefined;
  /** Called once when the lock is lost (at once if it already is). */
  onLost(listener: (loss: LockLoss) => void): void;
  /**
   * Checks now (synchronously) that the lock is still ours; a loss found here is reported as by the
   * refresh. For a writer to call before it writes.
   */
  verify(): LockLoss | undefined;
}

export function runLockPath(runDir: string): string {
  return path.join(runDir, 'run.lock');
}

function ownerPath(lockDir: string): string {
  return path.join(lockDir, 'owner.json');
}

/** Locks this process holds, removed when it exits without releasing them. */
const held = new Map<string, string>();
let exitHook = false;

export async function acquireRunLock(runDir: string, purpose: string): Promise<Result<RunLock, LockFailure>> {
  const lockDir = runLockPath(runDir);
  const token = randomHex(12);
  const startTime = processStartTime(process.pid);
  const owner: LockOwner = { pid: process.pid, hostname: hostname(), purpose, since: new Date().toISOString(), token, ...(startTime === undefined ? {} : { startTime }) };
  const fresh = `${lockDir}.${token}.new`;
  await mkdir(fresh);
  await writeFile(ownerPath(fresh), `${JSON.stringify(owner)}\n`);
  try {
    // A few rounds: a takeover can meet another process taking over too.
    for (let round = 0; ; round++) {
      if (await renameIfFree(fresh, lockDir)) break;
      const holder = await readOwner(lockDir);
      if (round >= 3 || !(await takeable(lockDir, holder))) return err({ reason: 'run-locked', runDir, owner: holder });
      await removeIfStill(lockDir, holder?.token);
    }
  } finally {
    await rm(fresh, { recursive: true, force: true });
  }
  return ok(holdLock(lockDir, token));
}

/** Renames `from` to `to` unless `to` is a lock folder with contents (rename replaces only an empty folder). */
async function renameIfFree(from: string, to: string): Promise<boolean> {
  try {
    await rename(from, to);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOTEMPTY' || code === 'EEXIST') return false;
    throw e;
  }
}

/** Whether a lock held by `holder` (as read from it) may be taken: its holder is gone, or it is stale. */
async function takeable(lockDir: string, holder: LockOwner | undefined): Promise<boolean> {
  if (holder && holder.hostname === hostname()) return !sameProcessAlive(holder);
  try {
    return (await stat(lockDir)).mtimeMs < Date.now() - RUN_LOCK_STALE_MS;
  } catch {
    // Gone meanwhile: the next round takes it.
    return true;
  }
}

function sameProcessAlive(o: LockOwner): boolean {
  if (o.pid === process.pid) return true;
  if (!isAlive(o.pid)) return false;
  return o.startTime === undefined || processStartTime(o.pid) === undefined || processStartTime(o.pid) === o.startTime;
}

/**
 * Removes the lock folder if it is still the one of `token` (as read from it): it is moved aside first
 * (atomic), and put back when what was moved turns out to be another's (one who took it over in
 * between).
 */
async function removeIfStill(lockDir: string, token: string | undefined): Promise<void> {
  const aside = `${lockDir}.${randomHex(12)}.old`;
  try {
    await rename(lockDir, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  const moved = await readOwner(aside);
  if (moved !== undefined && moved.token !== token && (await renameIfFree(aside, lockDir))) return;
  await rm(aside, { recursive: true, force: true });
}

function holdLock(lockDir: string, token: string): RunLock {
  held.set(token, lockDir);
  if (!exitHook) {
    exitHook = true;
    // A process that exits without releasing (an uncaught error) leaves no lock behind.
    process.once('exit', () => {
      for (const [t, dir] of held) if (readOwnerSync(dir)?.token === t) rmSync(dir, { recursive: true, force: true });
    });
  }
  let compromised: LockLoss | undefined;
  const listeners: ((loss: LockLoss) => void)[] = [];
  let released = false;
  let lastVerified = Date.now();
  const lose = (owner: LockOwner | undefined): LockLoss => {
    if (!compromised) {
      compromised = { lockDir, owner };
      clearInterval(timer);
      held.delete(token);
      for (const listener of listeners) listener(compromised);
    }
    return compromised;
  };
  let refreshing = false;
  const refresh = async (): Promise<void> => {
    if (refreshing || compromised || released) return;
    refreshing = true;
    try {
      let owner: LockOwner | undefined;
      try {
        owner = parseOwner(await readFile(ownerPath(lockDir), 'utf8'));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
          // Could not look (too many open files, …): try again, but not for longer than the stale time.
          if (Date.now() - lastVerified > RUN_LOCK_STALE_MS) lose(undefined);
          return;
        }
      }
      if (released) return;
      if (owner?.token !== token) {
        lose(owner);
        return;
      }
      lastVerified = Date.now();
      const now = new Date();
      await utimes(lockDir, now, now).catch(() => undefined);
    } finally {
      refreshing = false;
    }
  };
  const timer = setInterval(() => void refresh(), RUN_LOCK_REFRESH_MS);
  timer.unref();
  return {
    get compromised() {
      return compromised;
    },
    onLost(listener) {
      if (compromised) listener(compromised);
      else listeners.push(listener);
    },
    verify() {
      if (compromised || released) return compromised;
      const owner = readOwnerSync(lockDir);
      if (owner?.token !== token) return lose(owner);
      lastVerified = Date.now();
      return undefined;
    },
    async release() {
      if (released) return;
      released = true;
      clearInterval(timer);
      held.delete(token);
      if (compromised) return;
      await removeIfStill(lockDir, token);
    },
  };
}

/** Who holds the run's lock, if anyone (the holder may have been killed since: check `isAlive`). */
export function readRunLockOwner(runDir: string): Promise<LockOwner | undefined> {
  return readOwner(runLockPath(runDir));
}

async function readOwner(lockDir: string): Promise<LockOwner | undefined> {
  try {
    return parseOwner(await readFile(ownerPath(lockDir), 'utf8'));
  } catch {
    return undefined;
  }
}

function readOwnerSync(lockDir: string): LockOwner | undefined {
  try {
    return parseOwner(readFileSync(ownerPath(lockDir), 'utf8'));
  } catch {
    return undefined;
  }
}

function parseOwner(text: string): LockOwner | undefined {
  let raw: Partial<LockOwner>;
  try {
    raw = JSON.parse(text) as Partial<LockOwner>;
  } catch {
    return undefined;
  }
  if (typeof raw.pid !== 'number' || typeof raw.hostname !== 'string') return undefined;
  return {
    pid: raw.pid,
    hostname: raw.hostname,
    purpose: String(raw.purpose ?? 'run'),
    since: String(raw.since ?? ''),
    ...(typeof raw.token === 'string' ? { token: raw.token } : {}),
    ...(typeof raw.startTime === 'number' ? { startTime: raw.startTime } : {}),
  };
}

export function renderLockFailure(f: LockFailure): string {
  const id = path.basename(f.runDir);
  const who = f.owner ? describeLockOwner(f.owner) : 'another process';
  return `error: ${id} is in use by ${who}\n  hint: ${lockHint(id, f.owner?.purpose)}`;
}

/** What to do about the holder: a short command (`approve`, `send`, …) ends by itself; a run can be stopped. */
function lockHint(runId: string, purpose: string | undefined): string {
  switch (purpose) {
    case 'approve':
    case 'reject':
    case 'send':
    case 'retry':
      return `${purpose === 'approve' ? 'an' : 'a'} \`${purpose}\` of this run is in progress: wait for it to finish, then try again`;
    default:
      return `wait for it to finish, or stop it with: codex-orchestrator stop ${runId}`;
  }
}

/** Who holds a lock, for messages. */
export function describeLockOwner(o: LockOwner): string {
  return `process ${o.pid} on ${o.hostname} (${o.purpose}, since ${o.since})`;
}
