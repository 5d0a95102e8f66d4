import { readdir, lstat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { isRunId } from '../core/ids.js';

/**
 * An atomic write (`atomic.ts`) writes `<name>.<n>` (n: a random 32-bit number, in decimal) and
 * renames it over `<name>`; a process killed in between leaves the temp file behind. These sweeps remove such
 * leftovers, and only files of that exact shape next to the files the store itself replaces
 * atomically, so nothing a person put there is ever touched. Links are never followed.
 */

/** The files the store replaces atomically, by folder (a pattern for the inbox's request and reply files). */
export const ATOMIC_FILES = {
  runsDir: ['index.json'],
  runDir: ['manifest.json', 'graph.yaml'],
  taskDir: ['checks.json', 'diff.patch', 'verdict.json'],
  inbox: [/^[0-9a-z-]{8,64}\.(?:request|reply)\.json$/],
} as const;

type Targets = readonly (string | RegExp)[];

/** A temp file older than this is abandoned: a write takes milliseconds. */
export const ABANDONED_TEMP_MS = 60_000;

export function isAtomicTemp(name: string, targets: Targets): boolean {
  const m = /^(.+)\.(\d{1,10})$/.exec(name);
  const target = m?.[1];
  return target !== undefined && targets.some((t) => (typeof t === 'string' ? t === target : t.test(target)));
}

/** Removes temp files of `targets` in `dir` (not below it) last changed at least `minAgeMs` ago. */
export async function sweepAtomicTemps(dir: string, targets: Targets, minAgeMs = 0, now = Date.now()): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await namesIn(dir)) {
    if (!isAtomicTemp(name, targets)) continue;
    const file = path.join(dir, name);
    try {
      const stat = await lstat(file);
      if (!stat.isFile() || (minAgeMs > 0 && now - stat.mtimeMs < minAgeMs)) continue;
      await unlink(file);
      removed.push(file);
    } catch {
      // Gone already (its writer finished after all): nothing to sweep.
    }
  }
  return removed;
}

/** Sweeps a run folder: its own files, its inbox's, its tasks' and their earlier attempts'. */
export async function sweepRunTemps(runDir: string, minAgeMs = 0, now = Date.now()): Promise<string[]> {
  const removed = await sweepAtomicTemps(runDir, ATOMIC_FILES.runDir, minAgeMs, now);
  removed.push(...(await sweepAtomicTemps(path.join(runDir, 'inbox'), ATOMIC_FILES.inbox, minAgeMs, now)));
  const tasksDir = path.join(runDir, 'tasks');
  for (const task of await dirsIn(tasksDir)) {
    const taskDir = path.join(tasksDir, task);
    removed.push(...(await sweepAtomicTemps(taskDir, ATOMIC_FILES.taskDir, minAgeMs, now)));
    for (const attempt of (await dirsIn(taskDir)).filter((n) => /^attempt-\d+$/.test(n))) {
      removed.push(...(await sweepAtomicTemps(path.join(taskDir, attempt), ATOMIC_FILES.taskDir, minAgeMs, now)));
    }
  }
  return removed;
}

/**
 * Sweeps the run folders under `runsDir` of temp files older than ABANDONED_TEMP_MS: old enough
 * that no writer (another run working at the same time) can still be using them. Runs in `settled`
 * (the index says they finished; their writes are all done) are not looked into, so a start stays
 * quick with many runs.
 */
export async function sweepAbandonedTemps(runsDir: string, settled: ReadonlySet<string> = new Set(), now = Date.now()): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await dirsIn(runsDir)) {
    if (isRunId(name) && !settled.has(name)) removed.push(...(await sweepRunTemps(path.join(runsDir, name), ABANDONED_TEMP_MS, now)));
  }
  return removed;
}

async function namesIn(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}

/** Real folders in `dir` (links to folders are left alone). */
async function dirsIn(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return [];
  }
}
