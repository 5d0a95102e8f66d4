import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { formatDuration } from '../core/abort.js';
import type { AgentEvent, EventRecord } from '../core/events.js';
import type { CheckResult } from '../store/manifest.js';

/**
 * A task attempt's two live logs: `events.jsonl` (normalised events with Codex's raw messages)
 * and `log.txt` (a readable transcript). Both are appended as events arrive, so `tail -f` works.
 */

/** Codex-internal echoes of the conversation (the whole instructions every turn): not worth keeping. */
const DROPPED_RAW_TYPES = new Set(['raw_response_item', 'raw_response_completed', 'item_started', 'item_completed']);

export class TaskLog {
  private seq = 0;
  /** The worktree, once known. */
  root: string | undefined;
  private readonly events: WriteStream;
  private readonly text: WriteStream;

  private constructor(
    readonly dir: string,
    private readonly source: string,
  ) {
    this.events = createWriteStream(path.join(dir, 'events.jsonl'), { flags: 'a' });
    this.text = createWriteStream(path.join(dir, 'log.txt'), { flags: 'a' });
  }

  static async open(dir: string, source: string): Promise<TaskLog> {
    await mkdir(dir, { recursive: true });
    return new TaskLog(dir, source);
  }

  line(text = ''): void {
    this.text.write(`${text}\n`);
  }

  section(title: string): void {
    this.line();
    this.line(`== ${title} ==`);
  }

  /** Records one backend event in both logs. */
  event(event: AgentEvent | null, raw: unknown): void {
    const rawType = (raw as { type?: unknown } | null)?.type;
    if (event === null && typeof rawType === 'string' && DROPPED_RAW_TYPES.has(rawType)) return;
    const record: EventRecord = { seq: ++this.seq, ts: new Date().toISOString(), source: this.source, event, raw };
    this.events.write(`${JSON.stringify(record)}\n`);
    if (event) this.describe(event);
  }

  private describe(event: AgentEvent): void {
    const time = new Date().toISOString().slice(11, 19);
    switch (event.type) {
      case 'thread-started':
        this.line(`[${time}] codex thread ${event.threadId}`);
        break;
      case 'command-begin':
        this.line(`[${time}] $ ${event.command}`);
        break;
      case 'command-end': {
        const output = event.output.replace(/\n$/, '');
        if (output) this.line(indent(output));
        const took = event.durationMs === undefined ? '' : `, ${formatDuration(event.durationMs)}`;
        this.line(`[${time}] (exit ${event.exitCode ?? 'none'}${took})`);
        break;
      }
      case 'patch-applied':
        this.line(`[${time}] patch ${event.success ? 'applied' : 'FAILED'}: ${event.files.map((f) => this.shorten(f)).join(', ')}`);
        if (!event.success && event.output) this.line(indent(event.output));
        break;
      case 'message':
        this.line(`[${time}] agent:`);
        this.line(indent(event.text));
        break;
      case 'usage':
        break;
      case 'error':
        this.line(`[${time}] ERROR: ${event.message}`);
        break;
      case 'turn-aborted':
        this.line(`[${time}] turn aborted: ${event.reason}`);
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

  async close(): Promise<void> {
    await Promise.all([endStream(this.events), endStream(this.text)]);
  }
}

function endStream(stream: WriteStream): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.end(() => resolve());
    stream.once('error', reject);
  });
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
}
