import { existsSync, openSync, closeSync, readFileSync, readdirSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { atomicWriteWith } from '../../src/store/atomic.js';
import { AppendFile } from '../../src/store/append-file.js';
import { StoreError, renderStoreFailure } from '../../src/store/store-failure.js';
import { nodeWriteIo, writeAllSync, type WriteIo } from '../../src/store/write-all.js';
import { tempDir } from '../helpers/temp.js';

/** Real writes, each cut to at most `max` bytes (as a nearly full disk or a signal can cut them). */
function shortIo(max: number): WriteIo & { calls: number } {
  const io = {
    calls: 0,
    write: (h: Parameters<WriteIo['write']>[0], b: Uint8Array, o: number, l: number) => {
      io.calls++;
      return nodeWriteIo.write(h, b, o, Math.min(l, max));
    },
    writeSync: (fd: number, b: Uint8Array, o: number, l: number) => {
      io.calls++;
      return nodeWriteIo.writeSync(fd, b, o, Math.min(l, max));
    },
  };
  return io;
}

/** A device that takes the first `limit` bytes and then, without an error, nothing more. */
function stallingIo(limit: number): WriteIo {
  let taken = 0;
  const cut = (l: number): number => {
    const n = Math.max(0, Math.min(l, limit - taken));
    taken += n;
    return n;
  };
  return {
    write: (h, b, o, l) => nodeWriteIo.write(h, b, o, cut(l)).then((n) => n),
    writeSync: (fd, b, o, l) => (cut(l) === 0 ? 0 : nodeWriteIo.writeSync(fd, b, o, Math.min(l, limit))),
  };
}

/** A write that says it took everything but put only the first `limit` bytes of each call on disk (a lying layer). */
function lyingIo(limit: number): WriteIo {
  return {
    write: async (h, b, o, l) => {
      await nodeWriteIo.write(h, b, o, Math.min(l, limit));
      return l;
    },
    writeSync: (fd, b, o, l) => {
      nodeWriteIo.writeSync(fd, b, o, Math.min(l, limit));
      return l;
    },
  };
}

const manifestText = `${JSON.stringify({ schemaVersion: 1, tasks: Array.from({ length: 200 }, (_, i) => ({ id: `task-${i}`, status: 'succeeded' })) }, null, 2)}\n`;

describe('atomic writes when the disk takes fewer bytes than it is given', () => {
  it('write on until every byte is there: a 12 KB manifest written 4,096 bytes at a time is whole', async () => {
    expect(manifestText.length).toBeGreaterThan(12_000);
    const dir = tempDir();
    const file = path.join(dir, 'manifest.json');
    const io = shortIo(4096);
    await atomicWriteWith(io)(file, manifestText);
    expect(readFileSync(file, 'utf8')).toBe(manifestText);
    expect(io.calls).toBe(Math.ceil(Buffer.byteLength(manifestText) / 4096));
    expect(readdirSync(dir)).toEqual(['manifest.json']);
  });

  it('fail with a short-write StoreFailure when the device stops taking bytes, leaving the old file and no temp file', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'manifest.json');
    writeFileSync(file, '{"old": true}\n');
    const failure = await atomicWriteWith(stallingIo(4096))(file, manifestText).then(
      () => undefined,
      (e: unknown) => (e instanceof StoreError ? e.failure : e),
    );
    expect(failure).toEqual({ reason: 'short-write', file, expected: Buffer.byteLength(manifestText), actual: 4096 });
    expect(readFileSync(file, 'utf8')).toBe('{"old": true}\n');
    expect(readdirSync(dir)).toEqual(['manifest.json']);
  });

  it('check the size before the rename: a layer that reports every byte but keeps 4,096 never replaces the file', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'diff.patch');
    writeFileSync(file, 'old diff\n');
    const caught = await atomicWriteWith(lyingIo(4096))(file, 'x'.repeat(10_000)).catch((e: unknown) => e);
    expect(caught).toBeInstanceOf(StoreError);
    expect((caught as StoreError).failure).toEqual({ reason: 'short-write', file, expected: 10_000, actual: 4096 });
    expect(readFileSync(file, 'utf8')).toBe('old diff\n');
    expect(readdirSync(dir)).toEqual(['diff.patch']);
  });

  it("keep the file's mode", async () => {
    const dir = tempDir();
    const file = path.join(dir, 'tasks.md');
    writeFileSync(file, 'a\n');
    chmodSync(file, 0o600);
    await atomicWriteWith(nodeWriteIo)(file, 'b\n');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toBe('b\n');
  });

  it('say what happened and what to do', () => {
    expect(renderStoreFailure({ reason: 'short-write', file: '.runs/r/manifest.json', expected: 12_288, actual: 4096 }, 'r', true)).toBe(
      'error: only 4096 of 12288 bytes of .runs/r/manifest.json reached the disk; the last good manifest is kept; free space or check the disk and run: codex-orchestrator resume r',
    );
  });
});

