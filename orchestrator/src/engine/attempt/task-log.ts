import path from 'node:path';
import { formatDuration } from '../../core/abort.js';
import type { AgentEvent, EventRecord } from '../../core/events.js';
import type { CheckResult } from '../../store/manifest.js';
import { AppendFile } from '../../store/append-file.js';
import { makeRunDir } from '../../store/run-files.js';
import { Redactor } from '../../store/secrets/redactor.js';
import { StreamedOutput } from './streamed-output.js';

/**
 * A task attempt's two live logs: `events.jsonl` (normalised events with Codex's raw messages)
 * and `log.txt` (a readable transcript). Both are appended as events arrive, so `tail -f` works.
 *
 * Every byte goes through the run's redactor: each event and each line whole, and Codex's
 * streamed output (deltas) across the messages that carry it (`StreamedOutput`). The files are
 * opened without following links; a write that fails is reported, never thrown, and that file
 * stops (the run stops too, see RunWriter).
 */

/** Codex-internal echoes of the conversation (the whole instructions every turn): not worth keeping. */
const DROPPED_RAW_TYPES = new Set(['raw_response_item', 'raw_response_completed', 'item_started', 'item_completed']);

export interface TaskLogOptions {
  /** The run folder: nothing below it is written through a link. */
  readonly runDir: string;
  /** The task's folder. */
  readonly dir: string;
  /** Which backend produced the events. */
  readonly source: string;
  readonly redactor?: Redactor;
  /** A write failed (a full disk, a planted link). */
  readonly onWriteError?: (error: unknown, file: string) => void;
}

export class TaskLog {
  private seq = 0;
  /** The worktree, once known. */
  root: string | undefined;
  private readonly redactor: Redactor;
  private readonly streamed: StreamedOutput;

  private constructor(
    private readonly options: TaskLogOptions,
    private readonly events: AppendFile,
    private readonly text: AppendFile,
  ) {
    this.redactor = options.redactor ?? Redactor.none;
    this.streamed = new StreamedOutput(this.redactor);
  }

  static async open(options: TaskLogOptions): Promise<TaskLog> {
    const report = options.onWriteError ?? (() => undefined);
    try {
      await makeRunDir(options.runDir, options.dir);
    } catch (e) {
      report(e, options.dir);
    }
    const [events, text] = await Promise.all(['events.jsonl', 'log.txt'].map((name) => AppendFile.open(options.runDir, path.join(options.dir, name), 'append', report)));
    return new TaskLog(options, events as AppendFile, text as AppendFile);
  }

  get dir(): string {
    return this.options.dir;
  }

  /** Appends a line to `log.txt` (redacted). */
  line(text = ''): void {
    this.text.write(`${this.redactor.text(text)}\n`);
  }

  /** A line that is already redacted. */
  private say(text: string): void {
    this.text.write(`${text}\n`);
  }

  /** Command output that is already redacted, as bytes held one per character (latin1). */
  output(text: string): void {
    this.text.write(text, 'latin1');
  }

  section(title: string): void {
    this.line();
    this.line(`== ${title} ==`);
  }

  /** Records one backend event in both logs. */
  event(event: AgentEvent | null, raw: unknown): void {
    for (const tail of this.streamed.endedBy(raw)) this.record(null, tail, true);
    const rawType = (raw as { type?: unknown } | null)?.type;
    if (event === null && typeof rawType === 'string' && DROPPED_RAW_TYPES.has(rawType)) return;
    const piece = this.streamed.piece(raw);
    if (piece !== undefined) {
      this.record(this.redactor.json(event), piece);
      return;
    }
    const safe = this.redactor.json(event);
    this.record(safe, this.redactor.json(raw));
    if (safe) this.describe(safe);
  }

  private record(event: AgentEvent | null, raw: unknown, heldBack = false): void {
    const record: EventRecord = { seq: ++this.seq, ts: new Date().toISOString(), source: this.options.source, event, raw, ...(heldBack ? { heldBack } : {}) };
    this.events.write(`${JSON.stringify(record)}\n`);
  }

  private describe(event: AgentEvent): void {
    const time = new Date().toISOString().slice(11, 19);
    switch (event.type) {
      case 'thread-started':
        this.say(`[${time}] codex thread ${event.threadId}`);
        break;
      case 'command-begin':
        this.say(`[${time}] $ ${event.command}`);
        break;
      case 'command-end': {
        const output = event.output.replace(/\n$/, '');
        if (output) this.say(indent(output));
        const took = event.durationMs === undefined ? '' : `, ${formatDuration(event.durationMs)}`;
        this.say(`[${time}] (exit ${event.exitCode ?? 'none'}${took})`);
        break;
      }
      case 'command-output':
        this.say(`[${time}] output of \`${event.command.split('\n')[0] ?? ''}\` that Codex streamed after its end:`);
        this.say(indent(event.output.replace(/\n$/, '')));
        break;
      case 'patch-applied':
        this.say(`[${time}] patch ${event.success ? 'applied' : 'FAILED'}: ${event.files.map((f) => this.shorten(f)).join(', ')}`);
        if (!event.success && event.output) this.say(indent(event.output));
        break;
      case 'message':
        this.say(`[${time}] agent:`);
        this.say(indent(event.text));
        break;
      case 'usage':
      case 'turn-diff':
        break;
      case 'error':
        this.say(`[${time}] ERROR: ${event.message}`);
        break;
      case 'turn-aborted':
        this.say(`[${time}] turn aborted: ${event.reason}`);
        break;
      case 'request-declined':
        this.say(`[${time}] Codex asked for ${event.method}: answered ${event.answer} (the orchestrator fixes what a task may do)`);
        break;
    }
  }

  /** Paths under the worktree are shown relative to it. */
  private shorten(file: string): string {
    return this.root && file.startsWith(this.root + path.sep) ? file.slice(this.root.length + 1) : file;
  }

  checks(results: readonly CheckResult[]): void {
    this.section('verify (run by the orchestrator)');
    if (results.length === 0) this.line('(no verify commands)');
    for (const r of results) {
      const status = r.timedOut ? 'killed (timeout or stop)' : `exit ${r.exitCode ?? r.signal ?? 'none'}`;
      this.line(`$ ${r.command}`);
      this.line(`  ${status} in ${formatDuration(r.durationMs)}; output: ${r.outputPath}`);
    }
  }

  /**
   * Ends open streams (their held-back tails are recorded) and closes both files. Resolves to the
   * size each file must have (every byte written to it), for the files written whole. Never throws.
   */
  async close(): Promise<Map<string, number>> {
    for (const tail of this.streamed.endAll()) this.record(null, tail, true);
    const sizes = new Map<string, number>();
    for (const log of [this.events, this.text]) {
      const size = await log.close();
      if (size !== undefined) sizes.set(log.file, size);
    }
    return sizes;
  }
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
}
