import { dirname, relative } from 'node:path';
import { err, ok, type Result } from '../core/result.js';
import type { Diagnostic } from '../core/source-position.js';
import { analyzeGraph } from './analyze.js';
import type { AnalyzedGraph, AnalyzedTask, FanOutSpec } from './analyzed.js';
import { graphFormat, parseGraphSource } from './parse.js';
import type { Task } from './schema.js';

/**
 * A fan-out (a builder's `fanOut`): the tasks the numbered steps of an approved plan become, and
 * the graph grown by them. Pure: the engine reads the plan, records the expansion as an event and
 * hands the grown graph to the scheduler; `resume` grows the run's copy of the graph by the same
 * expansions again. The grown graph passes the same analyzer as a graph file, so a fan-out can
 * never hand the engine a graph that would not load.
 *
 *   <deps of the fan-out> ─► step-1 ─► gate-step-1 ─► step-2 ─► gate-step-2 ─► <the fan-out task>
 *                              └──────────┴─► rollback-step-1 (when: failure)  └─► rollback-step-2
 */

/** What a fan-out adds: graph task objects (the graph file format), and dependencies added to tasks there were. */
export interface GraphExpansion<T extends object = Task> {
  readonly tasks: readonly T[];
  readonly deps: Readonly<Record<string, readonly string[]>>;
}

/** The sections of a step's report, which its gate requires. */
export const STEP_SECTIONS = ['What Changed', 'Verification', 'Rollback'] as const;
/** The sections of a rollback's report. */
export const ROLLBACK_SECTIONS = ['What Was Undone', 'State After'] as const;

export const stepId = (task: string, k: number): string => `${task}-step-${k}`;
export const stepGateId = (task: string, k: number): string => `gate-${task}-step-${k}`;
export const rollbackId = (task: string, k: number): string => `rollback-${task}-step-${k}`;

/** Where step k writes its report. */
export function stepArtifact(spec: FanOutSpec, k: number): string {
  return spec.stepArtifacts.replaceAll('{k}', String(k));
}

/** Where step k's rollback writes its report: the step's, with `-rollback` before the extension. */
export function rollbackArtifact(spec: FanOutSpec, k: number): string {
  return stepArtifact(spec, k).replace(/(\.[A-Za-z0-9]+)?$/, (ext) => `-rollback${ext}`);
}

/**
 * The tasks `steps` (the plan's numbered lines, in order) become for fan-out task `task`: per step
 * k a builder, its gate (approval of the step's report; a rejection is not revised, it rolls the
 * step back) and its rollback; the steps run one after another, and `task` after the last gate.
 */
export function fanOutTasks(graphFile: string, task: AnalyzedTask, steps: readonly string[]): GraphExpansion {
  const spec = task.fanOut;
  if (spec === undefined) throw new Error(`Internal error: ${task.id} has no fanOut`);
  const shared: Partial<Task> = {
    ...(task.cwd !== undefined ? { cwd: task.cwd } : {}),
    ...(task.verify.length > 0 ? { verify: [...task.verify] } : {}),
    ...(task.instructions?.kind === 'text' ? { instructions: task.instructions.text } : {}),
    ...(task.instructions?.kind === 'file' ? { instructionsFile: relative(dirname(graphFile), task.instructions.path).replace(/\\/g, '/') } : {}),
    timeout: task.timeoutMs / 1000,
    retries: task.retries,
  };
  const out: Task[] = [];
  steps.forEach((line, i) => {
    const k = i + 1;
    const report = stepArtifact(spec, k);
    const id = stepId(task.id, k);
    out.push({
      ...shared,
      id,
      title: `${task.title}: step ${k} of ${steps.length}`,
      role: 'builder',
      deps: k === 1 ? [...task.deps] : [stepGateId(task.id, k - 1)],
      verify: [...task.verify],
      prompt: stepPrompt(task, spec, steps, k, report),
    });
    out.push({
      id: stepGateId(task.id, k),
      title: `${task.title}: approve step ${k}`,
      role: 'gate',
      deps: [id],
      verify: [],
      approval: {
        criteria: [`Step ${k} is done as the plan says: ${line}`, 'Its verification ran and passed', 'Its rollback is stated; rejecting this gate runs it'],
        artifact: report,
        author: id,
        sections: [...STEP_SECTIONS],
        revise: false,
      },
    });
    out.push({
      ...shared,
      id: rollbackId(task.id, k),
      title: `${task.title}: roll back step ${k}`,
      role: 'builder',
      deps: [id, stepGateId(task.id, k)],
      verify: [],
      when: 'failure',
      prompt: rollbackPrompt(task, spec, line, k, report, rollbackArtifact(spec, k)),
    });
  });
  return { tasks: out, deps: { [task.id]: steps.map((_, i) => stepGateId(task.id, i + 1)) } };
}

