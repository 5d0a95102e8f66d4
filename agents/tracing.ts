import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { setTraceProcessors, setTracingDisabled, withTrace, type Span, type SpanData, type Trace, type TracingProcessor } from '@openai/agents';

/**
 * The agents' traces, written to files and sent nowhere. One processor for the whole process
 * replaces the SDK's default exporter (which would send traces to OpenAI and, offline, hold the
 * process open for seconds at exit). Each trace file is a sink; an agent run reaches its sink
 * through its trace's metadata, so runs in one process (a run's tasks, or tests side by side)
 * each write to their own file.
 *
 * A file holds one JSON object a line, written when a span or trace ends:
 *
 *   { "type": "agent", "name": "builder", "traceId": "trace_…", "spanId": "span_…",
 *     "parentId": "span_…" | null, "startedAt": "…", "endedAt": "…", "error": null | "message",
 *     "data": { …a few fields by type: tools, usage, model… } }
 *
 * `type` is the span type (`agent`, `turn`, `generation`, `response`, `function`, `task`, …) or
 * `trace` for the trace itself (its `spanId` is null; its `data` holds the group id and what the
 * caller named it by, e.g. the task). Model inputs and outputs are not written; an error's
 * message is. Where the lines go is the caller's choice (`TraceWriter`): the engine passes one
 * that writes through the run store and the run's redactor.
 */

/** The trace metadata key that names a run's sink. */
const SINK_KEY = 'codex_orchestrator_trace';

/** One JSON line of a trace file. */
export interface TraceRecord {
  readonly type: string;
  readonly name: string;
  readonly traceId: string;
  readonly spanId: string | null;
  readonly parentId: string | null;
  readonly startedAt: string | null;
  readonly endedAt: string | null;
  readonly error: string | null;
  readonly data: Record<string, unknown>;
}

/** Where a trace file's records go. */
export interface TraceWriter {
  write(record: TraceRecord): void;
  /** Flushes and closes; records written later are dropped. */
  close(): Promise<void>;
}

/** A plain file, appended to (for `plan` and tests; a run's trace goes through the run store). */
class FileTraceWriter implements TraceWriter {
  private readonly stream: WriteStream;
  private closed = false;

  constructor(readonly file: string) {
    this.stream = createWriteStream(file, { flags: 'a' });
  }

  write(record: TraceRecord): void {
    if (!this.closed) this.stream.write(`${JSON.stringify(record)}\n`);
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    return new Promise((resolve, reject) => {
      this.stream.once('error', reject);
      this.stream.end(() => resolve());
    });
  }
}

class FileTraceRouter implements TracingProcessor {
  readonly sinks = new Map<string, TraceWriter>();
  private readonly traceStarts = new Map<string, string>();

  private sinkOf(metadata: Record<string, unknown> | undefined): TraceWriter | undefined {
    const key = metadata?.[SINK_KEY];
    return typeof key === 'string' ? this.sinks.get(key) : undefined;
  }

  async onTraceStart(trace: Trace): Promise<void> {
    if (this.sinkOf(trace.metadata)) this.traceStarts.set(trace.traceId, new Date().toISOString());
  }

  async onTraceEnd(trace: Trace): Promise<void> {
    const startedAt = this.traceStarts.get(trace.traceId) ?? null;
    this.traceStarts.delete(trace.traceId);
    this.sinkOf(trace.metadata)?.write({
      type: 'trace',
      name: trace.name,
      traceId: trace.traceId,
      spanId: null,
      parentId: null,
      startedAt,
      endedAt: new Date().toISOString(),
      error: null,
      data: { ...(trace.groupId ? { groupId: trace.groupId } : {}), ...callerMetadata(trace.metadata) },
    });
  }

  async onSpanStart(): Promise<void> {}

  async onSpanEnd(span: Span<SpanData>): Promise<void> {
    const sink = this.sinkOf(span.traceMetadata);
    if (!sink) return;
    const { name, data } = describeSpan(span.spanData);
    sink.write({
      type: span.spanData.type,
      name,
      traceId: span.traceId,
      spanId: span.spanId,
      parentId: span.parentId,
      startedAt: span.startedAt,
      endedAt: span.endedAt,
      error: span.error?.message ?? null,
      data,
    });
  }

