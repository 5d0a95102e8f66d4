import { appendFile } from 'node:fs/promises';
import path from 'node:path';
import { assertNever } from '../../core/result.js';
import { decide, renderDecisionFailure, type DecisionFailure, type DecisionRequest } from '../../review/decide.js';
import { projectRootOf } from '../../review/project.js';
import { SEAL_FILE } from '../../review/run-files.js';
import { projectKeys, renderSealWriteFailure, sealRun } from '../../review/seal.js';
import { writeJsonAtomic } from '../../store/atomic.js';
import { RunLayout } from '../../store/layout.js';
import { Manifest, type Review } from '../../store/manifest.js';
import { readManifest, renderReadFailure, resolveRunId } from '../../store/read.js';
import { indexEntryOf, upsertIndexEntry } from '../../store/run-index.js';
import { acquireRunLock, renderLockFailure } from '../../store/run-lock.js';
import { Exit, type Output } from '../output.js';
import { displayPath } from '../runs-dir.js';

export interface DecideOptions {
  readonly runsDir: string;
  readonly target: string;
  readonly request: DecisionRequest;
  readonly json: boolean;
}

export const DECISION_SCHEMA = 'codex-orchestrator/decision@1';

/** `--json`: what happened, one document on stdout (also when the decision was refused). */
export interface DecisionDocument {
  schema: typeof DECISION_SCHEMA;
  runId: string;
  taskId: string;
  decision: 'approved' | 'rejected';
  /** Whether this call changed anything. */
  recorded: boolean;
  /** The task's status afterwards; null when refused before it was read. */
  status: string | null;
  /** Why it was refused (a DecisionFailure reason), or null. */
  reason: string | null;
  message: string | null;
  review: Review | null;
  checklist: { file: string; line: number; changed: boolean } | null;
  seal: string | null;
}

/**
 * `approve` and `reject`: under the run lock, read the manifest, decide, write the manifest, log
 * the decision in `runner.log`, and seal the run again (the log line comes before the seal, so
 * the seal covers it).
 */
export async function decideCommand(o: DecideOptions, out: Output): Promise<number> {
  const id = await resolveRunId(o.runsDir, o.target);
  if (!id.ok) {
    out.info(renderReadFailure(id.error));
    return Exit.usage;
  }
  const runDir = RunLayout.runDir(o.runsDir, id.value);
  const verb = o.request.decision === 'approved' ? 'approve' : 'reject';
  const lock = await acquireRunLock(runDir, verb);
  if (!lock.ok) {
    out.info(renderLockFailure(lock.error));
    return Exit.usage;
  }
  try {
    const read = await readManifest(runDir);
    if (!read.ok) {
      out.info(renderReadFailure(read.error));
      return Exit.usage;
    }
    const manifest = read.value;
    const keys = projectKeys(o.runsDir);
    const decided = await decide({ manifest, runDir, projectRoot: projectRootOf(o.runsDir), request: o.request, keys });
    const doc: DecisionDocument = {
      schema: DECISION_SCHEMA,
      runId: id.value,
      taskId: o.request.taskId,
      decision: o.request.decision,
      recorded: false,
      status: manifest.tasks.find((t) => t.id === o.request.taskId)?.status ?? null,
      reason: null,
      message: null,
      review: null,
      checklist: null,
      seal: null,
    };
    const report = (): void => {
      if (o.json) out.data(JSON.stringify(doc, null, 2));
    };
    if (!decided.ok) {
      const message = renderDecisionFailure(decided.error, o.request);
      Object.assign(doc, { reason: decided.error.reason, message });
      report();
      out.info(message);
      return exitFor(decided.error);
    }
    const effect = decided.value;
    if (effect.kind === 'unchanged') {
      const by = effect.review ? ` by ${effect.review.reviewer} at ${effect.review.at}` : '';
      const message = `${effect.taskId} in run ${id.value} is already ${effect.status}${by}; nothing changed`;
      Object.assign(doc, { message, review: effect.review ?? null });
      report();
      out.info(message);
      return Exit.ok;
    }
    await writeJsonAtomic(RunLayout.manifest(runDir), Manifest.parse(manifest));
    const r = effect.review;
    const said = r.decision === 'approved' ? (r.note ? `: ${oneLine(r.note)}` : '') : `: ${oneLine(r.reason ?? '')}`;
    await appendFile(RunLayout.runnerLog(runDir), `${r.at} task ${effect.taskId} ${r.decision} by ${r.reviewer} (attempt ${r.attempt}, was ${effect.from})${said}\n`);
    const sealed = await sealRun(runDir, keys, { event: r.decision, taskId: effect.taskId });
    await upsertIndexEntry(o.runsDir, indexEntryOf(manifest));
    Object.assign(doc, { recorded: true, status: effect.to, review: r, checklist: effect.checklist ?? null, seal: sealed.ok ? sealed.value.file : null });
    report();
    out.info(`${r.decision} ${effect.taskId} in run ${id.value} (attempt ${r.attempt}) by ${r.reviewer}`);
    if (effect.checklist) {
      const where = `${effect.checklist.file}:${effect.checklist.line}`;
      const change = r.decision === 'approved' ? 'ticked' : 'unticked';
      out.info(effect.checklist.changed ? `${change} ${where}` : `${where} was already ${change}`);
    }
    if (!sealed.ok) {
      out.info(`error: ${renderSealWriteFailure(sealed.error, id.value)}\n  hint: the decision is recorded in the manifest, but the run is not sealed again: verify will report manifest.json as changed`);
      return Exit.internal;
    }
    out.info(`sealed: ${displayPath(path.join(runDir, SEAL_FILE))}`);
    return Exit.ok;
  } finally {
    await lock.value.release();
  }
}

/** 1 when the decision was refused on its merits (state, seal, digests); 2 for bad input. */
function exitFor(f: DecisionFailure): number {
  switch (f.reason) {
    case 'not-approvable':
    case 'not-rejectable':
    case 'seal-invalid':
    case 'artifact-mismatch':
    case 'graph-unreadable':
      return Exit.failed;
    case 'invalid-request':
    case 'unknown-task':
    case 'bad-checklist-ref':
    case 'checklist-not-found':
    case 'checklist-unreadable':
    case 'checklist-item-missing':
    case 'checklist-item-ambiguous':
      return Exit.usage;
    default:
      return assertNever(f, 'decision failure');
  }
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
