import { closeSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { err, ok, type Result } from '../core/result.js';
import { atomicWrite, type AtomicWrite } from './atomic.js';
import { RunLayout } from './layout.js';
import { describeLockOwner, type LockLoss, type RunLock } from './run-lock.js';
import { countTasks, Manifest, type TaskRecord } from './manifest.js';
import { checkNoLinks, openRunDescriptor, writeRunFileAtomic } from './run-files.js';
import { indexEntryOf, upsertIndexEntry } from './run-index.js';
import { Redactor } from './secrets/redactor.js';
import { StoreError, storeFailureOf, type StoreFailure } from './store-failure.js';
import { sweepRunTemps } from './temp-sweep.js';
import { writeAllSync } from './write-all.js';

/**
 * The one writer of a run's manifest. Changes are applied in memory at once and written behind,
 * coalesced: at most one write in flight, the latest state always written last. Every write is
 * atomic, so pollers never see a torn manifest.
 *
 * Everything it writes (manifest, runner log, graph copy, index entry) goes through the run's
 * redactor; the in-memory manifest keeps the plain values. When a write fails for a reason of
 * the machine (a full disk, a planted link: a StoreFailure), the writer stops writing the
 * manifest, so the last good one stays on disk, and tells its `onStoreFailure` listeners, which
 * stop the run.
 */

export interface RunWriterOptions {
  /** Keeps secrets out of every file the writer writes (default: the built-in token formats). */
  readonly redactor?: Redactor;
  /** How files are replaced atomically (tests inject failures here). */
  readonly atomicWrite?: AtomicWrite;
  /**
   * The run lock the writer writes under. Before every write it checks that the lock is still
   * held; once it is lost (or the lock says so between writes) the writer writes nothing more, as
   * after a StoreFailure (`lock-lost`), so a process that lost the run never overwrites its records.
   */
  readonly lock?: RunLock;
}

export class RunWriter {
  private current: Manifest;
  private writing: Promise<void> | undefined;
  private dirty = false;
  private indexStatus: string;
  /** A bug (the manifest does not match its schema, an unexpected error): thrown by `flush`. */
  private bug: Error | undefined;
  private storeFailure: StoreFailure | undefined;
  private readonly listeners: ((failure: StoreFailure) => void)[] = [];
  private logFd: number | undefined;
  /** The bytes each file replaced through `replaceFile` was given, as last written: what its size must be. */
  private readonly produced = new Map<string, number>();
  readonly redactor: Redactor;
  private readonly write: AtomicWrite;
  private readonly lock: RunLock | undefined;

  private constructor(
    readonly runsDir: string,
    readonly runDir: string,
    initial: Manifest,
    options: RunWriterOptions,
  ) {
    this.current = initial;
    this.indexStatus = initial.status;
    this.redactor = options.redactor ?? Redactor.builtin;
    this.write = options.atomicWrite ?? atomicWrite;
    this.lock = options.lock;
    this.lock?.onLost((loss) => this.fail(lockLost(loss)));
  }

  /**
   * Creates the run folder with the graph copy (redacted), the runner log, the first manifest and
   * the index entry. Temp files an interrupted write left in the folder are swept first.
   */
  static async create(
    runsDir: string,
    runDir: string,
    manifest: Manifest,
    graphSource: string,
    options: RunWriterOptions = {},
  ): Promise<Result<RunWriter, StoreFailure>> {
    const writer = new RunWriter(runsDir, runDir, manifest, options);
    return writer.begin('truncate', async (at) => {
      await mkdir(runsDir, { recursive: true });
      await checkNoLinks(runsDir, runDir);
      await mkdir(runDir, { recursive: true });
      await checkNoLinks(runsDir, runDir);
      await sweepRunTemps(runDir);
      await writeRunFileAtomic(runDir, at(RunLayout.graphCopy(runDir)), writer.redactor.text(graphSource), writer.write);
    });
  }

  /**
   * Takes over an existing run folder (resume, review decisions), holding its run lock: sweeps the
   * temp files an interrupted write left there, appends to the runner log, and writes the given
   * manifest and its index entry.
   */
  static async open(runsDir: string, runDir: string, manifest: Manifest, options: RunWriterOptions = {}): Promise<Result<RunWriter, StoreFailure>> {
    const writer = new RunWriter(runsDir, runDir, manifest, options);
    return writer.begin('append', async () => {
      await checkNoLinks(runsDir, runDir);
      await sweepRunTemps(runDir);
    });
  }

  /**
   * Records a change made under the run lock by a command that holds the run only for a moment
   * (`approve`, `reject`, `send`): the manifest and its index entry, and one line in `runner.log`,
   * through the store like every other write (atomic, never through a link).
   */
  static async record(runsDir: string, runDir: string, manifest: Manifest, line: string, lock: RunLock): Promise<Result<void, StoreFailure>> {
    const opened = await RunWriter.open(runsDir, runDir, manifest, { lock });
    if (!opened.ok) return opened;
    const writer = opened.value;
    writer.log(line);
    await writer.flush();
    writer.close();
    return writer.failure ? err(writer.failure) : ok(undefined);
  }

  /** `prepare`, then the runner log, the manifest and the index entry; a store failure names the file it hit. */
  private async begin(log: 'truncate' | 'append', prepare: (at: (file: string) => string) => Promise<void>): Promise<Result<RunWriter, StoreFailure>> {
    let file = this.runDir;
    const at = (f: string): string => (file = f);
    try {
      if (!this.fenced()) return err(this.storeFailure as StoreFailure);
      await prepare(at);
      this.logFd = await openRunDescriptor(this.runDir, at(RunLayout.runnerLog(this.runDir)), log);
      at(RunLayout.manifest(this.runDir));
      await this.writeManifest();
      if (this.storeFailure) return err(this.storeFailure);
      at(RunLayout.index(this.runsDir));
      await upsertIndexEntry(this.runsDir, indexEntryOf(this.redactor.json(this.current)), this.write);
    } catch (e) {
      this.close();
      const failure = storeFailureOf(e, file);
      if (failure) return err(failure);
      throw e;
    }
    return ok(this);
  }

  get manifest(): Readonly<Manifest> {
    return this.current;
  }

  /** The first StoreFailure met, if any; from then on the manifest on disk is left as it is. */
  get failure(): StoreFailure | undefined {
    return this.storeFailure;
  }

  /** Called once, with the first StoreFailure. */
  onStoreFailure(listener: (failure: StoreFailure) => void): void {
    this.listeners.push(listener);
  }

  /**
   * Records a failed write of `file` by someone else (task logs, diffs, checks). Returns the
   * StoreFailure it stands for, or undefined when the error is not one (the caller handles it).
   */
  noteWriteError(error: unknown, file: string): StoreFailure | undefined {
    const failure = storeFailureOf(error, file);
    if (failure) this.fail(failure);
    return failure;
  }

  /** The first StoreFailure stops the writer and is told to the listeners; later ones are dropped. */
  private fail(failure: StoreFailure): void {
    if (this.storeFailure) return;
    this.storeFailure = failure;
    for (const listener of this.listeners) listener(failure);
  }

  /**
   * Whether the writer may still write: it holds the run lock (checked now), and it has not lost
   * it before. A loss found here stops the writer like a StoreFailure.
   */
  private fenced(): boolean {
    if (this.storeFailure?.reason === 'lock-lost') return false;
    const loss = this.lock?.verify();
    if (loss) this.fail(lockLost(loss));
    return loss === undefined;
  }

  task(id: string): TaskRecord {
    const t = this.current.tasks.find((x) => x.id === id);
    if (!t) throw new Error(`Internal error: no task ${id} in the manifest`);
    return t;
  }

  /** Applies a change and schedules a write. Counts are recomputed here, never by callers. */
  update(change: (m: Manifest) => void): void {
    change(this.current);
    this.current.counts = countTasks(this.current.tasks);
    this.schedule();
  }

  updateTask(id: string, change: (t: TaskRecord) => void): void {
    this.update(() => change(this.task(id)));
  }

  /**
   * Replaces a file of the run (a task's diff or check results) atomically, never through a link.
   * `text` must be redacted already. Throws a StoreError for machine trouble; see `noteWriteError`.
   */
  async replaceFile(file: string, text: string): Promise<void> {
    if (!this.fenced()) throw new StoreError(this.storeFailure as StoreFailure);
    this.produced.delete(file);
    await writeRunFileAtomic(this.runDir, file, text, this.write);
    this.produced.set(file, Buffer.byteLength(text, 'utf8'));
  }

  /** The size `file` was written with by `replaceFile`, if it was (artifacts are checked against it before they are digested). */
  producedSize(file: string): number | undefined {
    return this.produced.get(file);
  }

  /** Appends a line to `runner.log` (synchronously, so nothing is lost on a crash right after). Never throws for a failed write. */
  log(line: string): void {
    if (this.logFd === undefined || !this.fenced()) return;
    try {
      const file = RunLayout.runnerLog(this.runDir);
      writeAllSync(this.logFd, Buffer.from(`${new Date().toISOString()} ${this.redactor.text(line)}\n`, 'utf8'), file);
    } catch (e) {
      if (!this.noteWriteError(e, RunLayout.runnerLog(this.runDir))) throw e;
    }
  }

  /**
   * Resolves when everything changed so far is on disk; also refreshes the index entry. After a
   * StoreFailure it resolves without writing (see `failure`); it throws only for bugs.
   */
  async flush(): Promise<void> {
    while (this.writing || this.dirty) {
      if (!this.writing) this.schedule();
      await this.writing;
    }
    if (this.bug) throw this.bug;
    if (this.storeFailure || !this.fenced()) return;
    if (this.current.status !== this.indexStatus || this.current.finishedAt) {
      this.indexStatus = this.current.status;
      try {
        await upsertIndexEntry(this.runsDir, indexEntryOf(this.redactor.json(this.current)), this.write);
      } catch (e) {
        if (!this.noteWriteError(e, RunLayout.index(this.runsDir))) throw e;
      }
    }
  }

  /** Closes the runner log. Idempotent. */
  close(): void {
    if (this.logFd === undefined) return;
    const fd = this.logFd;
    this.logFd = undefined;
    try {
      closeSync(fd);
    } catch {
      // Already closed.
    }
  }

  private schedule(): void {
    if (this.writing) {
      this.dirty = true;
      return;
    }
    this.dirty = false;
    this.writing = this.writeManifest()
      .catch((e: unknown) => {
        this.bug = e instanceof Error ? e : new Error(String(e));
      })
      .finally(() => {
        this.writing = undefined;
        if (this.dirty) this.schedule();
      });
  }

  private async writeManifest(): Promise<void> {
    // After a failure the last good manifest stays as it is: resume starts from it.
    if (this.storeFailure || !this.fenced()) return;
    const parsed = Manifest.safeParse(this.current);
    if (!parsed.success) {
      throw new Error(`Internal error: the manifest does not match its schema: ${parsed.error.message}`);
    }
    const file = RunLayout.manifest(this.runDir);
    try {
      await writeRunFileAtomic(this.runDir, file, `${JSON.stringify(this.redactor.json(this.current), null, 2)}\n`, this.write);
    } catch (e) {
      if (!this.noteWriteError(e, file)) throw e;
    }
  }
}

function lockLost(loss: LockLoss): StoreFailure {
  return { reason: 'lock-lost', file: loss.lockDir, holder: loss.owner ? describeLockOwner(loss.owner) : undefined };
}
