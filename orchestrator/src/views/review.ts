import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { formatDuration } from '../core/abort.js';
import { RunLayout } from '../store/layout.js';
import { effectiveStatus } from '../store/liveness.js';
import { taskTimes } from '../store/timings.js';
import { denialList, type Manifest, type Review } from '../store/manifest.js';
import { readRunGraph } from '../review/run-graph.js';
import { short, summarizeSealFailure, verifySeal, type KeyStore } from '../review/seal.js';
import type { ReviewDocument, ReviewTask } from './review-schema.js';
import { REVIEW_SCHEMA } from './schema-ids.js';
import { approvalFields, approvalView, fanOutLine } from './approval.js';
import { describeWaiting, showsWaiting, waitingReasons } from './waiting.js';

/**
 * `review`'s two views of a run: what a reviewer needs to decide on each task (status, checks,
 * diff stat, verdict, earlier decisions, where the files are, whether the seal holds), as text
 * for people and as a stable JSON document for scripts. Change the JSON only additively.
 */

export { REVIEW_SCHEMA };
export type { ReviewDocument, ReviewTask };

/** How much of a task's log `review --task` shows. */
export const LOG_TAIL_LINES = 40;

export async function reviewDocument(m: Manifest, runDir: string, keys: KeyStore, onlyTask?: string): Promise<ReviewDocument> {
  const seal = await verifySeal(runDir, keys);
  const graph = await readRunGraph(m, runDir);
  const checklistOf = (id: string): string | null => (graph.ok ? (graph.value.tasks.find((t) => t.id === id)?.checklist ?? null) : null);
  const abs = (rel: string | undefined): string | null => (rel ? path.join(runDir, rel) : null);
  const status = effectiveStatus(m);
  const waits = waitingReasons(m, status);
  const tasks: ReviewTask[] = [];
  for (const [i, t] of m.tasks.entries()) {
    if (onlyTask !== undefined && t.id !== onlyTask) continue;
    const task: ReviewTask = {
      id: t.id,
      title: t.title,
      role: t.role,
      status: t.status,
      reason: t.reason ?? null,
      message: t.message ?? null,
      attempts: t.attempts.length,
      checks: (t.checks ?? []).map((c) => ({ command: c.command, exitCode: c.exitCode, signal: c.signal, timedOut: c.timedOut, durationMs: c.durationMs, output: path.join(runDir, c.outputPath) })),
      diff: t.diffStat ?? null,
      verdict: await readVerdict(path.join(runDir, 'tasks', t.id, 'verdict.json')),
      reviews: t.reviews ?? [],
      checklist: checklistOf(t.id),
      artifacts: { log: abs(t.artifacts.log?.path), diff: abs(t.artifacts.diff?.path), events: abs(t.artifacts.events?.path), checks: abs(t.artifacts.checks?.path) },
      triage: t.triage ? { probableCause: t.triage.probableCause, nextStep: t.triage.nextStep, by: t.triage.by } : null,
      sandboxDenials: t.sandboxDenials ?? [],
      fixAttempts: t.attempts.filter((a) => a.followUp?.from === 'fix').length,
      tokens: t.usage ? { total: t.usage.total, codex: t.codexUsage?.total ?? (t.agentUsage ? 0 : t.usage.total), agents: t.agentUsage?.total ?? 0 } : null,
      ...taskTimes(t, Date.now()),
      waiting: waits[i] ?? null,
      approval: approvalView(t, (id) => m.tasks.find((x) => x.id === id)),
      expansion: t.expansion ? { at: t.expansion.at, steps: [...t.expansion.steps], tasks: [...t.expansion.tasks] } : null,
      when: t.when ?? null,
    };
    if (onlyTask !== undefined) {
      task.diffText = task.artifacts.diff ? await readText(task.artifacts.diff) : null;
      const log = task.artifacts.log ? await readText(task.artifacts.log) : null;
      task.logTail = log === null ? null : log.replace(/\n$/, '').split('\n').slice(-LOG_TAIL_LINES);
    }
    tasks.push(task);
  }
  return {
    schema: REVIEW_SCHEMA,
    runId: m.runId,
    status,
    message: m.message ?? null,
    runDir,
    manifest: RunLayout.manifest(runDir),
    runnerLog: path.join(runDir, m.runnerLog),
    graph: m.graph.path,
    seal: seal.ok
      ? { status: 'intact', file: seal.value.file, sealedAt: seal.value.predicate.sealedAt, keyid: seal.value.keyid, files: seal.value.subjects.size, problem: null }
      : {
          status: seal.error.reason,
          file: path.join(runDir, 'seal.dsse.json'),
          sealedAt: seal.error.reason === 'tampered' ? seal.error.seal.predicate.sealedAt : null,
          keyid: null,
          files: null,
          problem: summarizeSealFailure(seal.error),
        },
    tasks,
  };
}

async function readText(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return null;
  }
}

async function readVerdict(file: string): Promise<ReviewTask['verdict']> {
  const text = await readText(file);
  if (text === null) return null;
  try {
    return { file, content: JSON.parse(text) as unknown, error: null };
  } catch (e) {
    return { file, content: null, error: `not valid JSON: ${(e as Error).message}` };
  }
}

