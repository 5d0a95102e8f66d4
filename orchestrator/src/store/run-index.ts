import { mkdir, readFile } from 'node:fs/promises';
import lockfile from 'proper-lockfile';
import { z } from 'zod';
import { atomicWrite, type AtomicWrite } from './atomic.js';
import { RunLayout } from './layout.js';
import { RunStatus, TaskStatus, type Manifest } from './manifest.js';
import { writeRunFileAtomic } from './run-files.js';
import { ATOMIC_FILES, sweepAtomicTemps } from './temp-sweep.js';

/** `.runs/index.json`: one entry per run, newest last. Several runs may update it at once. */

export const IndexEntry = z.object({
  id: z.string(),
  graph: z.string(),
  status: RunStatus,
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  counts: z.record(TaskStatus, z.number().int()),
});
export type IndexEntry = z.infer<typeof IndexEntry>;

export const RunIndex = z.object({ schemaVersion: z.literal(1), runs: z.array(IndexEntry) });
export type RunIndex = z.infer<typeof RunIndex>;

export async function readRunIndex(runsDir: string): Promise<RunIndex> {
  try {
    const parsed = RunIndex.safeParse(JSON.parse(await readFile(RunLayout.index(runsDir), 'utf8')));
    if (parsed.success) return parsed.data;
  } catch {
    // Missing or unreadable: start a new one (the run folders are the ground truth).
  }
  return { schemaVersion: 1, runs: [] };
}

/**
 * Runs whose every write is done: the index shows a final status that only a later command (which
 * sweeps for itself) would change. A run awaiting approval is still written to by reviews.
 */
export function settledRuns(index: RunIndex): Set<string> {
  const settled = new Set<RunStatus>(['succeeded', 'failed', 'stopped', 'archived']);
  return new Set(index.runs.filter((r) => settled.has(r.status)).map((r) => r.id));
}

export function indexEntryOf(m: Manifest): IndexEntry {
  return {
    id: m.runId,
    graph: m.graph.path,
    status: m.status,
    startedAt: m.startedAt,
    ...(m.finishedAt ? { finishedAt: m.finishedAt } : {}),
    counts: m.counts,
  };
}

/**
 * Inserts or replaces a run's entry, under a lock so concurrent runs do not lose each other's.
 * Holding the lock, it also sweeps temp files that an interrupted index write left behind.
 */
export async function upsertIndexEntry(runsDir: string, entry: IndexEntry, write: AtomicWrite = atomicWrite): Promise<void> {
  await mkdir(runsDir, { recursive: true });
  const file = RunLayout.index(runsDir);
  const release = await lockfile.lock(file, { realpath: false, stale: 10_000, retries: { retries: 50, minTimeout: 10, maxTimeout: 100 } });
  try {
    await sweepAtomicTemps(runsDir, ATOMIC_FILES.runsDir);
    const index = await readRunIndex(runsDir);
    const at = index.runs.findIndex((r) => r.id === entry.id);
    if (at >= 0) index.runs[at] = entry;
    else index.runs.push(entry);
    await writeRunFileAtomic(runsDir, file, `${JSON.stringify(index, null, 2)}\n`, write);
  } finally {
    await release();
  }
}
