import { describe, expect, it } from 'vitest';
import { appServerOutputPiece, fromAppServerNotification } from '../../src/backends/app-server-events.js';
import { fromMcpEvent, latin1AsUtf8, mcpOutputPiece } from '../../src/backends/codex-events.js';
import { CommandOutputs } from '../../src/backends/command-outputs.js';

const item = (aggregatedOutput: string | null) => ({
  threadId: 't',
  item: { type: 'commandExecution', id: 'c1', command: 'cat x', status: 'completed', exitCode: 0, aggregatedOutput, durationMs: 5 },
});
const delta = (text: string) => ({ threadId: 't', turnId: 'u', itemId: 'c1', delta: text });

function late(outputs: CommandOutputs): unknown[] {
  const told: unknown[] = [];
  outputs.tellLate((event) => told.push(event));
  return told;
}

function feed(outputs: CommandOutputs, method: string, params: unknown) {
  return outputs.amend(appServerOutputPiece(method, params), fromAppServerNotification(method, params));
}

describe("a command's output through codex app-server", () => {
  it('is the end’s own aggregatedOutput when it has one', () => {
    const outputs = new CommandOutputs();
    feed(outputs, 'item/commandExecution/outputDelta', delta('streamed\n'));
    expect(feed(outputs, 'item/completed', item('whole\n'))).toMatchObject({ type: 'command-end', output: 'whole\n' });
    expect(late(outputs)).toEqual([]);
  });

  it.each([null, ''])('is what was streamed when the end comes with %j', (aggregated) => {
    const outputs = new CommandOutputs();
    expect(feed(outputs, 'item/commandExecution/outputDelta', delta('/bin/bash: /x: Read-'))).toBeNull();
    feed(outputs, 'item/commandExecution/outputDelta', delta('only file system\n'));
    expect(feed(outputs, 'item/completed', item(aggregated))).toMatchObject({ type: 'command-end', id: 'c1', output: '/bin/bash: /x: Read-only file system\n' });
  });

  it('streamed after the end, comes whole once the turn ends, once', () => {
    const outputs = new CommandOutputs();
    feed(outputs, 'item/completed', item(null));
    feed(outputs, 'item/commandExecution/outputDelta', delta('late '));
    feed(outputs, 'item/commandExecution/outputDelta', delta('text\n'));
    expect(late(outputs)).toEqual([{ type: 'command-output', id: 'c1', command: 'cat x', output: 'late text\n' }]);
    expect(late(outputs)).toEqual([]);
  });

  it('through codex mcp-server: pieces of bytes (base64 or byte values), a character cut between two, joined as UTF-8', () => {
    const outputs = new CommandOutputs(latin1AsUtf8);
    const bytes = Buffer.from('ünïcode: Read-only file system\n');
    const msgs: unknown[] = [
      { type: 'exec_command_output_delta', call_id: 'x1', stream: 'stderr', chunk: bytes.subarray(0, 1).toString('base64') },
      { type: 'exec_command_output_delta', call_id: 'x1', stream: 'stderr', chunk: [...bytes.subarray(1)] },
      { type: 'exec_command_end', call_id: 'x1', command: ['bash', '-lc', 'x'], exit_code: 1, aggregated_output: '' },
    ];
    const events = msgs.map((m) => outputs.amend(mcpOutputPiece(m), fromMcpEvent(m)));
    expect(events.at(-1)).toMatchObject({ type: 'command-end', id: 'x1', output: 'ünïcode: Read-only file system\n' });
  });
});
