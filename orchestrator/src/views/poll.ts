import path from 'node:path';
import { RunLayout } from '../store/layout.js';
import { effectiveStatus } from '../store/liveness.js';
import { runWaitMs, taskTimes } from '../store/timings.js';
import type { Usage } from '../store/manifest.js';
import { checkCounts, TASK_STATUSES } from '../store/manifest-summary.js';
import type { ManifestView, TaskView } from '../store/manifest-view.js';
// Types only: the schema module loads zod, which poll's path never does.
import type { PollDocument, PollTask, TokenCount } from './poll-schema.js';
import { POLL_SCHEMA } from './schema-ids.js';
import { approvalView } from './approval.js';
import { waitingReasons } from './waiting.js';

/**
 * `poll`'s JSON document of a manifest, for scripts (the table for people is `poll-table.ts`,
 * made from this document). The shape is documented in the README; change it only additively.
 */

export { POLL_SCHEMA };
export type { PollDocument, PollTask, TokenCount };

const tokens = (u: Usage): TokenCount => ({ input: u.input, output: u.output, total: u.total });
const maybeTokens = (u: Usage | undefined): TokenCount | null => (u ? tokens(u) : null);

/**
 * `orchestratorPid`: the live orchestrator holding the run (`liveOrchestratorPid`), if any. Every
 * object is built field by field, in the schema's order: the view (`store/manifest-view.ts`) is
 * the manifest as written, not as the schema would have parsed it.
 */
export function pollDocument(m: ManifestView, runDir: string, now = Date.now(), orchestratorPid?: number): PollDocument {
  const inRun = joinerUnder(runDir);
  const artifact = (p: string | undefined): string | null => (p ? inRun(p) : null);
  // Runs from before the split counted only Codex's tokens.
  const codexUsage = m.codexUsage ?? m.usage;
  const awaiting = m.tasks.filter((t) => t.status === 'awaiting-approval').map((t) => t.id);
  const manual = m.tasks.filter((t) => t.status === 'awaiting-approval' && t.role === 'manual').map((t) => t.id);
  const status = effectiveStatus(m, now);
  const waits = waitingReasons(m, status);
  // Made only when a gate has an approval to show.
  let byId: Map<string, TaskView> | undefined;
  const taskOf = (id: string): TaskView | undefined => (byId ??= new Map(m.tasks.map((t) => [t.id, t]))).get(id);
  return {
    schema: POLL_SCHEMA,
    runId: m.runId,
    status,
    message: m.message ?? null,
    runDir,
    manifest: RunLayout.manifest(runDir),
    graph: { path: m.graph.path, name: m.graph.name, sha256: m.graph.sha256 },
    startedAt: m.startedAt,
    finishedAt: m.finishedAt ?? null,
    heartbeatAt: m.heartbeatAt,
    durationMs: m.durationMs ?? Math.max(0, now - new Date(m.startedAt).getTime()),
    counts: Object.fromEntries(TASK_STATUSES.map((s) => [s, m.counts[s]])) as PollDocument['counts'],
    usage: tokens(m.usage),
    integration: m.integration
      ? {
          branch: m.integration.branch,
          commit: m.integration.commit,
          merged: [...m.integration.merged],
          skipped: m.integration.skipped.map((s) => ({ taskId: s.taskId, reason: s.reason })),
        }
      : null,
    tasks: m.tasks.map((t, i) => ({
      id: t.id,
      title: t.title,
      role: t.role,
      status: t.status,
      reason: t.reason ?? null,
      message: t.message ?? null,
      attempts: t.attempts.length,
      durationMs: taskDuration(t, now),
      threadId: t.threadId ?? null,
      diff: t.diffStat ? { files: t.diffStat.files, insertions: t.diffStat.insertions, deletions: t.diffStat.deletions } : null,
      checks: t.checks ? checkCounts(t.checks) : null,
      usage: maybeTokens(t.usage),
      artifacts: {
        events: artifact(t.artifacts.events?.path),
        log: artifact(t.artifacts.log?.path),
        diff: artifact(t.artifacts.diff?.path),
        checks: artifact(t.artifacts.checks?.path),
        verdict: artifact(t.artifacts.verdict?.path),
      },
      codexUsage: maybeTokens(t.codexUsage ?? (t.agentUsage ? undefined : t.usage)),
      agentUsage: maybeTokens(t.agentUsage),
      fixAttempts: t.attempts.filter((a) => a.followUp?.from === 'fix').length,
      verdict: t.verdict
        ? { verdict: t.verdict.verdict, summary: t.verdict.summary, findings: t.verdict.findings, overridden: t.verdict.overridden, attempt: t.verdict.attempt, file: inRun(t.verdict.path) }
        : null,
      triage: t.triage ? { probableCause: t.triage.probableCause, nextStep: t.triage.nextStep, by: t.triage.by } : null,
      sandboxDenials: (t.sandboxDenials ?? []).map((d) => ({ command: d.command, ...(d.path === undefined ? {} : { path: d.path }), message: d.message })),
      ...taskTimes(t, now),
      waiting: waits[i] ?? null,
      approval: approvalView(t, taskOf),
      expansion: t.expansion ? { at: t.expansion.at, steps: [...t.expansion.steps], tasks: [...t.expansion.tasks] } : null,
      when: t.when ?? null,
    })),
    reason: m.reason ?? null,
    codexUsage: tokens(codexUsage),
    agentUsage: tokens(m.agentUsage ?? { input: 0, cachedInput: 0, output: 0, reasoning: 0, total: 0 }),
    agents: m.settings.agents ?? false,
    budget: m.budget
      ? {
          maxTokens: m.budget.maxTokens,
          used: m.usage.total,
          remaining: Math.max(0, m.budget.maxTokens - m.usage.total),
          reached: m.budget.reachedAt !== undefined || m.usage.total >= m.budget.maxTokens,
          reachedAt: m.budget.reachedAt ?? null,
        }
      : null,
    waitMs: runWaitMs(m, now),
    waiting:
      m.status === 'awaiting-approval' && awaiting.length > 0
        ? { gates: awaiting.filter((id) => !manual.includes(id)), ...(manual.length > 0 ? { manual } : {}), live: orchestratorPid !== undefined, pid: orchestratorPid ?? null }
        : null,
  };
}

/** A relative path with nothing to normalise: no segment is `.`, `..` or empty. */
const CLEAN_RELATIVE = /^(?:(?!\.\.?\/)[^/]+\/)*(?!\.\.?$)[^/]+$/;

/**
 * `path.join(dir, p)` for the run's files. The manifest's paths are relative with `/` separators,
 * so there is mostly nothing to normalise, and `path.join` for every artifact of 1,000 tasks cost
 * `poll` 10–20 ms; a path that needs it still goes through `path.join`.
 */
function joinerUnder(dir: string): (p: string) => string {
  const clean = path.sep === '/' && dir.length > 1 && path.normalize(dir) === dir && !dir.endsWith('/');
  return (p) => (clean && CLEAN_RELATIVE.test(p) ? `${dir}/${p}` : path.join(dir, p));
}

function taskDuration(t: TaskView, now: number): number | null {
  if (t.durationMs !== undefined && t.status !== 'running') return t.durationMs;
  if (t.startedAt) return Math.max(0, now - new Date(t.startedAt).getTime());
  return null;
}
