import { readManifest, renderReadFailure } from '../../store/read.js';
import { reviewDocument, renderReview } from '../../views/review.js';
import { projectKeys } from '../../review/seal.js';
import { Exit, type Output } from '../output.js';
import { namedRun } from '../named-run.js';
import { displayPath } from '../runs-dir.js';

export interface ReviewOptions {
  readonly runsDir: string;
  readonly target: string;
  /** Show one task, with its whole diff and the tail of its log. */
  readonly task: string | undefined;
  readonly json: boolean;
}

/** `review <run-id> [--task T] [--json]`: what a reviewer needs before approving or rejecting. */
export async function reviewCommand(o: ReviewOptions, out: Output): Promise<number> {
  const run = await namedRun(o.runsDir, o.target, out);
  if (!run) return Exit.usage;
  const { id, runDir } = run;
  const m = await readManifest(runDir);
  if (!m.ok) {
    out.info(renderReadFailure(m.error));
    return Exit.usage;
  }
  if (o.task !== undefined && !m.value.tasks.some((t) => t.id === o.task)) {
    out.info(`error: run ${id} has no task "${o.task}"\n  hint: its tasks are: ${m.value.tasks.map((t) => t.id).join(', ')}`);
    return Exit.usage;
  }
  const doc = await reviewDocument(m.value, runDir, projectKeys(o.runsDir), o.task);
  out.data(o.json ? JSON.stringify(doc, null, 2) : renderReview(doc, (file) => displayPath(file)));
  return Exit.ok;
}
