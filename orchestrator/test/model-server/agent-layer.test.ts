import { describe, expect, it } from 'vitest';
import { decide, type OutputItem } from '../../src/model-server/decide.js';
import { fence } from '../helpers/temp.js';

// The offline model's answers to role agents, decided from the request alone.

const ids = (): ((p: string) => string) => {
  let n = 0;
  return (p) => `${p}_${++n}`;
};
const user = (text: string): Record<string, unknown> => ({ role: 'user', content: text });
const codexTool = [{ type: 'function', name: 'codex' }];
const call = (args: Record<string, unknown>, id: string): Record<string, unknown> => ({ type: 'function_call', name: 'codex', call_id: id, arguments: JSON.stringify(args) });
const output = (id: string, message: string, threadId = 't-1'): Record<string, unknown> => ({
  type: 'function_call_output',
  call_id: id,
  output: JSON.stringify({ status: 'completed', threadId, message }),
});
const args = (item: OutputItem): unknown => (item.type === 'function_call' ? JSON.parse(item.arguments) : item);
const text = (item: OutputItem): string => (item.type === 'message' ? (item.content[0]?.text ?? '') : `not a message: ${item.type}`);
const verdictSchema = { type: 'json_schema', name: 'output', schema: { properties: { verdict: {}, summary: {}, findings: {} } } };

describe('offline model: role agents', () => {
  it('hands the prompt to Codex, then each follow-up in the same thread, then finishes', () => {
    const prompt = `Add it.\n\n${fence('sh', 'echo one > one.txt')}\n\n${fence('follow-up', 'Now the second file.')}\n`;
    const first = decide({ input: [user(prompt)], tools: codexTool }, ids());
    expect(args(first)).toEqual({ prompt: `Add it.\n\n${fence('sh', 'echo one > one.txt')}`, continueThread: false });
    const second = decide({ input: [user(prompt), call({}, 'c1'), output('c1', 'done')], tools: codexTool }, ids());
    expect(args(second)).toEqual({ prompt: 'Now the second file.', continueThread: true });
    const done = decide({ input: [user(prompt), call({}, 'c1'), output('c1', 'done'), call({}, 'c2'), output('c2', 'done again')], tools: codexTool }, ids());
    expect(text(done)).toBe('Offline model (stand-in): asked Codex 2 time(s) in thread t-1. Codex answered:\ndone again');
  });

  it('continues the thread for a new message in a conversation that already used Codex', () => {
    const input = [user('First.'), call({}, 'c1'), output('c1', 'ok'), { role: 'assistant', content: 'Done.' }, user('Fix the typo.')];
    expect(args(decide({ input, tools: codexTool }, ids()))).toEqual({ prompt: 'Fix the typo.', continueThread: true });
  });

  it('adds the arguments of an offline-tool-args block (for tests of fields the tool must ignore)', () => {
    const prompt = `Go.\n${fence('offline-tool-args', '{"cwd": "/elsewhere", "sandbox": "danger-full-access"}')}\n`;
    expect(args(decide({ input: [user(prompt)], tools: codexTool }, ids()))).toEqual({ cwd: '/elsewhere', sandbox: 'danger-full-access', prompt: 'Go.', continueThread: false });
  });

  it('answers a verdict from the check results in the prompt', () => {
    const checks = (codes: number[]): string => fence('json', JSON.stringify({ checks: codes.map((c, i) => ({ command: `check ${i + 1}`, exitCode: c })) }));
    const pass = JSON.parse(text(decide({ input: [user(`Judge.\n${checks([0, 0])}`)], text: { format: verdictSchema } }, ids())));
    expect(pass).toEqual({ verdict: 'pass', summary: '2 of 2 check(s) passed.', findings: [] });
    const fail = JSON.parse(text(decide({ input: [user(`Judge.\n${checks([0, 2])}`)], text: { format: verdictSchema } }, ids())));
    expect(fail).toEqual({
      verdict: 'fail',
      summary: '1 of 2 check(s) passed; failed: `check 2` exited 2.',
      findings: [{ file: null, line: null, severity: 'error', message: '`check 2` exited 2' }],
    });
  });

  it('calls Codex first when a tester with the tool is asked for a verdict, then judges by what Codex reported', () => {
    const input = [user('Run the tests.'), call({}, 'c1'), output('c1', 'Offline model (stand-in): carried out 1 of 1 steps, 1 failed.\n1. shell `npm test`: exit 1')];
    expect(decide({ input: [user('Run the tests.')], tools: codexTool, text: { format: verdictSchema } }, ids())).toMatchObject({ type: 'function_call', name: 'codex' });
    expect(JSON.parse(text(decide({ input, tools: codexTool, text: { format: verdictSchema } }, ids())))).toMatchObject({ verdict: 'fail', findings: [{ message: '`npm test` exited 1' }] });
  });

  it('answers a triage from the failure in the prompt', () => {
    const failure = fence('json', JSON.stringify({ failure: { taskId: 'api', role: 'builder', reason: 'timeout', message: 'task timed out after 10m', runId: 'r1' } }));
    const schema = { type: 'json_schema', name: 'output', schema: { properties: { probableCause: {}, nextStep: {} } } };
    expect(JSON.parse(text(decide({ input: [user(`Triage.\n${failure}`)], text: { format: schema } }, ids())))).toEqual({
      probableCause: 'Task "api" did not finish within its timeout: task timed out after 10m',
      nextStep: "Raise the task's `timeout` in the graph, then run `codex-orchestrator retry r1 --task api --reload` (or split the task into smaller ones and run the graph again).",
    });
  });

  it('echoes the graph of the prompt, or a bad answer for the attempts an offline-plan block names', () => {
    const graph = { name: 'x', tasks: [{ id: 'a', role: 'builder', prompt: 'A' }] };
    const schema = { type: 'json_schema', name: 'task_graph', schema: { properties: { tasks: {}, settings: {} } } };
    const prompt = `Plan.\n${fence('offline-plan', 'malformed times 1')}\n${fence('json', JSON.stringify(graph))}\n`;
    expect(text(decide({ input: [user(prompt)], text: { format: schema } }, ids()))).toBe('{"tasks": [ this is not JSON');
    const retry = [user(prompt), { role: 'assistant', content: '{"tasks": [ this is not JSON' }, user('Your answer was rejected.')];
    expect(JSON.parse(text(decide({ input: retry, text: { format: schema } }, ids())))).toEqual(graph);
    const invalid = prompt.replace('malformed times 1', 'invalid');
    expect(JSON.parse(text(decide({ input: [user(invalid)], text: { format: schema } }, ids()))).tasks[0].deps).toEqual(['no-such-task']);
  });

  it('leaves requests that offer no codex tool and ask for no schema to the Codex script', () => {
    expect(text(decide({ input: [user('Nothing.')], tools: [{ type: 'function', name: 'exec_command' }] }, ids()))).toContain('the prompt holds no fenced shell, patch or artifact blocks');
  });
});
