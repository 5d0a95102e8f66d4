import { describe, expect, it } from 'vitest';
import { decide } from '../../src/model-server/decide.js';
import { parseScript } from '../../src/model-server/script.js';

const ids = (): ((p: string) => string) => {
  let n = 0;
  return (p) => `${p}_${++n}`;
};
const tools = [
  { type: 'function', name: 'exec_command' },
  { type: 'custom', name: 'apply_patch' },
];
const prompt = 'Do it.\n\n```sh\nnpm test\n```\n\n```js\nconst notAStep = 1;\n```\n\n```patch\n*** Begin Patch\n*** Add File: a.txt\n+a\n*** End Patch\n```\n';

describe('offline model script', () => {
  it('takes shell and patch blocks in order and ignores other code', () => {
    expect(parseScript(prompt)).toEqual([
      { kind: 'shell', command: 'npm test' },
      { kind: 'patch', patch: '*** Begin Patch\n*** Add File: a.txt\n+a\n*** End Patch\n', files: ['A a.txt'] },
    ]);
  });

  it('steps through the script from the history alone', () => {
    const user = { type: 'message', role: 'user', content: [{ type: 'input_text', text: prompt }] };
    const context = { type: 'message', role: 'user', content: [{ type: 'input_text', text: '<environment_context>\n</environment_context>' }] };
    const first = decide({ input: [context, user], tools }, ids());
    expect(first).toMatchObject({ type: 'function_call', name: 'exec_command', arguments: JSON.stringify({ cmd: 'npm test', yield_time_ms: 30000 }) });
    const running = { type: 'function_call_output', call_id: 'c1', output: 'Process running with session ID 7\nOutput:\n' };
    const poll = decide({ input: [context, user, first, running], tools }, ids());
    expect(poll).toMatchObject({ type: 'function_call', name: 'write_stdin', arguments: JSON.stringify({ session_id: 7, chars: '', yield_time_ms: 30000 }) });
    const ended = { type: 'function_call_output', call_id: 'c2', output: 'Process exited with code 1\nOutput:\nfail\n' };
    const patch = decide({ input: [context, user, first, running, poll, ended], tools }, ids());
    expect(patch).toMatchObject({ type: 'custom_tool_call', name: 'apply_patch', input: '*** Begin Patch\n*** Add File: a.txt\n+a\n*** End Patch\n' });
    const applied = { type: 'custom_tool_call_output', call_id: 'c3', output: 'Exit code: 0\nOutput:\nSuccess.' };
    const summary = decide({ input: [context, user, first, running, poll, ended, patch, applied], tools }, ids());
    expect(summary).toMatchObject({ type: 'message' });
    expect(summary.type === 'message' && summary.content[0]?.text).toBe('Offline model (stand-in): carried out 2 of 2 steps, 1 failed.\n1. shell `npm test`: exit 1\n2. patch (A a.txt): exit 0');
  });

  it('falls back to apply_patch through the shell when the tool is not offered', () => {
    const item = decide({ input: '```patch\n*** Begin Patch\n*** Add File: b\n+b\n*** End Patch\n```', tools: [{ name: 'exec_command' }] }, ids());
    expect(item).toMatchObject({ type: 'function_call', name: 'exec_command' });
    expect(item.type === 'function_call' && JSON.parse(item.arguments).cmd).toBe("apply_patch <<'PATCH'\n*** Begin Patch\n*** Add File: b\n+b\n*** End Patch\nPATCH");
  });
});
