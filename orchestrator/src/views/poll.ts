import path from 'node:path';
import { RunLayout } from '../store/layout.js';
import { effectiveStatus } from '../store/liveness.js';
import { runWaitMs, taskTimes } from '../store/timings.js';
import type { DiffStat, SandboxDenial, Usage } from '../store/manifest.js';
import { checkCounts, TASK_STATUSES } from '../store/manifest-summary.js';
import type { ManifestView, TaskView } from '../store/manifest-view.js';

/**
 * `poll`'s JSON document of a manifest, for scripts (the table for people is `poll-table.ts`,
 * made from this document). The shape is documented in the README; change it only additively.
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
  /** From the first attempt's start to the latest one's end (or now): working and waiting together. */
  durationMs: number | null;
  threadId: string | null;
  diff: DiffStat | null;
  checks: { passed: number; failed: number; total: number } | null;
  /** Codex's and the role agents' tokens together, every attempt. */
  usage: TokenCount | null;
  artifacts: { events: string | null; log: string | null; diff: string | null; checks: string | null; verdict: string | null };
  codexUsage: TokenCount | null;
  agentUsage: TokenCount | null;
  /** Attempts that were fixes (follow-ups after failed verification). */
  fixAttempts: number;
  /** The tester agent's verdict on the latest attempt, when the task is judged. */
  verdict: { verdict: 'pass' | 'fail'; summary: string; findings: number; overridden: boolean; attempt: number; file: string } | null;
  /** Why it failed and what to do next, when it failed during a run. */
  triage: { probableCause: string; nextStep: string; by: 'manager' | 'rules' } | null;
  /** Writes Codex's sandbox denied during the latest attempt (empty when none). */
  sandboxDenials: SandboxDenial[];
  /** Working time: the attempts' durations added up (a running one up to now); null when it never worked. */
  workMs: number | null;
  /** Time between attempts (a rework, a retry), or a gate's wait for its decision; null when it never waited. */
  waitMs: number | null;
}

export interface TokenCount {
  input: number;
  output: number;
  total: number;
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
  usage: TokenCount;
  integration: { branch: string; commit: string; merged: string[]; skipped: { taskId: string; reason: string }[] } | null;
  tasks: PollTask[];
  /** Why a failed run failed (`tasks-failed`, `budget-exceeded`, `run-timeout`, `internal-error`); null otherwise. */
  reason: string | null;
  codexUsage: TokenCount;
  agentUsage: TokenCount;
  /** Whether builders and testers worked through their role agents. */
  agents: boolean;
  /** The run's token budget, when it has one. */
  budget: { maxTokens: number; used: number; remaining: number; reached: boolean; reachedAt: string | null } | null;
  /** How long the run waited for reviewers at gates (a wait still going on included). */
  waitMs: number;
  /** While the run waits at gates: which, and whether its orchestrator is alive to continue by itself (else `resume` continues it). */
  waiting: { gates: string[]; live: boolean; pid: number | null } | null;
}

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
    counts: Object.fromEntries(TASK_STATUSES.map((s) => [s, m.counts[s]])),
    usage: tokens(m.usage),
    integration: m.integration
      ? {
          branch: m.integration.branch,
          commit: m.integration.commit,
          merged: [...m.integration.merged],
          skipped: m.integration.skipped.map((s) => ({ taskId: s.taskId, reason: s.reason })),
        }
      : null,
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
    waiting: m.status === 'awaiting-approval' && awaiting.length > 0 ? { gates: awaiting, live: orchestratorPid !== undefined, pid: orchestratorPid ?? null } : null,
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
