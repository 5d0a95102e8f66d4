import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openRunTrace } from '../../src/engine/session/run-trace.js';
import { RunWriter } from '../../src/store/run-writer.js';
import { Redactor } from '../../src/store/secrets/redactor.js';
import { collectSecrets } from '../../src/store/secrets/sources.js';
import { FIXTURE_RUN_ID, manifestFixture } from '../helpers/manifests.js';
import { tempDir } from '../helpers/temp.js';

const SECRET = 'sk-trace-0123456789abcdef';

async function writerWithSecret(): Promise<RunWriter> {
  const runsDir = tempDir('co-runs-');
  const redactor = Redactor.from(collectSecrets({ OPENAI_API_KEY: SECRET }, { patterns: [], envNames: [] }));
  const created = await RunWriter.create(runsDir, path.join(runsDir, FIXTURE_RUN_ID), manifestFixture(), 'graph source', { redactor });
  if (!created.ok) throw new Error(JSON.stringify(created.error));
  return created.value;
}

const record = (error: string | null) => ({
  type: 'function',
  name: 'codex',
  traceId: 'trace_1',
  spanId: 'span_1',
  parentId: null,
  startedAt: '2026-11-21T10:04:05.000Z',
  endedAt: '2026-11-21T10:04:06.000Z',
  error,
  data: {},
});

describe("the run's trace.jsonl", () => {
  it('is written through the run redactor: an error message quoting a secret keeps it out', async () => {
    const writer = await writerWithSecret();
    const trace = await openRunTrace(writer);
    expect(trace.file).toBe(path.join(writer.runDir, 'trace.jsonl'));
    trace.writer.write(record(`401 Incorrect API key provided: ${SECRET}`));
    await trace.writer.close();
    const text = readFileSync(trace.file, 'utf8');
    expect(text).not.toContain(SECRET);
    expect(JSON.parse(text).error).toBe('401 Incorrect API key provided: [REDACTED:OPENAI_API_KEY]');
    writer.close();
  });

  it('is never written through a link planted in its place: the run is told to stop', async () => {
    const writer = await writerWithSecret();
    const target = path.join(tempDir(), 'elsewhere.txt');
    writeFileSync(target, 'untouched\n');
    symlinkSync(target, path.join(writer.runDir, 'trace.jsonl'));
    const trace = await openRunTrace(writer);
    trace.writer.write(record(null));
    await trace.writer.close();
    expect(readFileSync(target, 'utf8')).toBe('untouched\n');
    expect(writer.failure?.reason).toBe('symlink');
    writer.close();
  });
});
