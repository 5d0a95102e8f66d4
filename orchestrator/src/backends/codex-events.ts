import type { AgentEvent, TokenUsage } from '../core/events.js';
import type { OutputPiece } from './command-outputs.js';

/**
 * Normalises Codex's two event formats into `AgentEvent`s: the `codex/event` notifications of
 * `codex mcp-server` (`msg.type` = `exec_command_end`, …) and the JSON lines of
 * `codex exec --json` (`item.completed`, …). Unknown messages map to null and are kept raw.
 */

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** `["/bin/bash", "-lc", "npm test"]` → `npm test`; other argv joined with spaces. */
export function commandText(command: unknown): string {
  if (typeof command === 'string') return unwrapShell(command);
  if (!Array.isArray(command)) return '';
  const parts = command.map(String);
  if (parts.length === 3 && /(^|\/)(ba|z)?sh$/.test(parts[0] ?? '') && /^-l?c$/.test(parts[1] ?? '')) return parts[2] ?? '';
  return parts.join(' ');
}

/** `/bin/bash -lc 'npm test'` (exec's form) → `npm test`. */
function unwrapShell(command: string): string {
  const m = /^\/bin\/(?:ba|z)?sh -l?c '([\s\S]*)'$/.exec(command);
  return m ? (m[1] ?? '').replace(/'\\''/g, "'") : command;
}

export function usageFrom(raw: unknown): TokenUsage | undefined {
  if (!isObject(raw)) return undefined;
  const input = num(raw['input_tokens']);
  const output = num(raw['output_tokens']);
  return {
    input,
    cachedInput: num(raw['cached_input_tokens']),
    output,
    reasoning: num(raw['reasoning_output_tokens']),
    total: num(raw['total_tokens']) || input + output,
  };
}

/** A piece of a command's streamed output in a `codex/event` `msg` (`exec_command_output_delta`, bytes as base64 or an array of byte values in `chunk`), as latin1; or undefined. */
export function mcpOutputPiece(msg: unknown): OutputPiece | undefined {
  if (!isObject(msg) || msg['type'] !== 'exec_command_output_delta') return undefined;
  const chunk = msg['chunk'];
  const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'base64') : Array.isArray(chunk) && chunk.every((b) => typeof b === 'number') ? Buffer.from(chunk as number[]) : undefined;
  return bytes ? { id: str(msg['call_id']), text: bytes.toString('latin1') } : undefined;
}

/** Pieces held as latin1 (one character per byte) as the UTF-8 text they are. */
export function latin1AsUtf8(joined: string): string {
  return Buffer.from(joined, 'latin1').toString('utf8');
}

/** A `codex/event` notification's `msg` (codex mcp-server). */
export function fromMcpEvent(msg: unknown): AgentEvent | null {
  if (!isObject(msg)) return null;
  switch (msg['type']) {
    case 'session_configured':
      return { type: 'thread-started', threadId: str(msg['thread_id']) || str(msg['session_id']) };
    case 'exec_command_begin':
      return { type: 'command-begin', id: str(msg['call_id']), command: commandText(msg['command']) };
    case 'exec_command_end': {
      const duration = msg['duration'];
      const durationMs = isObject(duration) ? num(duration['secs']) * 1000 + Math.round(num(duration['nanos']) / 1e6) : undefined;
      const exit = msg['exit_code'];
      return {
        type: 'command-end',
        id: str(msg['call_id']),
        command: commandText(msg['command']),
        exitCode: typeof exit === 'number' ? exit : null,
        output: str(msg['aggregated_output']) || str(msg['formatted_output']) || str(msg['stdout']) + str(msg['stderr']),
        durationMs,
      };
    }
    case 'patch_apply_end': {
      const changes = msg['changes'];
      return {
        type: 'patch-applied',
        id: str(msg['call_id']),
        files: isObject(changes) ? Object.keys(changes) : [],
        success: msg['success'] === true,
        output: (str(msg['stdout']) + str(msg['stderr'])).trim(),
      };
    }
    case 'agent_message':
      return { type: 'message', text: str(msg['message']) };
    case 'token_count': {
      const info = msg['info'];
      const usage = isObject(info) ? usageFrom(info['total_token_usage']) : undefined;
      return usage ? { type: 'usage', usage } : null;
    }
    case 'error':
    case 'stream_error':
      return { type: 'error', message: str(msg['message']) || JSON.stringify(msg) };
    case 'turn_aborted':
      return { type: 'turn-aborted', reason: str(msg['reason']) || 'aborted' };
    default:
      return null;
  }
}

/** One JSON line of `codex exec --json`. Usage there is per turn; the caller accumulates it. */
export function fromExecLine(line: unknown): AgentEvent | null {
  if (!isObject(line)) return null;
  const item = line['item'];
  switch (line['type']) {
    case 'thread.started':
      return { type: 'thread-started', threadId: str(line['thread_id']) };
    case 'turn.completed': {
      const usage = usageFrom(line['usage']);
      return usage ? { type: 'usage', usage } : null;
    }
    case 'turn.failed': {
      const error = line['error'];
      return { type: 'error', message: isObject(error) ? str(error['message']) : 'turn failed' };
    }
    case 'error':
      return { type: 'error', message: str(line['message']) || 'error' };
    case 'item.started':
      if (isObject(item) && item['type'] === 'command_execution') {
        return { type: 'command-begin', id: str(item['id']), command: commandText(item['command']) };
      }
      return null;
    case 'item.completed':
      if (!isObject(item)) return null;
      switch (item['type']) {
        case 'command_execution': {
          const exit = item['exit_code'];
          return {
            type: 'command-end',
            id: str(item['id']),
            command: commandText(item['command']),
            exitCode: typeof exit === 'number' ? exit : null,
            output: str(item['aggregated_output']),
            durationMs: undefined,
          };
        }
        case 'file_change': {
          const changes = Array.isArray(item['changes']) ? item['changes'] : [];
          return {
            type: 'patch-applied',
            id: str(item['id']),
            files: changes.map((c: unknown) => (isObject(c) ? str(c['path']) : '')).filter(Boolean),
            success: item['status'] === 'completed',
            output: '',
          };
        }
        case 'agent_message':
          return { type: 'message', text: str(item['text']) };
        case 'error':
          return { type: 'error', message: str(item['message']) };
        default:
          return null;
      }
    default:
      return null;
  }
}
