import { answerAgent, type AgentRequest } from './agent-layer.js';
import { describeStep } from './script.js';
import { locateInScript, normaliseInput, type ScriptPosition } from './history.js';

/** An output item of a Responses API response. */
export type OutputItem =
  | {
      readonly type: 'message';
      readonly id: string;
      readonly role: 'assistant';
      readonly status: 'completed';
      readonly content: readonly { readonly type: 'output_text'; readonly text: string; readonly annotations: readonly [] }[];
    }
  | {
      readonly type: 'function_call';
      readonly id: string;
      readonly call_id: string;
      readonly name: string;
      readonly arguments: string;
      readonly status: 'completed';
    }
  | {
      readonly type: 'custom_tool_call';
      readonly id: string;
      readonly call_id: string;
      readonly name: string;
      readonly input: string;
      readonly status: 'completed';
    };

/** The part of a Responses API request the offline model reads. */
export type ModelRequest = AgentRequest;

/** Long enough that ordinary commands finish inside one tool call; longer ones are polled. */
const EXEC_YIELD_MS = 30_000;

/**
 * Picks the offline model's next output. For a role agent (`agent-layer.ts`): a call of the codex
 * tool, a final message or structured JSON. For Codex: the next step of the prompt's script as a
 * tool call, a poll of a still-running command, or the final summary message.
 */
export function decide(request: ModelRequest, newId: (prefix: string) => string): OutputItem {
  const agent = answerAgent(request);
  if (agent?.kind === 'call') return functionCall(newId, agent.name, agent.args);
  if (agent?.kind === 'message') return message(newId, agent.text);
  const position = locateInScript(normaliseInput(request.input));
  const toolNames = new Set((request.tools ?? []).map((t) => t.name).filter((n): n is string => !!n));
  if (position.pendingSession !== undefined) {
    return functionCall(newId, 'write_stdin', { session_id: position.pendingSession, chars: '', yield_time_ms: EXEC_YIELD_MS });
  }
  const next = position.steps[position.done.length];
  if (next !== undefined) {
    if (next.kind === 'shell') {
      return functionCall(newId, 'exec_command', { cmd: next.command, yield_time_ms: EXEC_YIELD_MS });
    }
    if (toolNames.has('apply_patch')) {
      return { type: 'custom_tool_call', id: newId('ctc'), call_id: newId('call'), name: 'apply_patch', input: next.patch, status: 'completed' };
    }
    // Without the apply_patch tool Codex still intercepts `apply_patch` run as a shell command.
    return functionCall(newId, 'exec_command', { cmd: `apply_patch <<'PATCH'\n${next.patch}PATCH`, yield_time_ms: EXEC_YIELD_MS });
  }
  return message(newId, summarise(position));
}

function functionCall(newId: (prefix: string) => string, name: string, args: Record<string, unknown>): OutputItem {
  return { type: 'function_call', id: newId('fc'), call_id: newId('call'), name, arguments: JSON.stringify(args), status: 'completed' };
}

function message(newId: (prefix: string) => string, text: string): OutputItem {
  return { type: 'message', id: newId('msg'), role: 'assistant', status: 'completed', content: [{ type: 'output_text', text, annotations: [] }] };
}

/** The final answer: every step and its exit status, so logs show what the stand-in did. */
export function summarise(position: ScriptPosition): string {
  if (position.steps.length === 0) {
    return 'Offline model (stand-in): the prompt holds no fenced shell, patch or artifact blocks, so there was nothing to carry out.';
  }
  const failed = position.done.filter((d) => d.exitCode !== 0).length;
  const lines = position.done.map((d, i) => {
    const status = d.exitCode === undefined ? 'no exit status' : `exit ${d.exitCode}`;
    return `${i + 1}. ${describeStep(d.step)}: ${status}`;
  });
  const head = `Offline model (stand-in): carried out ${position.done.length} of ${position.steps.length} steps${failed > 0 ? `, ${failed} failed` : ''}.`;
  return [head, ...lines].join('\n');
}
