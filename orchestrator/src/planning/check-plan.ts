import { err, ok, type Result } from '../core/result.js';
import type { AnalyzedGraph } from '../graph/analyzed.js';
import { checkRepository } from '../graph/check-repo.js';
import { checkGraphSource, diskProbe } from '../graph/load.js';
import { renderGraphLoadFailure } from '../graph/render.js';
import { renderGraphYaml, type PlanPaths } from './plan-files.js';

/**
 * A planner's answer made into the graph file `plan` writes, and checked exactly as a
 * hand-written graph is: the same zod schema and the same analyzer, on the very text that will be
 * written. The orchestrator, not the model, sets the graph's name and each task's checklist link,
 * gives every builder and tester without `verify` commands the project's own checks, and the
 * graph the project's dependency installs as `settings.setup` when the answer sets none.
 */

export interface PlannedGraph {
  readonly graph: AnalyzedGraph;
  /** The text to write to `paths.graphFile`. */
  readonly yaml: string;
  /** The tasks that got the project's verify commands (they had none). */
  readonly verifyAddedTo: readonly string[];
  /** Whether `settings.setup` came from the project (the answer set none). */
  readonly setupAdded: boolean;
}

/** Why an answer is not a usable graph: the problems, rendered as `validate` renders them. */
export interface PlanProblems {
  readonly problems: string;
}

export interface PlanContext {
  readonly paths: PlanPaths;
  readonly description: string;
  /** Comment lines at the top of the file. */
  readonly header: readonly string[];
  /** Paths in the problems are shown relative to this (the project root). */
  readonly displayRoot: string;
  /** The project's checks (`detectProjectCommands`), for builders and testers the answer gives none. */
  readonly verify: readonly string[];
  /** The project's dependency installs, for `settings.setup` when the answer gives none (absent: none). */
  readonly setup?: readonly string[];
}

/**
 * The answer as the graph file it becomes, with the project's verify commands given to builders
 * and testers without any, checked as `validate` checks one, against the repository too (each
 * task's folder and scripts at the base commit). Its checklist links are not looked up: `plan`
 * writes that checklist beside the graph.
 */
export async function checkPlannedGraph(answer: unknown, context: PlanContext): Promise<Result<PlannedGraph, PlanProblems>> {
  const verifyAddedTo: string[] = [];
  const completed = complete(answer, context, verifyAddedTo);
  const yaml = renderGraphYaml(completed.graph, context.header);
  const analyzed = await checkGraphSource(context.paths.graphFile, yaml, diskProbe, [checkRepository]);
  if (!analyzed.ok) return err({ problems: renderGraphLoadFailure(analyzed.error, { cwd: context.displayRoot }) });
  return ok({ graph: analyzed.value, yaml, verifyAddedTo, setupAdded: completed.setupAdded });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * The answer with the name, description, checklist links and missing verify commands filled in
 * (the ids of the tasks given verify commands go to `verifyAddedTo`); anything else as the model wrote it.
 */
function complete(answer: unknown, context: PlanContext, verifyAddedTo: string[]): { graph: unknown; setupAdded: boolean } {
  if (!isRecord(answer)) return { graph: answer, setupAdded: false };
  const { version, name: _name, description, settings, tasks, ...rest } = answer;
  const ref = context.paths.checklistRef;
  const setup = context.setup ?? [];
  const addSetup = setup.length > 0 && (settings === undefined || (isRecord(settings) && settings['setup'] === undefined));
  const graph = {
    version: version ?? 1,
    name: context.paths.slug,
    description: typeof description === 'string' && description.trim() !== '' ? description : context.description,
    ...(addSetup ? { settings: { ...(isRecord(settings) ? settings : {}), setup: [...setup] } } : settings !== undefined ? { settings } : {}),
    ...rest,
    tasks: Array.isArray(tasks)
      ? tasks.map((t: unknown) => {
          if (!isRecord(t) || typeof t['id'] !== 'string') return t;
          const needsVerify = (t['role'] === 'builder' || t['role'] === 'tester') && context.verify.length > 0 && !hasVerify(t);
          if (needsVerify) verifyAddedTo.push(t['id']);
          return { ...withoutKey(t, 'checklist'), ...(needsVerify ? { verify: [...context.verify] } : {}), checklist: `${ref}#${t['id']}` };
        })
      : tasks,
  };
  return { graph, setupAdded: addSetup };
}

/** Whether the task has verify commands of its own (a missing key or an empty list is none). */
function hasVerify(task: Record<string, unknown>): boolean {
  const verify = task['verify'];
  return !(verify === undefined || verify === null || (Array.isArray(verify) && verify.length === 0));
}

function withoutKey(o: Record<string, unknown>, key: string): Record<string, unknown> {
  const { [key]: _dropped, ...rest } = o;
  return rest;
}
