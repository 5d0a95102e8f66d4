import { formatDuration } from '../core/abort.js';
import { displayPath } from '../core/display-path.js';
import { describeCounts, denialList } from '../store/manifest-summary.js';
import type { PollDocument } from './poll.js';
import { approvalFields, fanOutLine } from './approval.js';
import { describeWaiting, showsWaiting } from './waiting.js';

/** `poll`'s table for people, made from its JSON document (`poll.ts`). */

/** `tokens 10921 (Codex 9073, agents 1848)`, with the budget when there is one. */
function tokenLine(doc: PollDocument): string {
  const parts = doc.agentUsage.total > 0 || doc.agents ? ` (Codex ${doc.codexUsage.total}, agents ${doc.agentUsage.total})` : '';
  const budget = doc.budget ? `; budget ${doc.budget.maxTokens}${doc.budget.reached ? ', REACHED' : `, ${doc.budget.remaining} left`}` : '';
  return `tokens ${doc.usage.total}${parts}${budget}`;
}

/** Waits shorter than this (the moment between a failed attempt and its fix) are not shown as waiting. */
const SHOWN_WAIT_MS = 1000;
const shownWait = (ms: number): boolean => ms >= SHOWN_WAIT_MS;

/**
 * What a run waiting at gates needs, and what happens next: the exact `approve` and `reject`
 * commands, then either that the live orchestrator continues by itself after a decision, or the
 * `resume` that continues a run that ended at its gates. `headline` says what waits.
 */
export function gateHint(runId: string, headline: string, waiting: { gates: readonly string[]; manual?: readonly string[] | undefined; live: boolean; pid: number | null }): string[] {
  const gate = waiting.gates.length === 1 ? (waiting.gates[0] as string) : 'GATE';
  const manual = waiting.manual ?? [];
  const task = manual.length === 1 ? (manual[0] as string) : 'TASK';
  return [
    headline,
    ...(waiting.gates.length > 0
      ? [`  approve: codex-orchestrator approve ${runId} --task ${gate} --reviewer NAME [--note TEXT]`, `  reject:  codex-orchestrator reject ${runId} --task ${gate} --reviewer NAME --reason TEXT`]
      : []),
    ...(manual.length > 0 ? [`  done:    codex-orchestrator migrate execute ${task} --status done [--note TEXT] (its runbook: codex-orchestrator migrate execute)`] : []),
    waiting.live
      ? `  the run continues by itself after a decision (its orchestrator${waiting.pid === null ? '' : `, process ${waiting.pid},`} is waiting)`
      : `  then continue the run with: codex-orchestrator resume ${runId}`,
  ];
}

/** The table for people. */
export function renderPollTable(doc: PollDocument, cwd = process.cwd()): string {
  const lines: string[] = [];
  const counts = describeCounts(doc.counts);
  const waited = shownWait(doc.waitMs) ? ` (${formatDuration(doc.waitMs)} waiting for reviewers)` : '';
  lines.push(`run ${doc.runId}  ${doc.status.toUpperCase()}  ${counts}  ${formatDuration(doc.durationMs)}${waited}`);
  lines.push(`graph ${displayPath(doc.graph.path, cwd)}  ${tokenLine(doc)}`);
  // The waiting run's message is the first line of its hint, below.
  if (doc.message && doc.message !== counts && !doc.waiting) lines.push(doc.message);
  lines.push('');
  const waiting = doc.tasks.map((t) => (t.waiting && showsWaiting(t.status) ? describeWaiting(t.waiting) : ''));
  // The column only when a task still to come has a reason: a finished run's table stays as it was.
  const withWaiting = waiting.some((w) => w !== '');
  const header = ['TASK', 'ROLE', 'STATUS', 'ATTEMPTS', 'WORKED', 'WAITED', 'DIFF', 'CHECKS', 'VERDICT', 'TOKENS', ...(withWaiting ? ['WAITING'] : [])];
  const rows = doc.tasks.map((t, i) => [
    t.id,
    t.role,
    t.status,
    `${t.attempts}${t.fixAttempts ? ` (${t.fixAttempts} fix${t.fixAttempts === 1 ? '' : 'es'})` : ''}`,
    t.workMs === null ? '-' : formatDuration(t.workMs),
    t.waitMs !== null && shownWait(t.waitMs) ? formatDuration(t.waitMs) : '-',
    t.diff ? `+${t.diff.insertions} -${t.diff.deletions} (${t.diff.files} file${t.diff.files === 1 ? '' : 's'})` : '-',
    t.checks ? `${t.checks.passed}/${t.checks.total}${t.checks.failed ? ' FAILED' : ' ok'}` : '-',
    t.verdict ? (t.verdict.verdict === 'pass' ? 'pass' : 'FAIL') : '-',
    t.usage ? String(t.usage.total) : '-',
    ...(withWaiting ? [waiting[i] ?? ''] : []),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (r: string[]): string =>
    r
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  lines.push(fmt(header), ...rows.map(fmt));
  const notes = doc.tasks.filter((t) => t.message || t.triage || t.sandboxDenials.length > 0);
  if (notes.length > 0) {
    lines.push('');
    for (const t of notes) {
      if (t.message) lines.push(`${t.id}: ${t.reason ? `${t.reason}: ` : ''}${t.message}`);
      if (t.triage) {
        lines.push(`  probable cause: ${t.triage.probableCause}`);
        lines.push(`  next step: ${t.triage.nextStep}`);
      }
      if (t.sandboxDenials.length > 0) lines.push(`${t.id}: the sandbox denied ${denialList(t.sandboxDenials)}`);
    }
  }
  // How the graph grew during the run.
  for (const t of doc.tasks) if (t.expansion) lines.push('', fanOutLine(t.id, t.expansion), ...t.expansion.steps.map((step) => `  ${step}`));
  // What the reviewer of a waiting gate checks, and where its artifact is.
  for (const t of doc.tasks) {
    if (!t.approval || t.status !== 'awaiting-approval') continue;
    lines.push('', `${t.id} is approved on:`, ...approvalFields(t.approval).map(([name, text]) => `  ${(name ? `${name}:` : '').padEnd(10)}${text}`));
  }
  lines.push('');
  if (doc.integration) lines.push(`integration branch: ${doc.integration.branch} (${doc.integration.merged.length} task(s) merged)`);
  lines.push(`manifest: ${displayPath(doc.manifest, cwd)}`);
  if (doc.waiting) lines.push('', ...gateHint(doc.runId, doc.message ?? '', doc.waiting));
  if (doc.status === 'died') {
    lines.push(`the orchestrator of this run is gone: its heartbeat is stale and its process has ended; continue it with: codex-orchestrator resume ${doc.runId}`);
  }
  return lines.join('\n');
}
