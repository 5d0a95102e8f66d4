import { closeSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { err, ok, type Result } from '../core/result.js';
import { atomicWrite, type AtomicWrite } from './atomic.js';
import { RunLayout } from './layout.js';
import { describeLockOwner, type LockLoss, type RunLock } from './run-lock.js';
import { Manifest, MANIFEST_SCHEMA_VERSION, type TaskRecord, type TaskStatus } from './manifest.js';
import { EventLogFile, readEventLog } from './events/event-log.js';
import { narrate } from './events/narrate.js';
import { apply } from './events/reduce.js';
import { AttemptData, RUN_EVENT_VERSION, RunData, TASK_DATA_KEYS, type RunEvent, type RunEventInput, type TaskData } from './events/run-event.js';
import { renderReadFailure } from './read-failure.js';
import { diffFields } from './events/data-diff.js';
import { KILL_AFTER } from './events/fault.js';
import { checkNoLinks, openRunDescriptor, writeRunFileAtomic } from './run-files.js';
import { indexEntryOf, upsertIndexEntry } from './run-index.js';
import { Redactor } from './secrets/redactor.js';
import { StoreError, storeFailureOf, type StoreFailure } from './store-failure.js';
import { SpacedWrites } from './spaced-writes.js';
import { sweepRunTemps } from './temp-sweep.js';
import { writeAllSync } from './write-all.js';

/** Told each recorded event, the state it made, and the status its task had before. */
export type EventListener = (event: RunEvent, state: Readonly<Manifest>, was: TaskStatus | undefined) => void;

/**
 * The one writer of a run. Every change is an event (`events/run-event.ts`): appended to the
 * run's log, folded into the state in memory by the one transition function (`events/reduce.ts`),
 * and the manifest written behind, coalesced: at most one write in flight, the latest state
 * always written last, and only after the events it reflects are durable. Every manifest write
 * is atomic, so pollers never see a torn manifest.
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
  /** The manifest's writes, coalesced and spaced (`SpacedWrites`). */
  private readonly manifestWrites = new SpacedWrites(() => this.writeManifest());
  private indexStatus: string;
  private storeFailure: StoreFailure | undefined;
  private readonly listeners: ((failure: StoreFailure) => void)[] = [];
  private readonly applied: EventListener[] = [];
  private logFd: number | undefined;
  private events: EventLogFile | undefined;
  /** A last line of the log cut off by a crash, dropped when the writer opened the log. */
  private tornTail: { readonly line: number; readonly bytes: number } | undefined;
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
  static async create(runsDir: string, runDir: string, manifest: Manifest, graphSource: string, options: RunWriterOptions = {}): Promise<Result<RunWriter, StoreFailure>> {
    const writer = new RunWriter(runsDir, runDir, manifest, options);
    return writer.begin('truncate', async (at) => {
      await mkdir(runsDir, { recursive: true });
      await checkNoLinks(runsDir, runDir);
      await mkdir(runDir, { recursive: true });
      await checkNoLinks(runsDir, runDir);
      await sweepRunTemps(runDir);
      await writeRunFileAtomic(runDir, at(RunLayout.graphCopy(runDir)), writer.redactor.text(graphSource), writer.write);
      writer.events = await EventLogFile.open(runDir, 'truncate', 0);
      writer.apply({ kind: 'snapshot', from: 'start', manifest: { ...structuredClone(manifest), schemaVersion: MANIFEST_SCHEMA_VERSION } });
    });
  }

  /**
   * Takes over an existing run folder (resume, review decisions), holding its run lock, with the
   * run's state as its log folds it (`events/event-log.ts`): sweeps the temp files an interrupted
   * write left there, cuts a torn last line off the log, appends to the runner log, and writes the
   * manifest and its index entry. A run from before the log gets one, starting with a snapshot of
   * the given state.
   */
  static async open(runsDir: string, runDir: string, manifest: Manifest, options: RunWriterOptions = {}): Promise<Result<RunWriter, StoreFailure>> {
    const writer = new RunWriter(runsDir, runDir, manifest, options);
    return writer.begin('append', async () => {
      await checkNoLinks(runsDir, runDir);
      await sweepRunTemps(runDir);
      const read = await readEventLog(runDir);
      const log = read.ok ? read.value : undefined;
      // Callers fold the log (`loadRunState`) before they open it, under the run lock: damage found here came since.
      if (!read.ok) throw new Error(`Internal error: the run's log changed while the run was locked: ${renderReadFailure(read.error)}`);
      writer.events = await EventLogFile.open(runDir, 'append', log?.events.at(-1)?.seq ?? 0, log?.torn ? log.validBytes : undefined);
      writer.tornTail = log?.torn;
      if (!log || log.events.length === 0) writer.apply({ kind: 'snapshot', from: 'import', manifest: { ...structuredClone(manifest), schemaVersion: MANIFEST_SCHEMA_VERSION } });
    });
  }

  /**
   * Records a change made under the run lock by a command that holds the run only for a moment
   * (`approve`, `reject`, `send`, `retry`): its events, the manifest and its index entry, and the
   * events' lines in `runner.log`, through the store like every other write (atomic, never through a link).
   */
  static async record(runsDir: string, runDir: string, state: Manifest, events: readonly RunEventInput[], lock: RunLock): Promise<Result<Manifest, StoreFailure>> {
    const opened = await RunWriter.open(runsDir, runDir, state, { lock });
    if (!opened.ok) return opened;
    const writer = opened.value;
    for (const e of events) writer.apply(e);
    await writer.flush();
    writer.close();
    return writer.failure ? err(writer.failure) : ok(writer.current);
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
  /** Tells `listener` every event recorded from now on, with the state it made (the engine's observers follow the run this way). */
  onEvent(listener: EventListener): void {
    this.applied.push(listener);
  }

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
    const t = this.record(id);
    if (!t) throw new Error(`Internal error: no task ${id} in the manifest`);
    return t;
  }

  private record(id: string): TaskRecord | undefined {
    // Events change task records in place; a snapshot (or a fan-out's new tasks) replaces the list, and with it the index.
    const tasks = this.current.tasks;
    if (this.byId?.tasks !== tasks) this.byId = { tasks, records: new Map(tasks.map((t) => [t.id, t])) };
    return this.byId.records.get(id);
  }

  /** The tasks by id, for `task()` (the scheduler reads every task's state after each event). */
  private byId: { readonly tasks: readonly TaskRecord[]; readonly records: ReadonlyMap<string, TaskRecord> } | undefined;

  /** A last line of the log a crash cut off, which opening the log dropped. */
  get droppedTail(): { readonly line: number; readonly bytes: number } | undefined {
    return this.tornTail;
  }

  /**
   * Records an event: appended to the log (redacted), folded into the state by `reduce`, told in
   * `runner.log` (`narrate`) and to the `onEvent` listeners, and the manifest written behind.
   * After a StoreFailure nothing more is appended (the log and the last good manifest stay as
   * they are); the state in memory still follows, for the session's end.
   */
  apply(input: RunEventInput): void {
    const { at, ...body } = input;
    const seq = (this.events?.seq ?? 0) + 1;
    const event = { v: RUN_EVENT_VERSION, seq, at: at ?? new Date().toISOString(), ...body } as RunEvent;
    if (this.events && !this.storeFailure && this.fenced()) {
      try {
        this.events.append(JSON.stringify(this.redactor.json(event)));
        this.events.seq = seq;
        if (KILL_AFTER?.(event)) process.kill(process.pid, 'SIGKILL');
      } catch (e) {
        if (!this.noteWriteError(e, this.events.file)) throw e;
      }
    }
    const was = 'task' in event ? this.record(event.task)?.status : undefined;
    if (event.kind !== 'snapshot') apply(this.current, event);
    // A manifest folded from a log is of the version that has one.
    this.current.schemaVersion = MANIFEST_SCHEMA_VERSION;
    this.current.events = { seq };
    for (const line of narrate(event, this.current, was)) this.log(line);
    for (const listener of this.applied) listener(event, this.current, was);
    // While the writer opens, its first manifest write follows (`begin`).
    if (this.logFd !== undefined) this.manifestWrites.schedule();
  }

  /** The liveness field: refreshed on the manifest without an event (it is not part of the run's state). */
  beat(at: string = new Date().toISOString()): void {
    this.current.heartbeatAt = at;
    this.manifestWrites.schedule();
  }

  /**
   * A change of the run's own data (usage, the budget's record): recorded as a `run-data` event of
   * the fields it changed. Statuses and messages change only through their events (an Internal
   * error here); tasks are read, never changed, here (`updateTask` changes a task's data).
   */
  update(change: (m: Manifest) => void): void {
    const { tasks, ...rest } = this.current;
    const draft = { ...structuredClone(rest), tasks } as Manifest;
    change(draft);
    const { data, unset } = diffFields(rest, draft, (key) => key !== 'tasks' && key !== 'heartbeatAt', RUN_DATA_KEYS, 'the run');
    if ('heartbeatAt' in draft && draft.heartbeatAt !== rest.heartbeatAt) this.current.heartbeatAt = draft.heartbeatAt;
    if (Object.keys(data).length > 0 || unset.length > 0) this.apply({ kind: 'run-data', data: data as RunData, ...(unset.length ? { unset } : {}) });
    else this.manifestWrites.schedule();
  }

  /**
   * A change of a task's data (its branch, usage, thread, an attempt's usage): recorded as
   * `task-data` and `attempt-data` events of what it changed. A status, a message, the attempts
   * list itself, reviews and follow-ups change only through their events (an Internal error here).
   */
  updateTask(id: string, change: (t: TaskRecord) => void): void {
    const before = this.task(id);
    const draft = structuredClone(before);
    change(draft);
    const { data, unset } = diffFields(before, draft, (key) => key !== 'attempts', TASK_DATA_KEYS as readonly string[], `task ${id}`);
    if (Object.keys(data).length > 0 || unset.length > 0) this.apply({ kind: 'task-data', task: id, data: data as TaskData, ...(unset.length ? { unset } : {}) });
    if (draft.attempts.length !== before.attempts.length) throw new Error(`Internal error: task ${id}'s attempts change only through their events`);
    draft.attempts.forEach((a, i) => {
      const { data: changed } = diffFields(before.attempts[i] as object, a, () => true, ATTEMPT_DATA_KEYS, `attempt ${a.n} of task ${id}`);
      if (Object.keys(changed).length > 0) this.apply({ kind: 'attempt-data', task: id, n: a.n, data: changed as AttemptData });
    });
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
    await this.manifestWrites.flush();
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

  /** Closes the runner log and the event log. Idempotent. */
  close(): void {
    this.events?.close();
    // A write held back goes out now (callers `flush` first; this is for those that do not).
    this.manifestWrites.hurry();
    if (this.logFd === undefined) return;
    const fd = this.logFd;
    this.logFd = undefined;
    try {
      closeSync(fd);
    } catch {
      // Already closed.
    }
  }

  /** Writes the manifest; resolves to what it cost this process (checking, redacting, serialising), in ms. */
  private async writeManifest(): Promise<number | undefined> {
    // After a failure the last good manifest stays as it is: resume starts from it.
    if (this.storeFailure || !this.fenced()) return undefined;
    const started = performance.now();
    const parsed = Manifest.safeParse(this.current);
    if (!parsed.success) {
      throw new Error(`Internal error: the manifest does not match its schema: ${parsed.error.message}`);
    }
    const text = `${JSON.stringify(this.redactor.json(this.current), null, 2)}\n`;
    const cost = performance.now() - started;
    const file = RunLayout.manifest(this.runDir);
    try {
      // Never ahead of the log: the events this manifest reflects (all appended before it was
      // made) are on disk first.
      await this.events?.sync();
      await writeRunFileAtomic(this.runDir, file, text, this.write);
    } catch (e) {
      if (!this.noteWriteError(e, file)) throw e;
    }
    return cost;
  }
}

const RUN_DATA_KEYS: readonly string[] = Object.keys(RunData.shape);
const ATTEMPT_DATA_KEYS: readonly string[] = Object.keys(AttemptData.shape);

function lockLost(loss: LockLoss): StoreFailure {
  return { reason: 'lock-lost', file: loss.lockDir, holder: loss.owner ? describeLockOwner(loss.owner) : undefined };
}
