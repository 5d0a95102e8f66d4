import { CODEX_TOOL_NAME, type CodexCallOutput } from '../roles/codex-call.js';
import { ruleTriage, type FailureContext } from '../roles/triage.js';
import { verdictFromChecks, type CheckEvidence, type Verdict } from '../roles/verdict.js';
import { messageText, normaliseInput, type InputItem } from './history.js';
import { fencedBlocks } from './script.js';

/**
 * The offline model's answers to the role agents (requests from `@openai/agents`), as opposed to
 * Codex's own requests. Stateless like the rest of the server: every answer follows from the
 * conversation in the request.
 *
 * - When the request offers the `codex` function tool, the "agent" hands the task prompt to Codex
 *   (whose offline model then carries out the prompt's fenced blocks), once per prompt plus once per
 *   `follow-up` block (`continueThread: true`), then finishes: with a short message, or with JSON
 *   when structured output is asked for.
 * - When the request asks for structured output (`text.format.type = "json_schema"`) it answers
 *   JSON for the schema it recognises: a tester verdict, a triage, or a task graph.
 *
 * Blocks in a prompt that steer it, for demos and tests:
 *
 *   ```follow-up            a later message to Codex in the same thread (its body is the prompt)
 *   ```offline-tool-args    JSON merged into the codex tool call's arguments (e.g. a `cwd` the
 *                           tool must ignore)
 *   ```offline-verdict      `pass` or `fail`: the verdict the tester answers, whatever the evidence
 *   ```offline-plan         `malformed` or `invalid` [`times N`, default 1]: the planner's first N
 *                           answers are not JSON, or are a graph that does not validate
 */

/** The part of a request this module reads. */
export interface AgentRequest {
  readonly input?: unknown;
  readonly tools?: readonly { readonly type?: string; readonly name?: string }[];
  readonly text?: { readonly format?: { readonly type?: string; readonly name?: string; readonly schema?: unknown } };
}

/** What the agent layer answers: a call of the codex tool, or a message (text or JSON). */
export type AgentAnswer =
  /** Call the tool `name` with these arguments. */
  | { readonly kind: 'call'; readonly name: string; readonly args: Record<string, unknown> }
  /** Answer with this text (JSON, when structured output was asked for). */
  | { readonly kind: 'message'; readonly text: string };

/** A role agent's request: it offers the codex tool or asks for structured output. Codex's own never do. */
export function isAgentRequest(request: AgentRequest): boolean {
  return request.text?.format?.type === 'json_schema' || offersCodex(request);
}

function offersCodex(request: AgentRequest): boolean {
  return (request.tools ?? []).some((t) => (t.type === undefined || t.type === 'function') && t.name === CODEX_TOOL_NAME);
}

/** The answer for a role agent's request, or undefined when the request is not one (Codex's own, or a plain agent). */
export function answerAgent(request: AgentRequest): AgentAnswer | undefined {
  if (!isAgentRequest(request)) return undefined;
  const format = request.text?.format;
  const schema = format?.type === 'json_schema' ? format.schema : undefined;
  const codexOffered = offersCodex(request);
  const items = normaliseInput(request.input);
  if (codexOffered) {
    const next = nextCodexCall(items);
    if (next) return { kind: 'call', name: CODEX_TOOL_NAME, args: next };
  }
  if (schema !== undefined) return { kind: 'message', text: structuredAnswer(schema, items) };
  return { kind: 'message', text: finalMessage(items) };
}

const isUser = (i: InputItem): boolean => (i.type === 'message' || i.type === undefined) && i.role === 'user';
const isCodexCall = (i: InputItem): boolean => i.type === 'function_call' && i.name === CODEX_TOOL_NAME;

/** The codex call the agent makes next for the latest user message, or undefined when it has made them all. */
function nextCodexCall(items: readonly InputItem[]): Record<string, unknown> | undefined {
  const last = items.findLastIndex(isUser);
  if (last < 0) return undefined;
  const prompt = messageText(items[last]?.content);
  const blocks = fencedBlocks(prompt);
  const followUps = blocks.filter((b) => b.lang === 'follow-up').map((b) => b.body.trim());
  const extra = blocks.filter((b) => b.lang === 'offline-tool-args').map((b) => parseObject(b.body) ?? {});
  const steering = new Set(['follow-up', 'offline-tool-args', 'offline-verdict']);
  let main = prompt;
  for (const b of [...blocks].reverse()) if (steering.has(b.lang)) main = main.slice(0, b.start) + main.slice(b.end);
  const calls = [main.trim(), ...followUps];
  const made = items.slice(last + 1).filter(isCodexCall).length;
  const earlier = items.slice(0, last).some(isCodexCall);
  const next = calls[made];
  if (next === undefined || next === '') return undefined;
  return { ...Object.assign({}, ...extra), prompt: next, continueThread: made > 0 || earlier };
}

/** The codex tool's answers in the conversation, parsed. */
function codexOutputs(items: readonly InputItem[]): CodexCallOutput[] {
  const callIds = new Set(items.filter(isCodexCall).map((i) => i.call_id));
  return items
    .filter((i) => i.type === 'function_call_output' && callIds.has(i.call_id))
    .flatMap((i) => {
      const parsed = parseObject(typeof i.output === 'string' ? i.output : messageText(i.output));
      return parsed && typeof parsed['status'] === 'string' ? [parsed as unknown as CodexCallOutput] : [];
    });
}

function finalMessage(items: readonly InputItem[]): string {
  const outputs = codexOutputs(items);
  const last = outputs.at(-1);
  const head = `Offline model (stand-in): asked Codex ${outputs.length} time(s)${last?.threadId ? ` in thread ${last.threadId}` : ''}.`;
  if (!last) return head;
  return last.status === 'completed' ? `${head} Codex answered:\n${last.message}` : `${head} The last call failed (${last.reason}): ${last.message}`;
}

