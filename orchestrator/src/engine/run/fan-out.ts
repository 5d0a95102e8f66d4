import type { AnalyzedGraph, AnalyzedTask } from '../../graph/analyzed.js';
import { fanOutTasks, growGraph } from '../../graph/fan-out.js';
import { err, ok, type Result } from '../../core/result.js';
import { numberedItems } from '../../review/artifact-sections.js';
import { readArtifactAt } from '../../review/gate-artifact.js';
import type { Manifest } from '../../store/manifest.js';
import type { RunWriter } from '../../store/run-writer.js';

/**
 * A fan-out task's first turn: instead of running, it reads the numbered steps of its approved
 * plan (from the plan author's result commit, as `approve` reads a gate's artifact), grows the
 * graph by their tasks (`graph/fan-out.ts`, checked by the graph analyzer), and records the growth
 * as a `graph-expanded` event, through the run's one writer. What cannot be fanned out fails the
 * task as an attempt of its own (`fan-out-empty`, `fan-out-invalid`), never the run.
 */

/** The run's graph grown by the run's expansions so far (those the manifest records, in order). */
export function grownGraph(graph: AnalyzedGraph, m: Pick<Manifest, 'expansions'>): ReturnType<typeof growGraph> {
  return growGraph(graph, m.expansions ?? []);
}

/**
 * Fans `task` out: the grown graph once the event is recorded, or the task's failure recorded.
 * `graph`: the graph as the run has it now (earlier fan-outs included).
 */
export async function fanOut(writer: RunWriter, graph: AnalyzedGraph, task: AnalyzedTask): Promise<Result<AnalyzedGraph, void>> {
  const spec = task.fanOut;
  if (spec === undefined) throw new Error(`Internal error: ${task.id} does not fan out`);
  const m = writer.manifest;
  const fail = (reason: 'fan-out-empty' | 'fan-out-invalid', message: string): Result<AnalyzedGraph, void> => {
    const n = writer.task(task.id).attempts.length + 1;
    writer.apply({ kind: 'attempt-started', task: task.id, n });
    writer.apply({
      kind: 'attempt-finished',
      task: task.id,
      n,
      outcome: { status: 'failed', reason, message, retryable: false, class: 'fatal' },
      next: 'end',
      status: 'failed',
      data: {},
    });
    return err(undefined);
  };
  const where = `${spec.artifact} (section "${spec.section}")`;
  const commit = writer.task(spec.author).resultCommit;
  if (commit === undefined) return fail('fan-out-invalid', `cannot fan out: the plan ${where} cannot be read: ${spec.author} has no result commit`);
  const read = await readArtifactAt(m.repo.root, commit, spec.artifact);
  if (!read.ok) return fail('fan-out-invalid', `cannot fan out: the plan ${spec.artifact} is not in ${spec.author}'s result (commit ${commit.slice(0, 12)})${read.error ? `: ${read.error}` : ''}`);
  const steps = numberedItems(read.value, spec.section);
  if (steps === undefined || steps.length === 0) {
    const what = steps === undefined ? `has no "${spec.section}" section` : `has no numbered item in its "${spec.section}" section`;
    return fail(
      'fan-out-empty',
      `nothing to fan out into: the plan ${spec.artifact} (from ${spec.author}'s result, commit ${commit.slice(0, 12)}) ${what}; list the steps there, one per line ("1. Title: what is changed (verify: command)"), then retry ${task.id}`,
    );
  }
  const expansion = fanOutTasks(graph.file, task, steps);
  const grown = growGraph(graph, [expansion]);
  if (!grown.ok) {
    const problems = grown.error.map((d) => `${d.message}${d.hint ? ` (${d.hint})` : ''}`).join('; ');
    return fail('fan-out-invalid', `cannot fan out: the ${steps.length} steps of ${where} do not make a valid graph: ${problems}`);
  }
  writer.apply({
    kind: 'graph-expanded',
    task: task.id,
    steps: [...steps],
    tasks: structuredClone([...expansion.tasks]),
    deps: Object.fromEntries(Object.entries(expansion.deps).map(([k, v]) => [k, [...v]])),
  });
  return ok(grown.value);
}

/** The tasks of `grown` the scheduler learns of after `task` fanned out: the added ones, and those with new dependencies. */
export function changedTasks(before: AnalyzedGraph, grown: AnalyzedGraph): AnalyzedTask[] {
  const was = new Map(before.tasks.map((t) => [t.id, t]));
  return grown.tasks.filter((t) => {
    const old = was.get(t.id);
    return old === undefined || old.deps.length !== t.deps.length;
  });
}
