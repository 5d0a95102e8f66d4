import { appendFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { writeJsonAtomic } from './atomic.js';
import { RunLayout } from './layout.js';
import { countTasks, Manifest, type TaskRecord } from './manifest.js';
import { indexEntryOf, upsertIndexEntry } from './run-index.js';

/**
 * The one writer of a run's manifest. Changes are applied in memory at once and written behind,
 * coalesced: at most one write in flight, the latest state always written last. Every write is
 * atomic, so pollers never see a torn manifest.
 */
export class RunWriter {
  private current: Manifest;
  private writing: Promise<void> | undefined;
  private dirty = false;
  private indexStatus: string;
  private failure: Error | undefined;

  private constructor(
    readonly runsDir: string,
    readonly runDir: string,
    initial: Manifest,
  ) {
    this.current = initial;
    this.indexStatus = initial.status;
  }

  /** Creates the run folder with the graph copy, the first manifest and the index entry. */
  static async create(runsDir: string, runDir: string, manifest: Manifest, graphSource: string): Promise<RunWriter> {
    await mkdir(runDir, { recursive: true });
    await writeFile(RunLayout.graphCopy(runDir), graphSource);
    await writeFile(RunLayout.runnerLog(runDir), '');
    const writer = new RunWriter(runsDir, runDir, manifest);
    await writer.write();
    await upsertIndexEntry(runsDir, indexEntryOf(manifest));
    return writer;
  }

  /** Takes over an existing run folder (resume, review decisions): writes the given manifest and its index entry. */
  static async open(runsDir: string, runDir: string, manifest: Manifest): Promise<RunWriter> {
    const writer = new RunWriter(runsDir, runDir, manifest);
    await writer.write();
    await upsertIndexEntry(runsDir, indexEntryOf(manifest));
    return writer;
  }

  get manifest(): Readonly<Manifest> {
    return this.current;
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

  /** Appends a line to `runner.log` (synchronously, so nothing is lost on a crash right after). */
  log(line: string): void {
    appendFileSync(RunLayout.runnerLog(this.runDir), `${new Date().toISOString()} ${line}\n`);
  }

  /** Resolves when everything changed so far is on disk; also refreshes the index entry. */
  async flush(): Promise<void> {
    while (this.writing || this.dirty) {
      if (!this.writing) this.schedule();
      await this.writing;
    }
    if (this.failure) throw this.failure;
    if (this.current.status !== this.indexStatus || this.current.finishedAt) {
      this.indexStatus = this.current.status;
      await upsertIndexEntry(this.runsDir, indexEntryOf(this.current));
    }
  }

  private schedule(): void {
    if (this.writing) {
      this.dirty = true;
      return;
    }
    this.dirty = false;
    this.writing = this.write()
      .catch((e: unknown) => {
        this.failure = e instanceof Error ? e : new Error(String(e));
      })
      .finally(() => {
        this.writing = undefined;
        if (this.dirty) this.schedule();
      });
  }

  private async write(): Promise<void> {
    const parsed = Manifest.safeParse(this.current);
    if (!parsed.success) {
      throw new Error(`Internal error: the manifest does not match its schema: ${parsed.error.message}`);
    }
    await writeJsonAtomic(RunLayout.manifest(this.runDir), this.current);
  }
}
