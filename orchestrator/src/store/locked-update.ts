import { readFile } from 'node:fs/promises';
import lockfile from 'proper-lockfile';
import { atomicWrite, type AtomicWrite } from './atomic.js';

/**
 * Read, change and replace one small file under a lock (`<file>.lock`), so that processes updating
 * it at once never lose each other's changes: the one-writer rule for shared registries such as
 * a migration's `index.json`. `change` gets the text (undefined when there is no file) and returns
 * the new text, or undefined to leave the file as it is. The lock is held for the update only.
 */
export async function updateLocked(file: string, change: (text: string | undefined) => string | undefined, write: AtomicWrite = atomicWrite): Promise<void> {
  const release = await lockfile.lock(file, { realpath: false, stale: 10_000, update: 2_000, retries: { retries: 100, minTimeout: 10, maxTimeout: 200 } });
  try {
    const text = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return undefined;
      throw e;
    });
    const next = change(text);
    if (next !== undefined && next !== text) await write(file, next);
  } finally {
    await release();
  }
}
