import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { assertNever } from '../../core/result.js';
import type { DecisionReplyData } from '../../engine/live/live-requests.js';
import { decide, decisionLogLine, renderDecisionFailure, type DecisionEffect, type DecisionFailure, type DecisionRequest } from '../../review/decide.js';
import { projectRootOf } from '../../review/project.js';
import { SEAL_FILE } from '../../review/run-files.js';
import { projectKeys, renderSealWriteFailure, sealRun } from '../../review/seal.js';
import { describeCounts, gatesAwaiting, settledRunStatus, type Manifest, type Review } from '../../store/manifest.js';
import type { RunEventInput } from '../../store/events/run-event.js';
import { reduce } from '../../store/events/reduce.js';
import { loadRunState, readManifest, renderReadFailure } from '../../store/read.js';
import { acquireRunLock, renderLockFailure, type LockOwner } from '../../store/run-lock.js';
import { RunWriter } from '../../store/run-writer.js';
import { renderStoreFailure } from '../../store/store-failure.js';
import { askLiveRun, liveOrchestrator } from '../live-run.js';
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
 * `approve` and `reject`. When no orchestrator works on the run: under the run lock, read the
 * manifest, decide, write the manifest, log the decision in `runner.log`, and seal the run again
 * (the log line comes before the seal, so the seal covers it). When an orchestrator works on it
 * (a gate it waits at, a task of a run still going), the request goes through the run's inbox and
 * that orchestrator, the run's one writer, decides and answers.
 */
export async function decideCommand(o: DecideOptions, out: Output): Promise<number> {
  const run = await namedRun(o.runsDir, o.target, out);
  if (!run) return Exit.usage;
  if (o.reviewerFromGit) out.info(`reviewer: ${o.request.reviewer} (from git config user.name)`);
  const { id, runDir } = run;
  const verb = o.request.decision === 'approved' ? 'approve' : 'reject';
  const lock = await acquireRunLock(runDir, verb);
  if (!lock.ok) {
    const owner = liveOrchestrator(lock.error);
    if (owner) return decideThroughInbox(o, id, runDir, owner, out);
    out.info(renderLockFailure(lock.error));
    return Exit.usage;
  }
  try {
    const read = await loadRunState(runDir);
    if (!read.ok) {
      out.info(renderReadFailure(read.error));
      return Exit.usage;
    }
    const manifest = read.value.manifest;
    const before = manifest.tasks.find((t) => t.id === o.request.taskId)?.status ?? null;
    const keys = projectKeys(o.runsDir);
    const decided = await decide({ manifest, runDir, projectRoot: projectRootOf(o.runsDir), request: o.request, keys });
    if (!decided.ok) return report(o, id, runDir, before, { failure: decided.error }, out);
    const effect = decided.value;
    if (effect.kind === 'unchanged') return report(o, id, runDir, before, { effect, seal: null }, out);
    const settled = noteOnEndedRun(reduce(manifest, { ...effect.event, v: 1, seq: read.value.seq + 1, at: effect.review.at }), effect, before);
    const recorded = await RunWriter.record(o.runsDir, runDir, manifest, [effect.event, ...(settled ? [settled] : [])], decisionLogLine(effect), lock.value);
    if (!recorded.ok) {
      out.info(renderStoreFailure(recorded.error, id, true));
      return Exit.failed;
    }
    const sealed = await sealRun(runDir, keys, { event: effect.review.decision, taskId: effect.taskId });
    const code = report(o, id, runDir, before, { effect, seal: sealed.ok ? sealed.value.file : null }, out);
    if (!sealed.ok) {
      out.info(`error: ${renderSealWriteFailure(sealed.error, id)}\n  hint: the decision is recorded in the manifest, but the run is not sealed again: verify will report manifest.json as changed`);
      return Exit.internal;
    }
    return code;
  } finally {
    await lock.value.release();
  }
}

/**
 * A run that ended at its gates says what the decision changed: the gates still awaiting a
 * reviewer, or that none does now and `resume` continues the run (which then runs the gate's
 * dependents, or records how the run ended). Its wait for reviewers ends with the last decision.
 */
function noteOnEndedRun(m: Manifest, effect: Extract<DecisionEffect, { kind: 'recorded' }>, before: string | null): RunEventInput | undefined {
  if (m.status !== 'awaiting-approval' || before !== 'awaiting-approval') return undefined;
  const awaiting = m.tasks.filter((t) => t.status === 'awaiting-approval').map((t) => t.id);
  const decided = `${effect.taskId} ${effect.review.decision} by ${effect.review.reviewer}`;
  const at = effect.review.at;
  if (awaiting.length > 0) return { kind: 'run-settled', at, status: m.status, message: `${decided}; ${gatesAwaiting(awaiting)}` };
  // Nothing left to run (a rejected gate without dependents, say): the run has ended, and says how.
  const settled = m.tasks.every((t) => SETTLED.has(t.status) && t.followUp === undefined);
  if (settled) {
    const end = settledRunStatus(m.counts);
    return { kind: 'run-settled', at, status: end.status, waitEnded: true, ...(end.reason ? { reason: end.reason } : {}), ...(end.status === 'failed' ? { message: describeCounts(m.counts) } : {}) };
  }
  return { kind: 'run-settled', at, status: m.status, waitEnded: true, message: `${decided}; no gate awaits approval now: continue the run with: codex-orchestrator resume ${m.runId}` };
}

/** Task states nothing more comes of without a new command (`retry`, `send`, a rejection). */
const SETTLED: ReadonlySet<string> = new Set(['succeeded', 'failed', 'skipped', 'approved', 'rejected']);

/** Hands the decision to the orchestrator working on the run and reports its answer. */
async function decideThroughInbox(o: DecideOptions, runId: string, runDir: string, owner: LockOwner, out: Output): Promise<number> {
  const r = o.request;
  const current = await readManifest(runDir);
  const before = current.ok ? (current.value.tasks.find((t) => t.id === r.taskId)?.status ?? null) : null;
  const answer = await askLiveRun(
    runDir,
    runId,
    owner,
    {
      kind: r.decision === 'approved' ? 'approve' : 'reject',
      taskId: r.taskId,
      reviewer: r.reviewer,
      ...(r.decision === 'approved' ? (r.note === undefined ? {} : { note: r.note }) : { reason: r.reason }),
    },
    out,
  );
  if (!answer) return Exit.internal;
  const data = answer.data as DecisionReplyData | undefined;
  if (!data) {
    out.info(answer.message);
    return answer.ok ? Exit.ok : Exit.internal;
  }
  return report(o, runId, runDir, before, data, out, true);
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
  if (r.decision === 'rejected' && r.attempt > 0) {
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
