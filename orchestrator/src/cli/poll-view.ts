import path from 'node:path';
import { formatDuration } from '../core/abort.js';
import { RunLayout } from '../store/layout.js';
import { effectiveStatus } from '../store/liveness.js';
import { checkCounts, type Manifest, type TaskRecord } from '../store/manifest.js';
import { displayPath } from './runs-dir.js';

/**
 * `poll`'s two views of a manifest: a table for people and a stable JSON document for scripts.
 * The JSON shape is documented in the README; change it only additively.
 */

export const POLL_SCHEMA = 'codex-orchestrator/poll@1';

export interface PollTask {
  id: string;
  title: string;
  role: string;
  status: string;
  reason: string | null;
  message: string | null;
  attempts: number;
  durationMs: number | null;
  threadId: string | null;
  diff: { files: number; insertions: number; deletions: number } | null;
  checks: { passed: number; failed: number; total: number } | null;
  usage: { input: number; output: number; total: number } | null;
  artifacts: { events: string | null; log: string | null; diff: string | null; checks: string | null };
}

export interface PollDocument {
  schema: typeof POLL_SCHEMA;
  runId: string;
  status: string;
  message: string | null;
  runDir: string;
  manifest: string;
  graph: { path: string; name: string; sha256: string };
  startedAt: string;
  finishedAt: string | null;
  heartbeatAt: string;
  durationMs: number;
  counts: Record<string, number>;
  usage: { input: number; output: number; total: number };
  integration: { branch: string; commit: string; merged: string[]; skipped: { taskId: string; reason: string }[] } | null;
  tasks: PollTask[];
}

export function pollDocument(m: Manifest, runDir: string, now = Date.now()): PollDocument {
  const artifact = (p: string | undefined): string | null => (p ? path.join(runDir, p) : null);
  return {
    schema: POLL_SCHEMA,
    runId: m.runId,
    status: effectiveStatus(m, now),
    message: m.message ?? null,
    runDir,
    manifest: RunLayout.manifest(runDir),
    graph: { path: m.graph.path, name: m.graph.name, sha256: m.graph.sha256 },
    startedAt: m.startedAt,
    finishedAt: m.finishedAt ?? null,
    heartbeatAt: m.heartbeatAt,
    durationMs: m.durationMs ?? Math.max(0, now - new Date(m.startedAt).getTime()),
    counts: m.counts,
    usage: { input: m.usage.input, output: m.usage.output, total: m.usage.total },
    integration: m.integration ?? null,
    tasks: m.tasks.map((t) => ({
      id: t.id,
      title: t.title,
      role: t.role,
      status: t.status,
      reason: t.reason ?? null,
      message: t.message ?? null,
      attempts: t.attempts.length,
      durationMs: taskDuration(t, now),
      threadId: t.threadId ?? null,
      diff: t.diffStat ?? null,
      checks: t.checks ? checkCounts(t.checks) : null,
      usage: t.usage ? { input: t.usage.input, output: t.usage.output, total: t.usage.total } : null,
      artifacts: {
        events: artifact(t.artifacts.events?.path),
        log: artifact(t.artifacts.log?.path),
        diff: artifact(t.artifacts.diff?.path),
        checks: artifact(t.artifacts.checks?.path),
      },
    })),
  };
}

function taskDuration(t: TaskRecord, now: number): number | null {
  if (t.durationMs !== undefined && t.status !== 'running') return t.durationMs;
  if (t.startedAt) return Math.max(0, now - new Date(t.startedAt).getTime());
  return null;
}

/** The table for people. */
export function renderPollTable(doc: PollDocument, cwd = process.cwd()): string {
  const lines: string[] = [];
  const c = doc.counts;
  const done = (c['succeeded'] ?? 0) + (c['failed'] ?? 0) + (c['skipped'] ?? 0) + (c['cancelled'] ?? 0) + (c['approved'] ?? 0) + (c['rejected'] ?? 0);
  lines.push(`run ${doc.runId}  ${doc.status.toUpperCase()}  ${done}/${doc.tasks.length} tasks done  ${formatDuration(doc.durationMs)}`);
  lines.push(`graph ${displayPath(doc.graph.path, cwd)}  tokens ${doc.usage.total}`);
  if (doc.message) lines.push(doc.message);
  lines.push('');
  const header = ['TASK', 'ROLE', 'STATUS', 'ATTEMPTS', 'DURATION', 'DIFF', 'CHECKS'];
  const rows = doc.tasks.map((t) => [
    t.id,
    t.role,
    t.status,
    String(t.attempts),
    t.durationMs === null ? '-' : formatDuration(t.durationMs),
    t.diff ? `+${t.diff.insertions} -${t.diff.deletions} (${t.diff.files} file${t.diff.files === 1 ? '' : 's'})` : '-',
    t.checks ? `${t.checks.passed}/${t.checks.total}${t.checks.failed ? ' FAILED' : ' ok'}` : '-',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (r: string[]): string => r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  lines.push(fmt(header), ...rows.map(fmt));
  const notes = doc.tasks.filter((t) => t.message);
  if (notes.length > 0) {
    lines.push('');
    for (const t of notes) lines.push(`${t.id}: ${t.reason ? `${t.reason}: ` : ''}${t.message}`);
  }
  lines.push('');
  if (doc.integration) lines.push(`integration branch: ${doc.integration.branch} (${doc.integration.merged.length} task(s) merged)`);
  lines.push(`manifest: ${displayPath(doc.manifest, cwd)}`);
  if (doc.status === 'died') {
    lines.push(`the orchestrator of this run is gone: its heartbeat is stale and its process has ended; continue it with: codex-orchestrator resume ${doc.runId}`);
  }
  return lines.join('\n');
}
