import type { FileHandle } from 'node:fs/promises';
import { openRunFile } from './run-files.js';
import { checkSize, nodeWriteIo, writeAll, type WriteIo } from './write-all.js';

/**
 * One file below a run folder that grows as text arrives (a task's `log.txt` and `events.jsonl`, a
 * check's output, the agents' trace), so `tail -f` works. Writes go out in order, each whole
 * (`writeAll`); at `close()` the file's size is checked against every byte given to it, so a file
 * cut short is a failure, never a log that looks complete. The first failure (a full disk, a
 * planted link, a short file) is reported once, the file is cut back to its last whole write (no
 * half line), and it stays quiet from then on.
 */
export class AppendFile {
  private failed = false;
  private queue: Promise<void> = Promise.resolve();
  /** Texts given since the queued write took its batch. */
  private pending: Buffer[] = [];
  private produced = 0;
  /** Bytes of the writes that reached the file whole, after `start`. */
  private whole = 0;
  private closing: Promise<number | undefined> | undefined;

  private constructor(
    private readonly handle: FileHandle | undefined,
    /** Its size when opened: appends come after it. */
    private readonly start: number,
    readonly file: string,
    private readonly report: (error: unknown, file: string) => void,
    private readonly io: WriteIo,
  ) {}

  /** Opens `file` below `root` (`append` keeps what is there, `truncate` starts empty). Never throws: a failure is reported. */
  static async open(root: string, file: string, mode: 'append' | 'truncate', report: (error: unknown, file: string) => void, io: WriteIo = nodeWriteIo): Promise<AppendFile> {
    try {
      return await AppendFile.create(root, file, mode, report, io);
    } catch (e) {
      const log = new AppendFile(undefined, 0, file, report, io);
      log.fail(e);
      return log;
    }
  }

  /** `open`, except that a file that cannot be opened (a planted link) throws, a StoreError. */
  static async create(root: string, file: string, mode: 'append' | 'truncate', report: (error: unknown, file: string) => void, io: WriteIo = nodeWriteIo): Promise<AppendFile> {
    const handle = await openRunFile(root, file, mode);
    const start = mode === 'append' ? (await handle.stat()).size : 0;
    return new AppendFile(handle, start, file, report, io);
  }

  /**
   * Queues `text` (latin1: one byte per character, for raw output). Texts that arrive while a
   * write is under way go out together in the next one: one system call for a burst of events.
   */
  write(text: string, encoding: 'utf8' | 'latin1' = 'utf8'): void {
    if (this.failed || !this.handle || this.closing || text.length === 0) return;
    const bytes = Buffer.from(text, encoding);
    this.produced += bytes.length;
    this.pending.push(bytes);
    if (this.pending.length > 1) return;
    const handle = this.handle;
    this.queue = this.queue.then(async () => {
      const chunks = this.pending;
      this.pending = [];
      if (this.failed) return;
      const batch = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
      try {
        await writeAll(handle, batch, this.file, this.io);
        this.whole += batch.length;
      } catch (e) {
        // A write cut off part-way (a full disk) leaves half a text: the file goes back to the end
        // of the last text that reached it whole, so a JSONL file still parses line by line.
        // Truncating frees space; it works on a full disk.
        const onDisk = await handle.stat().then(
          (st) => st.size - this.start,
          () => this.whole,
        );
        for (const c of chunks) {
          if (this.whole + c.length > onDisk) break;
          this.whole += c.length;
        }
        await handle.truncate(this.start + this.whole).catch(() => undefined);
        this.fail(e);
      }
    });
  }

  /**
   * Waits for every write, checks the size, closes. Resolves to the size the file has (every byte
   * written to it), or undefined when it failed. Idempotent; never throws.
   */
  close(): Promise<number | undefined> {
    this.closing ??= this.finish();
    return this.closing;
  }

  private async finish(): Promise<number | undefined> {
    const handle = this.handle;
    if (!handle) return undefined;
    await this.queue;
    const expected = this.start + this.produced;
    try {
      if (!this.failed) checkSize(handle.fd, expected, this.file);
    } catch (e) {
      this.fail(e);
    }
    await handle.close().catch(() => undefined);
    return this.failed ? undefined : expected;
  }

  private fail(e: unknown): void {
    if (this.failed) return;
    this.failed = true;
    this.report(e, this.file);
  }
}
