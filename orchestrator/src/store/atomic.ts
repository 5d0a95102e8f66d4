import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';

/**
 * Every file a reader may poll is replaced atomically (temp file, fsync, rename), so a reader sees
 * the old file or the new one, never a torn one.
 */
export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`, { fsync: true });
}

/** Replaces a text file atomically, keeping its mode. */
export async function writeTextAtomic(file: string, text: string): Promise<void> {
  await writeFileAtomic(file, text, { fsync: true });
}

/**
 * A temp file of one of the files we write with `writeJsonAtomic` (manifest.json, index.json,
 * checks.json): write-file-atomic names it `<name>.<murmurhash>`, the hash a decimal number.
 */
const TEMP_FILE = /^(?:manifest|index|checks)\.json\.\d+$/;

/**
 * Removes the temp files that atomic writes left in `dir` when their writer was killed between
 * creating the temp file and renaming it (nothing else can clean them up: SIGKILL runs no exit
 * handler). Only for a folder no other process is writing to, e.g. a run folder by the writer
 * holding the run's lock, when it starts. Returns the paths removed.
 */
export async function sweepTempFiles(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const removed: string[] = [];
  for (const entry of entries) {
    if (!entry.isFile() || !TEMP_FILE.test(entry.name)) continue;
    const file = path.join(dir, entry.name);
    await rm(file, { force: true });
    removed.push(file);
  }
  return removed;
}

export function sha256File(file: string): Promise<{ sha256: string; bytes: number }> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    let bytes = 0;
    createReadStream(file)
      .on('data', (chunk: Buffer | string) => {
        const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        bytes += buf.length;
        hash.update(buf);
      })
      .on('error', reject)
      .on('end', () => resolve({ sha256: hash.digest('hex'), bytes }));
  });
}