/** The text for people. `show` turns absolute paths into what they typed (relative to cwd). */
export function renderReview(doc: ReviewDocument, show: (file: string) => string): string {
  const lines: string[] = [];
  lines.push(`run ${doc.runId}  ${doc.status.toUpperCase()}  graph ${show(doc.graph)}`);
  if (doc.message) lines.push(doc.message);
  const s = doc.seal;
  lines.push(
    s.status === 'intact'
      ? `seal: intact, ${s.files} files signed ${s.sealedAt} (key ${short(s.keyid ?? '')})`
      : `seal: ${s.status.toUpperCase()}: ${s.problem}${s.status === 'tampered' ? ` (see: codex-orchestrator verify ${doc.runId})` : ''}`,
  );
  lines.push(`manifest:   ${show(doc.manifest)}`, `runner log: ${show(doc.runnerLog)}`);
  for (const t of doc.tasks) {
    lines.push('', t.title === t.id ? t.id : `${t.id}  ${t.title}`);
    const field = (name: string, value: string): void => void lines.push(`  ${(name ? `${name}:` : '').padEnd(11)}${value}`);
    const fixes = t.fixAttempts ? ` (${t.fixAttempts} fix${t.fixAttempts === 1 ? '' : 'es'})` : '';
    field('status', `${t.status} (${t.role}), ${t.attempts} attempt${t.attempts === 1 ? '' : 's'}${fixes}${t.reason ? `, ${t.reason}` : ''}`);
    if (t.waiting && showsWaiting(t.status)) field('waiting', describeWaiting(t.waiting));
    if (t.message) field('message', t.message);
    if (t.triage) {
      field('triage', `${t.triage.probableCause} (${t.triage.by === 'manager' ? 'the manager agent' : 'rules'})`);
      field('next step', t.triage.nextStep);
    }
    if (t.sandboxDenials.length > 0) field('sandbox', `denied ${denialList(t.sandboxDenials)}`);
    if (t.checks.length === 0) field('checks', 'none');
    else {
      field('checks', `${t.checks.filter((c) => c.exitCode === 0).length}/${t.checks.length} passed`);
      for (const check of t.checks) lines.push(`    ${checkOutcome(check).padEnd(9)} ${check.command}`);
    }
    field('changes', t.diff ? `${t.diff.files} file${t.diff.files === 1 ? '' : 's'}, +${t.diff.insertions} -${t.diff.deletions}` : 'none recorded');
    field('verdict', t.verdict === null ? 'none' : verdictLine(t.verdict));
    if (t.workMs !== null || t.waitMs !== null) field('time', timeLine(t.workMs, t.waitMs));
    if (t.tokens) field('tokens', `${t.tokens.total} (Codex ${t.tokens.codex}, agents ${t.tokens.agents})`);
    if (t.reviews.length === 0) field('reviews', 'none');
    t.reviews.forEach((r, i) => field(i === 0 ? 'reviews' : '', reviewLine(r)));
    if (t.checklist) field('checklist', t.checklist);
    if (t.approval) for (const [name, text] of approvalFields(t.approval)) field(name, text);
    if (t.expansion) {
      field('fan-out', fanOutLine(t.id, t.expansion));
      t.expansion.steps.forEach((step) => field('', step));
    }
    if (t.when === 'failure') field('rollback', 'runs only when a task it depends on fails or is rejected');
    if (t.artifacts.log) field('log', show(t.artifacts.log));
    if (t.artifacts.diff) field('diff', show(t.artifacts.diff));
    if (t.diffText !== undefined) {
      lines.push('', `--- diff${t.artifacts.diff ? ` (${show(t.artifacts.diff)})` : ''}`);
      lines.push(t.diffText === null ? '(no diff)' : t.diffText === '' ? '(empty: no changes)' : t.diffText.replace(/\n$/, ''));
    }
    if (t.logTail !== undefined) {
      lines.push('', `--- log, last ${LOG_TAIL_LINES} lines${t.artifacts.log ? ` (${show(t.artifacts.log)})` : ''}`);
      lines.push(t.logTail === null ? '(no log)' : t.logTail.join('\n'));
    }
  }
  return lines.join('\n');
}

function checkOutcome(c: ReviewTask['checks'][number]): string {
  if (c.timedOut) return `timed out after ${formatDuration(c.durationMs)}`;
  if (c.exitCode === null) return `killed${c.signal ? ` (${c.signal})` : ''}`;
  return `exit ${c.exitCode}`;
}

function reviewLine(r: Review): string {
  const said = r.decision === 'approved' ? r.note : r.reason;
  return `${r.decision} by ${r.reviewer} at ${r.at} (attempt ${r.attempt})${said ? `: ${said}` : ''}`;
}

/** A verdict file in one line: its `verdict` (or `decision`) and `summary` (or `reason`) when it has them. */
function verdictLine(v: NonNullable<ReviewTask['verdict']>): string {
  if (v.error) return `unreadable (${v.error})`;
  const c = v.content;
  if (typeof c === 'object' && c !== null && !Array.isArray(c)) {
    const o = c as Record<string, unknown>;
    const word = [o['verdict'], o['decision']].find((x): x is string => typeof x === 'string');
    const why = [o['summary'], o['reason']].find((x): x is string => typeof x === 'string');
    if (word) return why ? `${word}: ${why}` : word;
  }
  const text = JSON.stringify(c);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** `worked 15s, waited 4m00s` (waiting: between attempts, or a gate until its decision). */
function timeLine(workMs: number | null, waitMs: number | null): string {
  const waited = waitMs === null ? undefined : `waited ${formatDuration(waitMs)}`;
  if (workMs === null) return waited ?? '';
  return waited ? `worked ${formatDuration(workMs)}, ${waited}` : `worked ${formatDuration(workMs)}`;
}