describe('appended files when the disk takes fewer bytes than it is given', () => {
  it('a log written 7 bytes at a time holds every line, in order', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'log.txt');
    const errors: unknown[] = [];
    const log = await AppendFile.open(dir, file, 'append', (e) => errors.push(e), shortIo(7));
    const lines = Array.from({ length: 300 }, (_, i) => `line ${i}: ${'é'.repeat(i % 5)}\n`);
    for (const l of lines) log.write(l);
    const size = await log.close();
    expect(errors).toEqual([]);
    expect(readFileSync(file, 'utf8')).toBe(lines.join(''));
    expect(size).toBe(Buffer.byteLength(lines.join('')));
  });

  it('a log the device cuts short is reported once as a short write, and its size is not vouched for', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'events.jsonl');
    const errors: unknown[] = [];
    const log = await AppendFile.open(dir, file, 'append', (e) => errors.push(e), lyingIo(4096));
    log.write('y'.repeat(10_000));
    log.write('z\n');
    expect(await log.close()).toBeUndefined();
    // The two texts go out as one write (the second came while the first waited): the device keeps 4,096 bytes of it.
    expect(errors.map((e) => (e as StoreError).failure)).toEqual([{ reason: 'short-write', file, expected: 10_002, actual: 4096 }]);
  });

  it('an append the disk cuts off part-way leaves the file at its last whole write: no half line in a JSONL file', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'trace.jsonl');
    const errors: unknown[] = [];
    const line = (i: number): string => `${JSON.stringify({ span: String(i).padStart(2, '0'), text: 'x'.repeat(40) })}\n`;
    // The device takes 1,000 bytes, then nothing: the line that reaches the limit is cut part-way.
    const log = await AppendFile.open(dir, file, 'append', (e) => errors.push(e), stallingIo(1000));
    for (let i = 0; i < 40; i++) log.write(line(i));
    expect(await log.close()).toBeUndefined();
    expect(errors).toHaveLength(1);
    const text = readFileSync(file, 'utf8');
    const whole = Math.floor(1000 / line(0).length);
    expect(text).toBe(Array.from({ length: whole }, (_, i) => line(i)).join(''));
    for (const l of text.split('\n').filter(Boolean)) expect(() => JSON.parse(l)).not.toThrow();
  });

  it('a synchronous append (the runner log) writes on after short counts and fails when nothing is taken', () => {
    const dir = tempDir();
    const file = path.join(dir, 'runner.log');
    const fd = openSync(file, 'a');
    try {
      writeAllSync(fd, Buffer.from('0123456789'.repeat(100)), file, shortIo(3));
      expect(readFileSync(file, 'utf8')).toBe('0123456789'.repeat(100));
      expect(() => writeAllSync(fd, Buffer.from('more'), file, stallingIo(0))).toThrow(new StoreError({ reason: 'short-write', file, expected: 4, actual: 0 }));
    } finally {
      closeSync(fd);
    }
    expect(existsSync(file)).toBe(true);
  });
});
