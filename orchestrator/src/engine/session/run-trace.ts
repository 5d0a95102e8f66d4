import type { TraceRecord, TraceWriter } from '../../../../agents/index.js';
import { RunLayout } from '../../store/layout.js';
import type { RunWriter } from '../../store/run-writer.js';
import { AppendFile } from '../../store/append-file.js';

/**
 * The run's `trace.jsonl`: the role agents' spans, one JSON object a line, written like every
 * other file of the run: through the run store (never through a link) and the run's redactor.
 * Spans carry names, timings, usage and error messages, not prompts or outputs; an error message
 * can still quote what a model or tool said, so every record is redacted whole.
 */
export async function openRunTrace(writer: RunWriter): Promise<{ readonly file: string; readonly writer: TraceWriter }> {
  const file = RunLayout.trace(writer.runDir);
  const log = await AppendFile.open(writer.runDir, file, 'append', (e, f) => writer.noteWriteError(e, f));
  return {
    file,
    writer: {
      write: (record: TraceRecord) => log.write(`${JSON.stringify(writer.redactor.json(record))}\n`),
      close: async () => {
        await log.close();
      },
    },
  };
}
