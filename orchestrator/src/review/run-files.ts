import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { sha256File } from '../store/atomic.js';

/**
 * The files a seal covers: every regular file of the run folder, except the envelope itself and
 * the folders that change while a run lives or is handled (`run.lock/` and the `run.lock.*`
 * folders a lock is prepared and removed in, `worktrees/`, `codex-home/`, `inbox/`). Symlinks are
 * never followed: a run writes none, so one found here is reported as an offence, like any other
 * thing that is not a regular file or folder.
 */

export const SEAL_FILE = 'seal.dsse.json';

/** Top-level names of the run folder left out of a seal. */
export const UNSEALED_NAMES: ReadonlySet<string> = new Set([SEAL_FILE, 'run.lock', 'worktrees', 'codex-home', 'inbox']);

export interface RunFiles {
  /** Path relative to the run folder (`/` separated) → sha256, sorted by path. */
  readonly digests: ReadonlyMap<string, string>;
  /** Entries that are not regular files or folders (symlinks first of all), relative paths, sorted. */
  readonly irregular: readonly { readonly path: string; readonly kind: 'symlink' | 'other' }[];
}

export async function listRunFiles(runDir: string): Promise<RunFiles> {
  const files: string[] = [];
  const irregular: { path: string; kind: 'symlink' | 'other' }[] = [];
  const walk = async (rel: string): Promise<void> => {
    const entries = await readdir(path.join(runDir, rel), { withFileTypes: true });
    for (const entry of entries) {
      if (rel === '' && (UNSEALED_NAMES.has(entry.name) || entry.name.startsWith('run.lock.'))) continue;
      const child = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isSymbolicLink()) irregular.push({ path: child, kind: 'symlink' });
      else if (entry.isDirectory()) await walk(child);
      else if (entry.isFile()) files.push(child);
      else irregular.push({ path: child, kind: 'other' });
    }
  };
  await walk('');
  files.sort(byPath);
  irregular.sort((a, b) => byPath(a.path, b.path));
  const digests = new Map<string, string>();
  for (const file of files) digests.set(file, (await sha256File(path.join(runDir, ...file.split('/')))).sha256);
  return { digests, irregular };
}

/** Code-unit order, the same on every machine and locale. */
export function byPath(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
