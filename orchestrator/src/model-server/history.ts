import { parseScript, revisionSteps, type ScriptStep } from './script.js';

/**
 * Reads a Responses API request's history to find where the offline model is in its script.
 * The server keeps no state: Codex and the Agents SDK send the whole conversation every turn,
 * so the next step follows from the history alone (correct under concurrency and resumes).
 */

/** An input item as the Responses API sends it; only the fields the model reads. */
export interface InputItem {
  readonly type?: string;
  readonly role?: string;
  readonly content?: unknown;
  readonly name?: string;
  readonly call_id?: string;
  readonly output?: unknown;
}

/** What happened to one step of the script. */
export interface StepOutcome {
  readonly step: ScriptStep;
  /** Exit code reported by the tool, or undefined when it reported none. */
  readonly exitCode: number | undefined;
}

export interface ScriptPosition {
  readonly prompt: string;
  readonly steps: readonly ScriptStep[];
  readonly done: readonly StepOutcome[];
  /** A command still running in a unified-exec session that must be waited for. */
  readonly pendingSession: number | undefined;
}

/** Text of a message item's content (string or content parts). */
export function messageText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part: unknown) => {
      if (part && typeof part === 'object' && 'text' in part && typeof part.text === 'string') return part.text;
      return '';
    })
    .join('');
}

/** Context Codex injects as user messages (environment, aborted turns): not the user's prompt. */
function isInjectedContext(text: string): boolean {
  return /^\s*<(environment_context|turn_aborted|user_instructions|user_shell_command|subagent_notification)\b/.test(text);
}

export function normaliseInput(input: unknown): InputItem[] {
  if (typeof input === 'string') return [{ type: 'message', role: 'user', content: input }];
  if (!Array.isArray(input)) return [];
  return input.filter((i): i is InputItem => i !== null && typeof i === 'object');
}

/**
 * Where the script of the latest user prompt is. A prompt without steps of its own revises the
 * artifacts earlier prompts asked for (`revisionSteps`): a rework follow-up in prose still changes
 * what the task wrote.
 */
export function locateInScript(items: readonly InputItem[]): ScriptPosition {
  let promptIndex = -1;
  let prompt = '';
  const earlier: string[] = [];
  items.forEach((item, i) => {
    if ((item.type === 'message' || item.type === undefined) && item.role === 'user') {
      const text = messageText(item.content);
      if (!isInjectedContext(text)) {
        if (promptIndex >= 0) earlier.push(prompt);
        promptIndex = i;
        prompt = text;
      }
    }
  });
  const own = parseScript(prompt);
  const steps = own.length > 0 ? own : revisionSteps(earlier, prompt);
  const done: StepOutcome[] = [];
  let pendingSession: number | undefined;
  for (const item of items.slice(promptIndex + 1)) {
    if (item.type !== 'function_call_output' && item.type !== 'custom_tool_call_output') continue;
    const output = outputText(item.output);
    const session = /Process running with session ID (\d+)/.exec(output);
    if (session) {
      pendingSession = Number(session[1]);
      continue;
    }
    const step = steps[done.length];
    if (step === undefined) continue;
    done.push({ step, exitCode: exitCodeOf(output) });
    pendingSession = undefined;
  }
  return { prompt, steps, done, pendingSession };
}

function outputText(output: unknown): string {
  if (typeof output === 'string') return output;
  return messageText(output);
}

function exitCodeOf(output: string): number | undefined {
  const m = /(?:Process exited with code|Exit code:)\s*(-?\d+)/.exec(output);
  if (m) return Number(m[1]);
  if (/^aborted/m.test(output)) return undefined;
  return undefined;
}
