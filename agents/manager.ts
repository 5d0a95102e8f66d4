import { readFile } from 'node:fs/promises';
import { Agent, type AgentInputItem, type AgentOutputType, type JsonSchemaDefinition } from '@openai/agents';
import { addUsage, ZERO_USAGE, type TokenUsage } from '../orchestrator/src/core/events.js';
import { err, ok, type Result } from '../orchestrator/src/core/result.js';
import { graphJsonSchema } from '../orchestrator/src/graph/schema.js';
import { checkPlannedGraph, type PlanContext, type PlannedGraph } from '../orchestrator/src/planning/check-plan.js';
import { plannerPrompt, rejectionMessage } from '../orchestrator/src/planning/planner-prompt.js';
import type { Pattern } from '../orchestrator/src/planning/patterns.js';
import { parseRoleText, roleFile, sectionFor } from '../orchestrator/src/roles/instructions.js';
import { Triage, type FailureContext } from '../orchestrator/src/roles/triage.js';
import { agentFailure, type AgentFailure } from './failure.js';
import { agentUsage, type AgentRuntime } from './runtime.js';

/**
 * The manager agent: plans (a description, and optionally a workflow pattern, into a task graph)
 * and triages failed tasks. It has no tools. Its instructions are `manager.md` beside this file:
 * the `## Agent` section, then `## Planning` or `## Triage` for the job at hand.
 */
export function managerAgent<T extends AgentOutputType>(options: { readonly instructions: string; readonly outputType: T }): Agent<unknown, T> {
  return new Agent<unknown, T>({
    name: 'manager',
    handoffDescription: 'Plans task graphs and triages failed tasks; never changes code.',
    instructions: options.instructions,
    outputType: options.outputType,
  });
}

async function managerInstructions(job: 'Planning' | 'Triage'): Promise<Result<string, AgentFailure>> {
  const file = roleFile('manager');
  try {
    const text = parseRoleText(await readFile(file, 'utf8'));
    return ok([sectionFor(text, 'Agent'), sectionFor(text, job)].filter(Boolean).join('\n\n'));
  } catch (e) {
    return err({ reason: 'instructions-unreadable', message: `cannot read ${file}: ${(e as Error).message}` });
  }
}

// ---------------------------------------------------------------------------------------------
// Planning

/** The planner's structured output: the graph file format's own JSON Schema (not strict: the analyzer is the judge). */
export function graphOutputType(): JsonSchemaDefinition {
  const { $schema: _s, $id: _i, title: _t, ...schema } = graphJsonSchema();
  return { type: 'json_schema', name: 'task_graph', strict: false, schema: schema as JsonSchemaDefinition['schema'] };
}

export interface PlanRequest {
  readonly description: string;
  /** A workflow pattern and its data with the placeholders filled in. */
  readonly pattern?: (Pattern & { readonly filled: unknown }) | undefined;
  /** Where the graph goes and how it is checked. */
  readonly context: PlanContext;
  readonly signal?: AbortSignal | undefined;
}

export interface PlanSuccess extends PlannedGraph {
  /** 1, or 2 when the first answer was rejected. */
  readonly attempts: number;
  readonly usage: TokenUsage;
}

export type PlanFailure =
  | AgentFailure
  /** Both answers were rejected; `problems` are those of the last, as `validate` renders them. */
  | { readonly reason: 'invalid-plan'; readonly message: string; readonly attempts: number; readonly problems: string };

/** How many answers the planner gets: the first, and one more with the problems of the first. */
export const PLAN_ATTEMPTS = 2;

/**
 * Turns a description into a task graph. The answer is checked by the same schema and analyzer as
 * a hand-written graph; an answer that fails is sent back once with its problems, and a second
 * failure is reported with them.
 */
