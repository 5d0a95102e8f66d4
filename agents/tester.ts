import { Agent, type Tool } from '@openai/agents';
import type { TokenUsage } from '../orchestrator/src/core/events.js';
import { err, ok, type Result } from '../orchestrator/src/core/result.js';
import type { TaskInstructions } from '../orchestrator/src/graph/analyzed.js';
import { sectionFor, taskInstructions } from '../orchestrator/src/roles/instructions.js';
import { enforceChecks, Verdict, type CheckEvidence } from '../orchestrator/src/roles/verdict.js';
import { agentFailure, type AgentFailure } from './failure.js';
import { agentUsage, type AgentRuntime } from './runtime.js';

/**
 * The tester agent: verifies what a task's dependencies built, through Codex, and answers with a
 * `Verdict` (structured output). Its instructions are the `## Agent` section of `tester.md` beside
 * this file (or the task's own). `judge` runs it on a task's diff and check results.
 */
export function testerAgent(options: { readonly instructions: string; readonly codex?: Tool }): Agent<unknown, typeof Verdict> {
  return new Agent({
    name: 'tester',
    handoffDescription: 'Verifies a task’s result through Codex and gives a pass/fail verdict with findings.',
    instructions: options.instructions,
    tools: options.codex ? [options.codex] : [],
    outputType: Verdict,
    ...(options.codex ? { modelSettings: { parallelToolCalls: false } } : {}),
  });
}

/** What `judge` is given: the task, its change and the orchestrator's checks. */
export interface JudgeRequest {
  readonly task: {
    readonly id: string;
    readonly title: string;
    readonly prompt: string | undefined;
    readonly instructions?: TaskInstructions | undefined;
  };
  /** The task's `diff.patch` (long diffs are cut, and the cut is said). */
  readonly diff: string;
  /** The task's verify commands as run by the orchestrator. */
  readonly checks: readonly CheckEvidence[];
  /** What the agent that did the task reported (its final message), if any. */
  readonly report?: string | undefined;
  readonly signal?: AbortSignal | undefined;
}

export interface Judgement {
  /** The verdict to record: the tester's, with the checks rule applied. */
  readonly verdict: Verdict;
  /** True when the tester said `pass` and failed checks made it `fail`. */
  readonly overridden: boolean;
  /** What the tester agent answered. */
  readonly modelVerdict: Verdict;
  readonly usage: TokenUsage;
}

/** How much of a diff the tester is shown. */
export const MAX_DIFF_CHARS = 60_000;

/**
 * Runs the tester agent on a task's diff and check results and returns its verdict, with the rule
 * enforced in code: failed checks make the verdict `fail`, whatever the model said. The agent
 * judges the evidence it is given and has no tools here: the worktree cannot change after its
 * checks ran.
 */
export async function judge(runtime: AgentRuntime, request: JudgeRequest): Promise<Result<Judgement, AgentFailure>> {
  const text = await taskInstructions('tester', request.task.instructions);
  if (!text.ok) return err({ reason: 'instructions-unreadable', message: `cannot read ${text.error.file}: ${text.error.message}` });
  const agent = testerAgent({ instructions: sectionFor(text.value, 'Agent') ?? '' });
  try {
    const result = await runtime.runner.run(agent, judgePrompt(request), { ...(request.signal ? { signal: request.signal } : {}), maxTurns: 2 });
    const modelVerdict = result.finalOutput;
    if (modelVerdict === undefined) return err({ reason: 'invalid-output', message: 'the tester gave no verdict' });
    const enforced = enforceChecks(modelVerdict, request.checks);
    return ok({ ...enforced, modelVerdict, usage: agentUsage(result.runContext) });
  } catch (e) {
    return err(agentFailure(e, request.signal));
  }
}

/** The tester's input: the task, what was reported, the diff and the checks (as JSON). */
export function judgePrompt(request: JudgeRequest): string {
  const { task } = request;
  const diff = request.diff.length > MAX_DIFF_CHARS ? `${request.diff.slice(0, MAX_DIFF_CHARS)}\n[… diff cut at ${MAX_DIFF_CHARS} of ${request.diff.length} characters]\n` : request.diff;
  const checks = request.checks.map((c) => ({
    command: c.command,
    exitCode: c.exitCode,
    ...(c.signal ? { signal: c.signal } : {}),
    ...(c.timedOut ? { timedOut: true } : {}),
    ...(c.output ? { output: c.output } : {}),
    ...(c.noTests ? { ranNoTests: c.noTests } : {}),
  }));
  return [
    `Give your verdict on task "${task.id}" (${task.title}).`,
    '',
    '## The task',
    '',
    task.prompt?.trim() || '(no prompt)',
    '',
    '## What the agent that did it reported',
    '',
    request.report?.trim() || '(nothing)',
    '',
    '## The change (git diff against the task’s base)',
    '',
    fenced('diff', diff.trim() === '' ? '(no changes)' : diff),
    '',
    '## The orchestrator’s checks (the task’s verify commands)',
    '',
    fenced('json', JSON.stringify({ checks }, null, 2)),
  ].join('\n');
}

/** A fenced block whose fence is longer than any backtick run inside it. */
function fenced(lang: string, body: string): string {
  const longest = Math.max(2, ...[...body.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${lang}\n${body.replace(/\n?$/, '\n')}${fence}`;
}
