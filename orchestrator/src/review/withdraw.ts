import { ok, type Result } from '../core/result.js';
import { writeTextAtomic } from '../store/atomic.js';
import { RunLayout } from '../store/layout.js';
import type { Manifest } from '../store/manifest.js';
import { noteOwnWrite } from '../store/run-files.js';
import { editChecklist, type DecisionFailure } from './decide.js';
import { projectRelative } from './project.js';

/**
 * An approval taken back: the task's work was approved, then something it was built on changed
 * (a dependency's rework, a `send`, a `retry`), so the task runs again and its approval no longer
 * holds. Its checklist item is unticked, byte-exact, with a note saying why; the manifest records
 * the withdrawal through the run's `task-reopened` event (`why: stale`).
 */
export async function withdrawApproval(o: {
  readonly manifest: Readonly<Manifest>;
  readonly runDir: string;
  readonly projectRoot: string;
  readonly taskId: string;
  readonly reason: string;
}): Promise<Result<{ readonly file: string; readonly line: number; readonly changed: boolean } | undefined, DecisionFailure>> {
  const evidence = projectRelative(o.projectRoot, RunLayout.manifest(o.runDir));
  const edit = await editChecklist(o, o.taskId, { decision: 'withdrawn', reviewer: 'codex-orchestrator', evidence, reason: o.reason });
  if (!edit.ok || !edit.value) return edit as Result<undefined, DecisionFailure>;
  if (edit.value.changed) {
    noteOwnWrite(edit.value.absolute);
    await writeTextAtomic(edit.value.absolute, edit.value.text);
  }
  return ok({ file: edit.value.file, line: edit.value.line, changed: edit.value.changed });
}