export async function plan(runtime: AgentRuntime, request: PlanRequest): Promise<Result<PlanSuccess, PlanFailure>> {
  const instructions = await managerInstructions('Planning');
  if (!instructions.ok) return instructions;
  const agent = managerAgent({ instructions: instructions.value, outputType: graphOutputType() });
  let input: AgentInputItem[] = [{ role: 'user', content: plannerPrompt(request.description, request.pattern) }];
  let usage = ZERO_USAGE;
  let problems = '';
  for (let attempt = 1; attempt <= PLAN_ATTEMPTS; attempt++) {
    let rawText: string | undefined;
    let answer: unknown;
    try {
      const result = await runtime.runner.run(agent, input, {
        ...(request.signal ? { signal: request.signal } : {}),
        maxTurns: 2,
        errorHandlers: {
          // Keep the text of an answer that is not JSON, to show it back to the model.
          invalidFinalOutput: ({ runData }) => {
            rawText = lastMessageText(runData.output);
          },
        },
      });
      usage = addUsage(usage, agentUsage(result.runContext));
      answer = result.finalOutput;
      rawText = JSON.stringify(answer);
    } catch (e) {
      const failure = agentFailure(e, request.signal);
      if (failure.reason !== 'invalid-output' || rawText === undefined) return err(failure);
      problems = `the answer is not JSON (${jsonError(rawText) ?? failure.message}):\n${excerpt(rawText)}`;
    }
    if (answer !== undefined) {
      const checked = await checkPlannedGraph(answer, request.context);
      if (checked.ok) return ok({ ...checked.value, attempts: attempt, usage });
      problems = checked.error.problems;
    }
    input = [...input, { role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: rawText ?? '' }] }, { role: 'user', content: rejectionMessage(problems) }];
  }
  return err({
    reason: 'invalid-plan',
    message: `the planner's answer was rejected ${PLAN_ATTEMPTS} times (the first was sent back with its problems)`,
    attempts: PLAN_ATTEMPTS,
    problems,
  });
}

function jsonError(text: string): string | undefined {
  try {
    JSON.parse(text);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

function excerpt(text: string, max = 400): string {
  const shown = text.length > max ? `${text.slice(0, max)}…` : text;
  return shown
    .split('\n')
    .map((l) => `    | ${l}`)
    .join('\n');
}

function lastMessageText(items: readonly unknown[]): string | undefined {
  for (const item of [...items].reverse()) {
    const i = item as { type?: string; role?: string; content?: unknown };
    if (i.type === 'message' && i.role === 'assistant' && Array.isArray(i.content)) {
      return i.content.map((c: { text?: unknown }) => (typeof c.text === 'string' ? c.text : '')).join('');
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Triage

export interface TriageAnswer extends Triage {
  readonly usage: TokenUsage;
}

/**
 * The manager's diagnosis of a failed task: its probable cause and the next step for a person.
 * Offline, the stand-in answers from the failure's reason and message (`ruleTriage`).
 */
export async function triage(runtime: AgentRuntime, failure: FailureContext, options: { readonly signal?: AbortSignal } = {}): Promise<Result<TriageAnswer, AgentFailure>> {
  const instructions = await managerInstructions('Triage');
  if (!instructions.ok) return instructions;
  const agent = managerAgent({ instructions: instructions.value, outputType: Triage });
  const { logTail, ...context } = failure;
  const prompt = [
    `Task "${failure.taskId}" failed. What is the probable cause, and what should a person do next?`,
    '',
    '```json',
    JSON.stringify({ failure: context }, null, 2),
    '```',
    ...(logTail ? ['', 'The end of its log:', '', '~~~text', logTail.replace(/~~~/g, '~ ~ ~'), '~~~'] : []),
  ].join('\n');
  try {
    const result = await runtime.runner.run(agent, prompt, { ...(options.signal ? { signal: options.signal } : {}), maxTurns: 2 });
    if (result.finalOutput === undefined) return err({ reason: 'invalid-output', message: 'the manager gave no triage' });
    return ok({ ...result.finalOutput, usage: agentUsage(result.runContext) });
  } catch (e) {
    return err(agentFailure(e, options.signal));
  }
}
