import { closeSync, fdatasync, ftruncateSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { err, ok, type Result } from '../../core/result.js';
import type { Manifest } from '../manifest.js';
import type { ReadFailure } from '../read-failure.js';
import { openRunDescriptor } from '../run-files.js';
import { writeAllSync } from '../write-all.js';
import { fold } from './reduce.js';
import { RunEvent } from './run-event.js';

/**
 * `events.ndjson`: appended one line per event, synchronously (a crash right after loses
 * nothing the process wrote), and made durable (`fdatasync`) before any manifest that reflects
 * those events is written, so the manifest on disk is never ahead of the log. A line cut off by a
 * crash can only be the last one: reading drops it and says so, and the next writer cuts it off
 * the file before it appends.
 */

export const EVENT_LOG = 'events.ndjson';

export const eventLogOf = (runDir: string): string => path.join(runDir, EVENT_LOG);

export interface EventLogRead {
  readonly events: RunEvent[];
  /** The bytes up to the end of the last whole event. */
  readonly validBytes: number;
  /** A last line cut off by a crash (dropped): its line number and length. */
  readonly torn?: { readonly line: number; readonly bytes: number };
}

/** The run's log, or undefined for a run recorded before it existed (schemaVersion 1). */
export async function readEventLog(runDir: string): Promise<Result<EventLogRead | undefined, ReadFailure>> {
  const file = eventLogOf(runDir);
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return ok(undefined);
    return err({ reason: 'manifest-unreadable', file, message: (e as Error).message });
  }
  const events: RunEvent[] = [];
  let offset = 0;
  let line = 0;
  while (offset < bytes.length) {
    line++;
    const end = bytes.indexOf(0x0a, offset);
    const text = bytes.subarray(offset, end === -1 ? bytes.length : end).toString('utf8');
    const last = end === -1 || end === bytes.length - 1;
    let parsed: ReturnType<typeof RunEvent.safeParse> | undefined;
    try {
      parsed = RunEvent.safeParse(JSON.parse(text));
    } catch {
      parsed = undefined;
    }
    if (!parsed?.success || end === -1) {
      // Only the last line can be cut off by a crash; anything else is damage the log cannot explain.
      if (last) return ok({ events, validBytes: offset, torn: { line, bytes: bytes.length - offset } });
      const why = parsed ? `it is not a run event: ${parsed.error?.issues[0]?.message ?? 'it has no line end'}` : 'it is not JSON';
      return err({ reason: 'manifest-unreadable', file: `${file}:${line}`, message: `${why}\n  hint: the run's log is damaged; its manifest.json is the last state written` });
    }
    const expected = (events.at(-1)?.seq ?? 0) + 1;
    if (parsed.data.seq !== expected) {
      return err({
        reason: 'manifest-unreadable',
        file: `${file}:${line}`,
        message: `event ${parsed.data.seq} where event ${expected} was expected\n  hint: the run's log is damaged; its manifest.json is the last state written`,
      });
    }
    events.push(parsed.data);
    offset = end + 1;
  }
  return ok({ events, validBytes: offset });
}

/** A run's state as its log folds it (or, for a run from before the log, its manifest), with the log's last event. */
export interface RunState {
  readonly manifest: Manifest;
  /** The last event folded; 0 for a run without a log. */
  readonly seq: number;
  readonly torn?: EventLogRead['torn'];
}

/** The run's state from its log; undefined when it has none (read its manifest instead). */
export async function foldEventLog(runDir: string): Promise<Result<RunState | undefined, ReadFailure>> {
  const read = await readEventLog(runDir);
  if (!read.ok || read.value === undefined) return read as Result<undefined, ReadFailure>;
  const manifest = fold(read.value.events);
  if (!manifest) return err({ reason: 'manifest-unreadable', file: eventLogOf(runDir), message: 'the log has no event\n  hint: the run was cut off as it started; start it again' });
  return ok({ manifest, seq: read.value.events.at(-1)?.seq ?? 0, ...(read.value.torn ? { torn: read.value.torn } : {}) });
}

const datasync = promisify(fdatasync);

/** The writer's end of the log: appends lines, and makes them durable on demand. */
export class EventLogFile {
  /** Lines appended, and of them, lines known to be on disk. */
  private appended = 0;
  private synced = 0;
  private syncing: Promise<void> | undefined;

  private constructor(
    private fd: number | undefined,
    readonly file: string,
    public seq: number,
  ) {}

  /** Opens the log for appending after event `seq`, cutting off a torn tail past `validBytes`. */
  static async open(runDir: string, mode: 'truncate' | 'append', seq: number, validBytes?: number): Promise<EventLogFile> {
    const file = eventLogOf(runDir);
    const fd = await openRunDescriptor(runDir, file, mode);
    if (validBytes !== undefined) ftruncateSync(fd, validBytes);
    return new EventLogFile(fd, file, seq);
  }

  /** Appends one line (synchronously: whole or failing, never short). */
  append(line: string): void {
    if (this.fd === undefined) throw new Error('Internal error: the event log is closed');
    writeAllSync(this.fd, Buffer.from(`${line}\n`, 'utf8'), this.file);
    this.appended++;
  }

  /**
   * Resolves when every line appended before the call is on disk. Lines appended meanwhile wait
   * for a later call, so a steady stream of events never holds a manifest write back.
   */
  async sync(): Promise<void> {
    const target = this.appended;
    while (this.synced < target) {
      if (!this.syncing) {
        const fd = this.fd;
        if (fd === undefined) return;
        const covers = this.appended;
        this.syncing = datasync(fd)
          .then(() => {
            this.synced = Math.max(this.synced, covers);
          })
          .finally(() => (this.syncing = undefined));
      }
      await this.syncing;
    }
  }

  close(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    try {
      closeSync(fd);
    } catch {
      // Already closed.
    }
  }
}
