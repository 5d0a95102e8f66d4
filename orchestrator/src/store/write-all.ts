import { fstatSync, writeSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { StoreError } from './store-failure.js';

/**
 * Writing every byte or failing. `write(2)` may take fewer bytes than it was given (a nearly full
 * disk, a signal, a network file system) and say so only in its count; Node passes that count on.
 * A write that ignores it leaves a file cut at a block boundary that looks whole. Every writer of
 * the run store goes through these loops, which write the rest until all is taken, and fail with
 * an error (`ENOSPC` from the next call, or a `short-write` StoreFailure when the device takes
 * nothing without saying why).
 */

/** The system calls a write is made of; tests pass their own to return short counts or fail. */
export interface WriteIo {
  /** Writes `length` bytes of `buffer` from `offset` at the file's position; resolves to the count taken. */
  readonly write: (handle: FileHandle, buffer: Uint8Array, offset: number, length: number) => Promise<number>;
  /** The same, synchronously, on a plain descriptor. */
  readonly writeSync: (fd: number, buffer: Uint8Array, offset: number, length: number) => number;
}

export const nodeWriteIo: WriteIo = {
  write: async (handle, buffer, offset, length) => (await handle.write(buffer, offset, length)).bytesWritten,
  writeSync: (fd, buffer, offset, length) => writeSync(fd, buffer, offset, length),
};

/** A device that takes nothing this many times in a row, without an error, is given up on. */
const ZERO_WRITES_ALLOWED = 3;

/** Writes all of `data` to `handle` (at its position), however short each write comes back. */
export async function writeAll(handle: FileHandle, data: Uint8Array, file: string, io: WriteIo = nodeWriteIo): Promise<void> {
  let done = 0;
  let zeros = 0;
  while (done < data.length) {
    const n = await io.write(handle, data, done, data.length - done);
    done += checkedCount(n, done, data.length, file, ++zeros);
    if (n > 0) zeros = 0;
  }
}

/** `writeAll` on a plain descriptor, synchronously (the runner log: nothing is lost on a crash right after). */
export function writeAllSync(fd: number, data: Uint8Array, file: string, io: WriteIo = nodeWriteIo): void {
  let done = 0;
  let zeros = 0;
  while (done < data.length) {
    const n = io.writeSync(fd, data, done, data.length - done);
    done += checkedCount(n, done, data.length, file, ++zeros);
    if (n > 0) zeros = 0;
  }
}

function checkedCount(n: number, done: number, expected: number, file: string, zeros: number): number {
  if (!Number.isInteger(n) || n < 0 || n > expected - done) throw new Error(`Internal error: write returned ${n} for ${expected - done} bytes of ${file}`);
  if (n === 0 && zeros >= ZERO_WRITES_ALLOWED) throw new StoreError({ reason: 'short-write', file, expected, actual: done });
  return n;
}

/** Fails with a `short-write` StoreFailure unless the file behind `fd` holds exactly `expected` bytes. */
export function checkSize(fd: number, expected: number, file: string): void {
  const actual = fstatSync(fd).size;
  if (actual !== expected) throw new StoreError({ reason: 'short-write', file, expected, actual });
}
