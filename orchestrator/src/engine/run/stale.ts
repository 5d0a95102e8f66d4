import type { TaskId } from '../../core/ids.js';
import type { AnalyzedGraph } from '../../graph/analyzed.js';
import { projectRootOf } from '../../review/project.js';
import { renderDecisionFailure } from '../../review/decide.js';
import { withdrawApproval } from '../../review/withdraw.js';
import type { TaskStatus } from '../../store/manifest.js';
import type { RunWriter } from '../../store/run-writer.js';

/**
 * Outcome-aware dependencies: when a task's result changes after other tasks used it (its rework
 * after a rejection, a `send`, a tester's findings), everything downstream that ran on the old
 * result is stale. Each such task runs again (`task-reopened`, `why: stale`): its verdict is no
 * longer shown as current, an approval of it is withdrawn (and its checklist item unticked, with
 * a note). A task still running on the old result is stale when its attempt ends
 * (`staleOnEnd`: the session reopens it then, before anything runs on what it made). Tasks not
 * yet run, skipped or waiting need nothing: they run on the new result anyway.
 */

/** Follow-ups whose attempt changes a result other tasks may already have used. */
const CHANGES_RESULT: ReadonlySet<string> = new Set(['reject', 'send', 'tester']);

/** States of a task that ran on its dependencies' results (and would not run again by itself). */
const RAN: ReadonlySet<TaskStatus> = new Set(['succeeded', 'failed', 'approved']);

export interface StalePort {
  readonly writer: RunWriter;
  readonly graph: AnalyzedGraph;
  /** Tasks running on an old result, with the dependencies that changed: reopened when their attempt ends. */
  readonly staleOnEnd: Map<string, string[]>;
}

/** After `taskId` succeeded: withdraws its own approval of its old work, and reopens what ran on its old result, transitively. */
export async function reopenStaleDependents(p: StalePort, taskId: TaskId): Promise<void> {
  const { writer } = p;
  const self = writer.task(taskId);
  const last = self.attempts.at(-1);
  if (!last?.followUp || !CHANGES_RESULT.has(last.followUp.from)) return;
  const approval = self.reviews?.at(-1);
  if (approval?.decision === 'approved' && !approval.withdrawn && approval.attempt < last.n) await withdraw(p, taskId, `attempt ${last.n} changed the work approved in attempt ${approval.attempt}`);
  const changed = new Set<string>([taskId]);
  // Graph order: dependencies come first, so a task's stale dependencies are known when it is reached.
  for (const id of p.graph.order) {
    const t = writer.task(id);
    const because = t.deps.filter((d) => changed.has(d));
    if (because.length === 0) continue;
    if (t.status === 'running') {
      changed.add(id);
      p.staleOnEnd.set(id, [...new Set([...(p.staleOnEnd.get(id) ?? []), ...because])]);
      continue;
    }
    // A gate sent back to its author (rejected after an approval its dependents ran on) awaits a
    // new decision: what ran on the old one is stale too.
    if (t.role === 'gate' && t.status === 'pending') {
      changed.add(id);
      continue;
    }
    if (!RAN.has(t.status)) continue;
    changed.add(id);
    const was = t.status;
    if (was === 'approved') await withdraw(p, id, `${because.join(', ')} changed after the approval`);
    writer.apply({ kind: 'task-reopened', task: id, why: 'stale', because });
  }
}

/** Records the withdrawal and unticks the task's checklist item (byte-exact, with a note). */
async function withdraw(p: StalePort, id: string, reason: string): Promise<void> {
  const { writer } = p;
  const edit = await withdrawApproval({ manifest: writer.manifest, runDir: writer.runDir, projectRoot: projectRootOf(writer.runsDir), taskId: id, reason });
  writer.apply({ kind: 'approval-withdrawn', task: id, reason });
  if (!edit.ok) writer.log(`task ${id}: its checklist item could not be unticked: ${renderDecisionFailure(edit.error, { decision: 'rejected', taskId: id, reviewer: 'codex-orchestrator', reason })}`);
  else if (edit.value?.changed) writer.log(`task ${id}: checklist item ${edit.value.file}:${edit.value.line} unticked`);
}
