import { createHash, randomBytes } from 'node:crypto';
import { constants, createReadStream } from 'node:fs';
import { lstat, open, realpath, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { checkSize, nodeWriteIo, writeAll, type WriteIo } from './write-all.js';

/**
 * Every file a reader may poll is replaced atomically, so a reader sees the old file or the new
 * one, never a torn one: the text goes to a temp file beside it (`<name>.<n>`, n a random 32-bit
 * number in decimal: the shape `temp-sweep.ts` removes when a write was interrupted), every byte
 * of it (short writes are written on, see `write-all.ts`), is synced, its size checked against
 * what was meant, and only then renamed over the file; the folder is synced last. A write that
 * fails (a full disk, a device that took fewer bytes) removes its temp file and leaves the old
 * file as it was.
 */

/** Replaces `file` with `data` atomically. The one way the store does it; tests pass their own to inject failures. */
export type AtomicWrite = (file: string, data: string) => Promise<void>;

const CREATE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);

/** The temp file an atomic write of `file` writes first (`temp-sweep.ts` knows the shape). */
export function tempNameFor(file: string): string {
  return `${file}.${randomBytes(4).readUInt32BE(0)}`;
}

/** An atomic write over the given system calls (tests pass ones that return short counts). */
export function atomicWriteWith(io: WriteIo): AtomicWrite {
  return async (file, data) => {
    const bytes = Buffer.from(data, 'utf8');
    // The file's own mode is kept; a new file gets the usual 0666 less the umask.
    const mode = await lstat(file).then(
      (s) => (s.isFile() ? s.mode & 0o7777 : undefined),
      () => undefined,
    );
    const temp = tempNameFor(file);
    const handle = await open(temp, CREATE, mode ?? 0o666);
    try {
      try {
        if (mode !== undefined) await handle.chmod(mode);
        await writeAll(handle, bytes, file, io);
        await handle.sync();
        checkSize(handle.fd, bytes.length, file);
      } finally {
        await handle.close();
      }
      await rename(temp, file);
    } catch (e) {
      await unlink(temp).catch(() => undefined);
      throw e;
    }
    await syncDir(path.dirname(file));
  };
}

export const atomicWrite: AtomicWrite = atomicWriteWith(nodeWriteIo);

export async function writeJsonAtomic(file: string, value: unknown, write: AtomicWrite = atomicWrite): Promise<void> {
  await write(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** Replaces a text file atomically, keeping its mode. */
export async function writeTextAtomic(file: string, text: string, write: AtomicWrite = atomicWrite): Promise<void> {
  // A link (a checklist kept elsewhere) is replaced at its target, as an editor would.
  const target = await realpath(file).catch(() => file);
  await write(target, text);
}

/** Makes a rename in `dir` durable. File systems that cannot sync a folder say EINVAL: nothing more to do there. */
async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, constants.O_RDONLY | (constants.O_DIRECTORY ?? 0));
  try {
    await handle.sync().catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'EINVAL' && e.code !== 'ENOTSUP') throw e;
    });
  } finally {
    await handle.close();
  }
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
