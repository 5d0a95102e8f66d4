import { describe, expect, it } from 'vitest';
import { CommandOutputs, fromAppServerNotification } from '../../src/backends/app-server-events.js';

const item = (aggregatedOutput: string | null) => ({
  threadId: 't',
  item: { type: 'commandExecution', id: 'c1', command: 'cat x', status: 'completed', exitCode: 0, aggregatedOutput, durationMs: 5 },
});
const delta = (text: string) => ({ threadId: 't', turnId: 'u', itemId: 'c1', delta: text });

function feed(outputs: CommandOutputs, method: string, params: unknown) {
  return outputs.amend(method, params, fromAppServerNotification(method, params));
}

describe("a command's output through codex app-server", () => {
  it('is the end’s own aggregatedOutput when it has one', () => {
    const outputs = new CommandOutputs();
    feed(outputs, 'item/commandExecution/outputDelta', delta('streamed\n'));
    expect(feed(outputs, 'item/completed', item('whole\n'))).toMatchObject({ type: 'command-end', output: 'whole\n' });
    expect(outputs.takeLate()).toEqual([]);
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
    expect(outputs.takeLate()).toEqual([{ type: 'command-output', id: 'c1', command: 'cat x', output: 'late text\n' }]);
    expect(outputs.takeLate()).toEqual([]);
  });
});
