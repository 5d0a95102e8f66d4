import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { decideOnRun } from '../../control/decide.js';
import { assertNever } from '../../core/result.js';
import type { DecisionReplyData } from '../../engine/index.js';
import { renderDecisionFailure, type DecisionFailure, type DecisionRequest } from '../../review/decide.js';
import { SEAL_FILE } from '../../review/run-files.js';
import { renderSealWriteFailure } from '../../review/seal.js';
import type { Review } from '../../store/manifest.js';
import { reportChangeFailure } from '../change-report.js';
import { noteInWorkspaceJournal } from '../migrate-journal.js';
import { Exit, type Output } from '../output.js';
import { namedRun } from '../named-run.js';
import { displayPath } from '../runs-dir.js';

export interface DecideOptions {
  readonly runsDir: string;
  readonly target: string;
  readonly request: DecisionRequest;
  readonly json: boolean;
  /** The reviewer's name came from `git config user.name` (no `--reviewer`): the command says so. */
  readonly reviewerFromGit?: boolean;
}

/** `git config user.name` where the command runs, when git has one. */
export function gitUserName(cwd = process.cwd()): string | undefined {
  const r = spawnSync('git', ['config', 'user.name'], { cwd, encoding: 'utf8', timeout: 10_000 });
  const name = r.status === 0 ? r.stdout.trim() : '';
  return name === '' ? undefined : name;
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
 * `approve` and `reject` (`control/decide.ts` decides, under the run lock or through the live
 * run's inbox): the outcome for people, the `--json` document, the exit code.
 */
export async function decideCommand(o: DecideOptions, out: Output): Promise<number> {
  const run = await namedRun(o.runsDir, o.target, out);
  if (!run) return Exit.usage;
  if (o.reviewerFromGit) out.info(`reviewer: ${o.request.reviewer} (from git config user.name)`);
  const { id, runDir } = run;
  const decided = await decideOnRun(o.runsDir, runDir, o.request);
  if (!decided.ok) return reportChangeFailure(decided.error, id, (never) => never, out);
  const d = decided.value;
  if (d.kind === 'answered') {
    out.info(d.message);
    return d.ok ? Exit.ok : Exit.internal;
  }
  const code = report(o, id, runDir, d.before, d.reply, out, d.live);
  if ('effect' in d.reply && d.reply.effect.kind === 'recorded') {
    const r = d.reply.effect.review;
    await noteInWorkspaceJournal(runDir, { at: r.at, who: r.reviewer, task: d.reply.effect.taskId, status: r.decision, note: r.reason ?? r.note ?? '' }, out);
  }
  if (d.sealFailure) {
    out.info(`error: ${renderSealWriteFailure(d.sealFailure, id)}\n  hint: the decision is recorded in the manifest, but the run is not sealed again: verify will report manifest.json as changed`);
    return Exit.internal;
  }
  return code;
}

/** The outcome for people (stderr) and, with `--json`, as a document (stdout); the exit code. */
function report(o: DecideOptions, runId: string, runDir: string, before: string | null, outcome: DecisionReplyData, out: Output, live = false): number {
  const doc: DecisionDocument = {
    schema: DECISION_SCHEMA,
    runId,
    taskId: o.request.taskId,
    decision: o.request.decision,
    recorded: false,
    status: before,
    reason: null,
    message: null,
    review: null,
    checklist: null,
    seal: null,
  };
  const emit = (message: string, code: number): number => {
    if (o.json) out.data(JSON.stringify(doc, null, 2));
    out.info(message);
    return code;
  };
  if ('failure' in outcome) {
    const message = renderDecisionFailure(outcome.failure, o.request);
    Object.assign(doc, { reason: outcome.failure.reason, message });
    return emit(message, exitFor(outcome.failure));
  }
  const effect = outcome.effect;
  if (effect.kind === 'unchanged') {
    const by = effect.review ? ` by ${effect.review.reviewer} at ${effect.review.at}` : '';
    const message = `${effect.taskId} in run ${runId} is already ${effect.status}${by}; nothing changed`;
    Object.assign(doc, { status: effect.status, message, review: effect.review ?? null });
    return emit(message, Exit.ok);
  }
  const r = effect.review;
  Object.assign(doc, { recorded: true, status: effect.to, review: r, checklist: effect.checklist ?? null, seal: outcome.seal });
  const lines = [`${r.decision} ${effect.taskId} in run ${runId} (attempt ${r.attempt}) by ${r.reviewer}`];
  if (effect.checklist) {
    const where = `${effect.checklist.file}:${effect.checklist.line}`;
    const change = r.decision === 'approved' ? 'ticked' : 'unticked';
    lines.push(effect.checklist.changed ? `${change} ${where}` : `${where} was already ${change}`);
  }
  if (outcome.seal) lines.push(`sealed: ${displayPath(path.join(runDir, SEAL_FILE))}`);
  const revise = effect.event.rework;
  if (revise) {
    lines.push(
      live
        ? `revise: the run's orchestrator sends the reason to ${revise.task}'s Codex thread now; ${effect.taskId} awaits approval again after it`
        : `revise: the reason goes to ${revise.task}'s Codex thread when the run continues: codex-orchestrator resume ${runId}; then ${effect.taskId} awaits approval again`,
    );
  } else if (r.decision === 'rejected' && r.attempt > 0) {
    lines.push(
      live
        ? `rework: the run's orchestrator sends the reason to ${effect.taskId}'s Codex thread now`
        : `rework: the reason goes to ${effect.taskId}'s Codex thread when the run continues: codex-orchestrator resume ${runId}`,
    );
  }
  return emit(lines.join('\n'), Exit.ok);
}

/** 1 when the decision was refused on its merits (state, seal, digests); 2 for bad input. */
function exitFor(f: DecisionFailure): number {
  switch (f.reason) {
    case 'not-approvable':
    case 'not-rejectable':
    case 'seal-invalid':
    case 'artifact-mismatch':
    case 'graph-unreadable':
    case 'gate-artifact-missing':
    case 'gate-artifact-incomplete':
      return Exit.failed;
    case 'invalid-request':
    case 'unknown-task':
    case 'manual-task':
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
