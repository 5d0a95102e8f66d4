import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EventRecord } from '../../src/core/events.js';
import { TaskLog } from '../../src/engine/attempt/task-log.js';
import { Redactor } from '../../src/store/secrets/redactor.js';
import { collectSecrets } from '../../src/store/secrets/sources.js';
import { tempDir } from '../helpers/temp.js';

const SECRET = 'sk-live-0123456789abcdef';
const redactor = Redactor.from(collectSecrets({ OPENAI_API_KEY: SECRET }, { patterns: ['canary-[0-9]{6}'] }));
const b64 = (s: string): string => Buffer.from(s).toString('base64');

async function logOf(feed: (log: TaskLog) => void): Promise<{ records: EventRecord[]; text: string; raw: string }> {
  const runDir = tempDir();
  const dir = path.join(runDir, 'tasks', 't');
  const log = await TaskLog.open({ runDir, dir, source: 'codex-mcp', redactor });
  feed(log);
  await log.close();
  const raw = readFileSync(path.join(dir, 'events.jsonl'), 'utf8');
  return {
    records: raw
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as EventRecord),
    text: readFileSync(path.join(dir, 'log.txt'), 'utf8'),
    raw,
  };
}

describe('the task log', () => {
  it('redacts command output streamed in pieces, across the messages that carry it', async () => {
    const output = `token ${SECRET} and canary-123456 done\n`;
    const cuts = [9, 20, 33];
    const pieces = [0, ...cuts].map((at, i) => output.slice(at, cuts[i] ?? output.length));
    const { records, raw } = await logOf((log) => {
      for (const piece of pieces) log.event(null, { type: 'exec_command_output_delta', call_id: 'c1', stream: 'stdout', chunk: b64(piece) });
      log.event({ type: 'command-end', id: 'c1', command: 'run', exitCode: 0, output, durationMs: 5 }, { type: 'exec_command_end', call_id: 'c1', aggregated_output: output });
    });
    const chunks = records.filter((r) => (r.raw as { type: string }).type === 'exec_command_output_delta');
    // One record per piece as it came, then the held-back end, before the command's end.
    expect(chunks.map((r) => r.heldBack ?? false)).toEqual([false, false, false, false, true]);
    expect(chunks.map((r) => Buffer.from((r.raw as { chunk: string }).chunk, 'base64').toString()).join('')).toBe('token [REDACTED:OPENAI_API_KEY] and [REDACTED:secrets#1] done\n');
    expect(records.at(-1)?.raw).toEqual({ type: 'exec_command_end', call_id: 'c1', aggregated_output: 'token [REDACTED:OPENAI_API_KEY] and [REDACTED:secrets#1] done\n' });
    expect(records.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    for (const s of [SECRET, b64(SECRET), 'canary-123456', ...pieces.map(b64)]) {
      if (s.length > 8) expect(raw).not.toContain(s);
    }
  });

  it('redacts streamed text of agent messages, ending the stream when its item completes', async () => {
    const { records } = await logOf((log) => {
      for (const delta of ['The key is sk-live-0123', '456789abcdef, keep it.']) {
        log.event(null, { type: 'agent_message_content_delta', item_id: 'msg_1', delta });
      }
      log.event(null, { type: 'item_completed', item: { id: 'msg_1' } });
      log.event({ type: 'message', text: `The key is ${SECRET}, keep it.` }, { type: 'agent_message', message: `The key is ${SECRET}, keep it.` });
    });
    expect(records.map((r) => [(r.raw as { delta?: string }).delta ?? (r.raw as { message?: string }).message, r.heldBack ?? false])).toEqual([
      ['', false],
      ['', false],
      ['The key is [REDACTED:OPENAI_API_KEY], keep it.', true],
      ['The key is [REDACTED:OPENAI_API_KEY], keep it.', false],
    ]);
  });

  it('redacts the transcript: prompt lines, commands, output, messages and checks', async () => {
    const { text } = await logOf((log) => {
      log.section('prompt');
      log.line(`use ${SECRET}`);
      log.event({ type: 'command-begin', id: 'c', command: `echo ${SECRET}` }, { type: 'exec_command_begin' });
      log.event({ type: 'command-end', id: 'c', command: 'x', exitCode: 0, output: `${SECRET}\n`, durationMs: undefined }, { type: 'exec_command_end' });
      log.checks([{ command: `test ${SECRET}`, exitCode: 0, signal: null, timedOut: false, durationMs: 3, outputPath: 'tasks/t/checks/1.log' }]);
    });
    expect(text.replace(/\[\d\d:\d\d:\d\d\]/g, '[time]')).toBe(`
== prompt ==
use [REDACTED:OPENAI_API_KEY]
[time] $ echo [REDACTED:OPENAI_API_KEY]
    [REDACTED:OPENAI_API_KEY]
[time] (exit 0)

== verify (run by the orchestrator) ==
$ test [REDACTED:OPENAI_API_KEY]
  exit 0 in 3ms; output: tasks/t/checks/1.log
`);
  });
});