// ---------------------------------------------------------------------------------------------
// Structured output

function structuredAnswer(schema: unknown, items: readonly InputItem[]): string {
  const properties = Object.keys((schema as { properties?: Record<string, unknown> } | null)?.properties ?? {});
  const has = (...keys: string[]): boolean => keys.every((k) => properties.includes(k));
  if (has('verdict', 'summary', 'findings')) return JSON.stringify(verdictAnswer(items));
  if (has('probableCause', 'nextStep')) return JSON.stringify(triageAnswer(items));
  if (has('tasks')) return graphAnswer(items);
  return `Offline model (stand-in): no offline answer for an output schema with the properties ${properties.join(', ') || '(none)'}.`;
}

const userTexts = (items: readonly InputItem[]): string[] => items.filter(isUser).map((i) => messageText(i.content));

/** Objects written in fenced `json` blocks of the user's messages, in order. */
function jsonBlocks(items: readonly InputItem[]): Record<string, unknown>[] {
  return userTexts(items).flatMap((text) =>
    fencedBlocks(text)
      .filter((b) => b.lang === 'json')
      .flatMap((b): Record<string, unknown>[] => {
        const o = parseObject(b.body);
        return o ? [o] : [];
      }),
  );
}

/**
 * The tester's verdict: `pass` when every check in the evidence exited 0. Evidence is the check
 * results the prompt shows (a `json` block with `checks`) and the steps Codex reported in this
 * conversation (`N. <step>: exit <code>` lines of its summary).
 */
function verdictAnswer(items: readonly InputItem[]): Verdict {
  const forced = userTexts(items)
    .flatMap((t) => fencedBlocks(t))
    .find((b) => b.lang === 'offline-verdict')
    ?.body.trim();
  const checks: CheckEvidence[] = jsonBlocks(items).flatMap((o) => (Array.isArray(o['checks']) ? o['checks'].flatMap(toCheck) : []));
  for (const output of codexOutputs(items)) {
    if (output.status === 'failed') {
      checks.push({ command: 'codex', exitCode: 1, output: `${output.reason}: ${output.message}` });
      continue;
    }
    for (const m of output.message.matchAll(/^\d+\. (.+): (?:exit (-?\d+)|no exit status)$/gm)) {
      const step = m[1] ?? '';
      const command = /^shell `(.*)`$/.exec(step)?.[1] ?? step;
      checks.push({ command, exitCode: m[2] === undefined ? null : Number(m[2]) });
    }
  }
  const verdict = verdictFromChecks(checks);
  if (forced === 'pass' || forced === 'fail') {
    return { ...verdict, verdict: forced, summary: `${verdict.summary} (Verdict forced to ${forced} by an offline-verdict block.)`, findings: forced === 'pass' ? [] : verdict.findings };
  }
  return verdict;
}

function toCheck(raw: unknown): CheckEvidence[] {
  if (raw === null || typeof raw !== 'object') return [];
  const c = raw as Record<string, unknown>;
  if (typeof c['command'] !== 'string') return [];
  return [
    {
      command: c['command'],
      exitCode: typeof c['exitCode'] === 'number' ? c['exitCode'] : null,
      signal: typeof c['signal'] === 'string' ? c['signal'] : null,
      timedOut: c['timedOut'] === true,
      ...(typeof c['output'] === 'string' ? { output: c['output'] } : {}),
      ...(typeof c['outputPath'] === 'string' ? { outputPath: c['outputPath'] } : {}),
    },
  ];
}

function triageAnswer(items: readonly InputItem[]): unknown {
  const failure = jsonBlocks(items).find((o) => o['failure'] && typeof o['failure'] === 'object')?.['failure'] as Partial<FailureContext> | undefined;
  return ruleTriage({
    taskId: String(failure?.taskId ?? 'unknown'),
    role: String(failure?.role ?? 'unknown'),
    reason: String(failure?.reason ?? 'unknown'),
    message: String(failure?.message ?? ''),
    ...(typeof failure?.runId === 'string' ? { runId: failure.runId } : {}),
    ...(Array.isArray(failure?.checks) ? { checks: failure.checks.flatMap(toCheck) } : {}),
  });
}

/**
 * The planner's graph: the graph given in the first message's last `json` block (the orchestrator
 * puts the instantiated pattern there), unless an `offline-plan` block asks for a bad answer for the
 * first N attempts (an attempt is an earlier answer of the assistant in the conversation).
 */
function graphAnswer(items: readonly InputItem[]): string {
  const first = userTexts(items)[0] ?? '';
  const blocks = fencedBlocks(first);
  const graph = blocks
    .filter((b) => b.lang === 'json')
    .map((b) => parseObject(b.body))
    .findLast((o) => o !== undefined && Array.isArray(o['tasks']));
  const fault = /^\s*(malformed|invalid)(?:\s+times\s+(\d+))?\s*$/.exec(blocks.find((b) => b.lang === 'offline-plan')?.body ?? '');
  const attempt = items.filter((i) => (i.type === 'message' || i.type === undefined) && i.role === 'assistant').length;
  if (fault && attempt < Number(fault[2] ?? 1)) {
    if (fault[1] === 'malformed') return '{"tasks": [ this is not JSON';
    const tasks = Array.isArray(graph?.['tasks']) ? graph['tasks'] : [];
    return JSON.stringify({ ...graph, tasks: tasks.map((t: unknown, i) => (i === 0 && t && typeof t === 'object' ? { ...t, deps: ['no-such-task'] } : t)) });
  }
  if (!graph) return JSON.stringify({ tasks: [] });
  return JSON.stringify(graph);
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
