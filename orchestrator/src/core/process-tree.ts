import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';

/**
 * Finds and ends the processes a child left behind. Codex runs commands in their own sessions
 * (PTYs), so killing Codex's process group is not enough: we walk the process tree in /proc.
 * On systems without /proc these functions find nothing, and killing falls back to the group.
 */

interface ProcInfo {
  readonly pid: number;
  readonly ppid: number;
}

function listProcesses(): ProcInfo[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const out: ProcInfo[] = [];
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // The command name may hold spaces and parentheses: fields start after the last ')'.
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const state = rest[0];
      if (state === 'Z' || state === 'X') continue;
      out.push({ pid: Number(name), ppid: Number(rest[1]) });
    } catch {
      // The process ended while we looked.
    }
  }
  return out;
}

/** Every live descendant of `pid` (not `pid` itself), parents before children. */
export function descendantsOf(pid: number): number[] {
  return below([pid]);
}

/** Every live descendant of any of `roots` (not the roots themselves), from one look at /proc. */
function below(roots: Iterable<number>): number[] {
  const byParent = new Map<number, number[]>();
  for (const p of listProcesses()) {
    const list = byParent.get(p.ppid) ?? [];
    list.push(p.pid);
    byParent.set(p.ppid, list);
  }
  const seen = new Set(roots);
  const out: number[] = [];
  const queue = [...seen].flatMap((r) => byParent.get(r) ?? []);
  while (queue.length > 0) {
    const next = queue.shift() as number;
    if (seen.has(next)) continue;
    seen.add(next);
    out.push(next);
    queue.push(...(byParent.get(next) ?? []));
  }
  return out;
}

/**
 * Every process (but this one) whose working directory is `dir` or inside it, whoever its parent
 * is, plus all their descendants. Catches commands orphaned when Codex ended their parent first.
 */
export function processesWorkingIn(dir: string): number[] {
  const prefix = path.resolve(dir);
  const found = new Set<number>();
  for (const { pid } of listProcesses()) {
    if (pid === process.pid) continue;
    try {
      const cwd = readlinkSync(`/proc/${pid}/cwd`);
      if (cwd === prefix || cwd.startsWith(prefix + path.sep)) found.add(pid);
    } catch {
      // Gone, or not ours to read.
    }
  }
  for (const pid of [...found]) for (const d of descendantsOf(pid)) found.add(d);
  return [...found];
}

/**
 * Every process (but this one) holding `file` open, found through /proc/<pid>/fd. git keeps a
 * lock file open while it writes it, so a lock file nobody holds was left by a process that died.
 */
export function processesHolding(file: string): number[] {
  const target = path.resolve(file);
  const found: number[] = [];
  for (const { pid } of listProcesses()) {
    if (pid === process.pid) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`) === target) {
          found.push(pid);
          break;
        }
      } catch {
        // Closed while we looked.
      }
    }
  }
  return found;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A zombie still answers signal 0; it is dead for our purposes.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return true;
  }
}

/**
 * When a process started (clock ticks since boot, from /proc), or undefined where that cannot be
 * read. With its pid it names one process: a pid the kernel gave again to a new process has
 * another start time.
 */
export function processStartTime(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Field 22 of the stat line; the fields after the command name start at field 3.
    const ticks = Number(fields[19]);
    return Number.isSafeInteger(ticks) ? ticks : undefined;
  } catch {
    return undefined;
  }
}

function signal(pids: readonly number[], sig: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, sig);
    } catch {
      // Already gone.
    }
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Ends `pids`: SIGTERM, then SIGKILL for whatever is still alive after `graceMs`.
 * Resolves when all are gone (or after the SIGKILL round).
 */
export async function terminate(pids: readonly number[], graceMs = 500): Promise<void> {
  if (pids.length === 0) return;
  signal(pids, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!pids.some(isAlive)) return;
    await sleep(25);
  }
  signal(pids.filter(isAlive), 'SIGKILL');
  const hardDeadline = Date.now() + 1000;
  while (Date.now() < hardDeadline && pids.some(isAlive)) await sleep(10);
}

/**
 * Ends a process and everything below it: group and tree, then the root. While the tree is given
 * its grace, its new children are looked for again and again and join it, so a command started
 * just before the end (and orphaned when its parent dies) is still found by its lineage.
 */
export async function terminateTree(rootPid: number, graceMs = 500): Promise<void> {
  const tree = new Set([...descendantsOf(rootPid), rootPid]);
  const grow = (): void => {
    for (const pid of below([...tree].filter(isAlive))) tree.add(pid);
  };
  try {
    process.kill(-rootPid, 'SIGTERM');
  } catch {
    // Not a group leader, or gone.
  }
  signal([...tree], 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    grow();
    if (![...tree].some(isAlive)) return;
    await sleep(25);
  }
  // Stop what is left before killing it: a stopped process cannot fork, and nothing has died
  // yet, so every descendant is still below a process we know.
  for (let round = 0; round < 10; round++) {
    const before = tree.size;
    signal([...tree].filter(isAlive), 'SIGSTOP');
    grow();
    if (tree.size === before) break;
  }
  const left = [...tree].filter(isAlive);
  signal(left, 'SIGKILL');
  const hardDeadline = Date.now() + 1000;
  while (Date.now() < hardDeadline && left.some(isAlive)) await sleep(10);
}