function stepPrompt(task: AnalyzedTask, spec: FanOutSpec, steps: readonly string[], k: number, report: string): string {
  return `${[
    `Step ${k} of ${steps.length} of the approved plan ${spec.artifact} (its "${spec.section}" section), for ${task.id} (${task.title}):`,
    '',
    steps[k - 1],
    '',
    `Read the plan first. Its steps run one after another, each as its own task with its own gate; ${k > 1 ? 'the steps before this one are done and approved; ' : ''}do this step only:`,
    ...steps.map((s, i) => `${i + 1 === k ? '→' : ' '} ${s}`),
    '',
    'Carry out this step in the code and verify it as the step says. Then write the step\'s report from this template. Keep every heading; replace every "<fill: …>" with what you did.',
    '',
    fenced(
      report,
      [
        `# Step ${k}: ${steps[k - 1]}`,
        '',
        '## What Changed',
        '',
        '<fill: the files and code this step changed>',
        '',
        '## Verification',
        '',
        '<fill: the command run to verify the step, and its result>',
        '',
        '## Rollback',
        '',
        '<fill: how to undo this step>',
      ].join('\n'),
    ),
    '',
    `A reviewer approves the step at gate ${stepGateId(task.id, k)}; rejecting it runs ${rollbackId(task.id, k)}.`,
  ].join('\n')}\n`;
}

function rollbackPrompt(task: AnalyzedTask, spec: FanOutSpec, line: string, k: number, report: string, rollbackReport: string): string {
  return `${[
    `Roll back step ${k} of the plan ${spec.artifact}, for ${task.id} (${task.title}): the step failed, or a reviewer rejected it at gate ${stepGateId(task.id, k)}.`,
    '',
    line,
    '',
    `This worktree holds what the step did (its report, if it wrote one, is ${report}: its "Rollback" section says how to undo it). Undo the step's changes, so the code is as it was before the step. Then write the rollback's report from this template. Keep every heading; replace every "<fill: …>".`,
    '',
    fenced(
      rollbackReport,
      [
        `# Rollback of step ${k}: ${line}`,
        '',
        '## What Was Undone',
        '',
        '<fill: the changes undone, file by file>',
        '',
        '## State After',
        '',
        '<fill: how the code stands now, and how that was checked>',
      ].join('\n'),
    ),
  ].join('\n')}\n`;
}

/** An `artifact` block (the offline stand-in writes it), its fence longer than any backtick run inside. */
function fenced(path: string, body: string): string {
  const longest = Math.max(0, ...[...body.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}artifact ${path}\n${body}\n${fence}`;
}

/**
 * The graph grown by `expansions` (in the order they were made): the tasks appended to the file's
 * tasks, the dependencies added, then the whole analyzed as a graph file is. `source` and `sha256`
 * stay the file's: the run's copy of the graph is the file as run, the expansions are the run's events.
 */
export function growGraph(graph: AnalyzedGraph, expansions: readonly GraphExpansion<object>[]): Result<AnalyzedGraph, readonly Diagnostic[]> {
  if (expansions.length === 0) return ok(graph);
  const format = graphFormat(graph.file);
  const parsed = format === undefined ? undefined : parseGraphSource(graph.file, graph.source, format);
  if (!parsed?.ok) throw new Error(`Internal error: the analyzed graph ${graph.file} no longer parses`);
  const data = structuredClone(parsed.value.data) as { tasks: { id: string; deps?: string[] }[] };
  for (const e of expansions) {
    for (const [id, deps] of Object.entries(e.deps)) {
      const t = data.tasks.find((x) => x.id === id);
      if (t) t.deps = [...new Set([...(t.deps ?? []), ...deps])];
    }
    data.tasks.push(...(structuredClone(e.tasks) as { id: string }[]));
  }
  const text = JSON.stringify(data, null, 2);
  const reparsed = parseGraphSource(graph.file, text, 'json');
  if (!reparsed.ok) return err(reparsed.error);
  const grown = analyzeGraph(graph.file, text, reparsed.value);
  if (!grown.ok) return err(grown.error);
  return ok({ ...grown.value, source: graph.source, sha256: graph.sha256 });
}
