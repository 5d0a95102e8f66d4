import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
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