  async shutdown(): Promise<void> {}

  async forceFlush(): Promise<void> {}
}

/** What the caller named a trace by (`withTaskTrace`), without the routing key. */
function callerMetadata(metadata: Record<string, unknown> | undefined): Record<string, unknown> {
  return Object.fromEntries(Object.entries(metadata ?? {}).filter(([k, v]) => k !== SINK_KEY && typeof v === 'string'));
}

/** A span's name for people, and the few fields of its data worth keeping. */
function describeSpan(d: SpanData): { name: string; data: Record<string, unknown> } {
  const pick = (entries: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== undefined));
  switch (d.type) {
    case 'agent':
      return { name: d.name, data: pick({ tools: d.tools, handoffs: d.handoffs, outputType: d.output_type }) };
    case 'turn':
      return { name: `turn ${d.turn} of ${d.agent_name}`, data: pick({ agent: d.agent_name, turn: d.turn, usage: d.usage }) };
    case 'task':
      return { name: d.name, data: pick({ usage: d.usage }) };
    case 'function':
      return { name: d.name, data: {} };
    case 'generation':
      return { name: d.model ?? 'generation', data: pick({ model: d.model, usage: d.usage }) };
    case 'response':
      return { name: d.response_id ?? 'response', data: pick({ responseId: d.response_id }) };
    case 'handoff':
      return { name: `${d.from_agent ?? '?'} -> ${d.to_agent ?? '?'}`, data: pick({ from: d.from_agent, to: d.to_agent }) };
    case 'guardrail':
      return { name: d.name, data: { triggered: d.triggered } };
    case 'custom':
      return { name: d.name, data: {} };
    case 'mcp_tools':
      return { name: d.server ?? 'mcp_tools', data: {} };
    default:
      return { name: d.type, data: {} };
  }
}

let router: FileTraceRouter | undefined;
let nextSink = 0;

/**
 * Puts the file router in place of the SDK's processors, once per process. Every agent runtime
 * calls it, so no trace is ever exported, whether or not a trace file is open.
 */
export function installFileTracing(): void {
  if (router) return;
  router = new FileTraceRouter();
  setTraceProcessors([router]);
  // NODE_ENV=test disables tracing by default; runs without a trace file disable it per run instead.
  setTracingDisabled(false);
}

/** An open trace file: runs whose trace carries `metadata` write their spans to it. */
export interface TraceFile {
  readonly file: string;
  readonly metadata: Readonly<Record<string, string>>;
  /** Stops writing and flushes. Spans that end later are dropped. Idempotent. */
  close(): Promise<void>;
}

/**
 * Opens a trace file: `file` names it; the records go to `writer` when one is given (the engine's,
 * which writes through the run store), else to the file itself, appended to.
 */
export async function openTraceFile(file: string, writer?: TraceWriter): Promise<TraceFile> {
  installFileTracing();
  const active = router as FileTraceRouter;
  if (!writer) await mkdir(path.dirname(file), { recursive: true });
  const key = `sink-${process.pid}-${++nextSink}`;
  const sink = writer ?? new FileTraceWriter(file);
  active.sinks.set(key, sink);
  return {
    file,
    metadata: { [SINK_KEY]: key },
    close: async () => {
      if (!active.sinks.delete(key)) return;
      await sink.close();
    },
  };
}

/**
 * Runs `fn` in a trace of its own named `name`: the agent runs inside it (a task's turn, verdict and
 * triage) become its spans, and `data` (e.g. `{ task: 'add-shout' }`) is written with the trace.
 */
export function inTrace<T>(trace: TraceFile, name: string, groupId: string | undefined, data: Readonly<Record<string, string>>, fn: () => Promise<T>): Promise<T> {
  return withTrace(name, () => fn(), { ...(groupId ? { groupId } : {}), metadata: { ...data, ...trace.metadata } });
}
