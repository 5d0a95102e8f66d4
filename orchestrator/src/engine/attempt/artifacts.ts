import { existsSync } from 'node:fs';
import { readdir, rename } from 'node:fs/promises';
import path from 'node:path';
import { sha256File } from '../../store/atomic.js';
import { relativeToRun } from '../../store/layout.js';
import type { Artifact } from '../../store/manifest.js';
import { claimRunTree, makeRunDir } from '../../store/run-files.js';
import type { StoreFailure } from '../../store/store-failure.js';

/** An attempt's files in its task folder: moved aside when the next attempt starts, digested when it ends. */

const ARTIFACTS = { events: 'events.jsonl', log: 'log.txt', diff: 'diff.patch', checks: 'checks.json', verdict: 'verdict.json' } as const;

export type Artifacts = Partial<Record<keyof typeof ARTIFACTS, Artifact>>;

/**
 * The artifacts' digests and sizes. A file whose size is not what was written to it (`expected`:
 * the byte count its writer produced) comes back as `short`: it must not be recorded as intact.
 */
export async function digestArtifacts(runDir: string, taskDir: string, expected: (file: string) => number | undefined): Promise<{ artifacts: Artifacts; short?: StoreFailure }> {
  let short: StoreFailure | undefined;
  const digested = await Promise.all(
    Object.entries(ARTIFACTS).map(async ([key, name]) => {
      const file = path.join(taskDir, name);
      if (!existsSync(file)) return [];
      const { sha256, bytes } = await sha256File(file);
      const want = expected(file);
      if (want !== undefined && want !== bytes) short ??= { reason: 'short-write', file, expected: want, actual: bytes };
      return [[key, { path: relativeToRun(runDir, file), sha256, bytes }] as const];
    }),
  );
  return { artifacts: Object.fromEntries(digested.flat()), ...(short ? { short } : {}) };
}

/** A new attempt starts with clean files; the earlier attempt's artifacts move to `attempt-<n>/` (links are moved, not followed). */
export async function shelvePreviousAttempt(runDir: string, taskDir: string, n: number): Promise<void> {
  if (!existsSync(taskDir)) return;
  const target = path.join(taskDir, `attempt-${n}`);
  await makeRunDir(runDir, target);
  claimRunTree(target);
  for (const name of await readdir(taskDir)) {
    if (name.startsWith('attempt-')) continue;
    await rename(path.join(taskDir, name), path.join(target, name));
  }
}
