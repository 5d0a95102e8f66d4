import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { ok, err, type Result } from '../core/result.js';
import type { RunId, TaskId } from '../core/ids.js';
import { processesWorkingIn, terminate } from '../core/process-tree.js';
import { analyzeGraphSource } from '../graph/load.js';
import { renderGraphLoadFailure } from '../graph/render.js';
import type { ScheduleState } from '../scheduler/scheduler.js';
import { RunLayout } from '../store/layout.js';
import { effectiveStatus } from '../store/liveness.js';
import type { Manifest, RunStatus, TaskRecord } from '../store/manifest.js';
import { readManifest, renderReadFailure, type ReadFailure } from '../store/read.js';
import { acquireRunLock, renderLockFailure, type LockFailure } from '../store/run-lock.js';
import { RunWriter } from '../store/run-writer.js';
import { git, runGit } from '../workspace/git.js';
import { Worktrees } from '../workspace/worktrees.js';
import { driveRun } from './drive.js';
import type { EngineObserver } from './events.js';
import { openModelSession } from './model-access.js';

/**
 * `resume`: continues a run whose process ended (died, killed, stopped, or ended at a gate).
 * Finished tasks are never run again and their artifacts stay as they are. A task that was
 * running when the process ended keeps that attempt's artifacts (moved to `attempt-<n>/` when the
 * next attempt starts), its worktree's uncommitted work is kept on a ref, and it starts again in a
 * fresh worktree. Gates keep their state. What a resumed task loses: the Codex thread of the
 * interrupted attempt lived in the old process's `codex mcp-server`, so the new attempt starts a
 * new thread from the task's prompt.
 */

export interface ResumeOptions {
  readonly runsDir: string;
  readonly runId: RunId;
  readonly env?: NodeJS.ProcessEnv;
  readonly signal: AbortSignal;
  readonly observer?: EngineObserver;
  readonly keepWorktrees?: boolean;
  readonly offlineLatencyMs?: number;
  readonly heartbeatMs?: number;
  /** Wait for reviewers at gates (default) or end the session `awaiting-approval`. */
  readonly waitAtGates?: boolean;
}

export type ResumeOutcome =
  /** The run was continued to its (new) end. */
  | { readonly kind: 'resumed'; readonly manifest: Manifest; readonly from: RunStatus }
  /** Nothing left to run: every task is finished, or waits for a reviewer. */
  | { readonly kind: 'nothing-to-do'; readonly manifest: Manifest; readonly awaiting: readonly string[] };

export type ResumeFailure =
  | { readonly reason: 'run-locked'; readonly lock: LockFailure }
  | { readonly reason: 'unreadable'; readonly failure: ReadFailure }
  | { readonly reason: 'graph-copy-invalid'; readonly message: string };

/** Task states a resumed session starts from; `pending` ones (and reopened ones) run. */
const CARRIED: Partial<Record<TaskRecord['status'], ScheduleState>> = {
  succeeded: 'succeeded',
  failed: 'failed',
  skipped: 'skipped',
  'awaiting-approval': 'awaiting-approval',
  approved: 'approved',
  rejected: 'rejected',
};

/** Task states a resumed session runs (again). */
const REOPENED: ReadonlySet<TaskRecord['status']> = new Set(['running', 'ready', 'cancelled', 'pending']);

/** Whether a task cannot start before a reviewer decides on a gate it (transitively) depends on. */
function heldByGate(m: Manifest, t: TaskRecord): boolean {
  return t.deps.some((id) => {
    const dep = m.tasks.find((x) => x.id === id);
    return dep !== undefined && (dep.status === 'awaiting-approval' || (REOPENED.has(dep.status) && heldByGate(m, dep)));
  });
}

export async function resumeRun(o: ResumeOptions): Promise<Result<ResumeOutcome, ResumeFailure>> {
  const runDir = RunLayout.runDir(o.runsDir, o.runId);
  const locked = await acquireRunLock(runDir, 'resume');
  if (!locked.ok) return err({ reason: 'run-locked', lock: locked.error });
  const lock = locked.value;
  let handedOver = false;
  try {
    const read = await readManifest(runDir);
    if (!read.ok) return err({ reason: 'unreadable', failure: read.error });
    const manifest = read.value;
    const source = await readFile(RunLayout.graphCopy(runDir), 'utf8');
    // The copy is analyzed under the original file's name, so positions and `settings.repo` read as before.
    const graph = analyzeGraphSource(manifest.graph.path, source);
    if (!graph.ok) return err({ reason: 'graph-copy-invalid', message: renderGraphLoadFailure(graph.error) });

    const from = effectiveStatus(manifest);
    // Tasks left unfinished, and finished ones with a follow-up waiting (rework, `send`).
    const reopen = manifest.tasks.filter((t) => REOPENED.has(t.status) || (t.followUp !== undefined && t.role !== 'gate'));
    if (reopen.every((t) => heldByGate(manifest, t))) {
      return ok({ kind: 'nothing-to-do', manifest, awaiting: manifest.tasks.filter((t) => t.status === 'awaiting-approval').map((t) => t.id) });
    }

    // Whatever the old process left running in the worktrees goes first.
    await terminate(processesWorkingIn(RunLayout.worktrees(runDir)), 300);
    const now = new Date().toISOString();
    const notes: string[] = [];
    for (const t of reopen) {
      if (t.status === 'running' || t.status === 'ready') {
        const last = t.attempts.at(-1);
        if (last && last.status === 'running') {
          last.status = 'interrupted';
          last.finishedAt = now;
          last.message = `the orchestrator (pid ${manifest.process.pid}) ended during this attempt`;
          const kept = await keepPartialWork(runDir, manifest, t, last.n);
          if (kept) notes.push(`task ${t.id}: attempt ${last.n} interrupted; its uncommitted work is kept on ${kept}`);
          else notes.push(`task ${t.id}: attempt ${last.n} interrupted`);
        }
      }
      // A finished task with a follow-up keeps its status until its attempt starts.
      if (REOPENED.has(t.status)) {
        t.status = 'pending';
        delete t.reason;
        delete t.message;
      }
    }
    await runGit(manifest.repo.root, ['worktree', 'prune']);

    manifest.status = 'running';
    delete manifest.message;
    delete manifest.finishedAt;
    delete manifest.durationMs;
    manifest.process = { pid: process.pid, hostname: hostname() };
    manifest.heartbeatAt = now;
    manifest.resumes = [...(manifest.resumes ?? []), { at: now, pid: process.pid, from }];

    const model = await openModelSession(o.env ?? process.env, o.offlineLatencyMs);
    const writer = await RunWriter.open(o.runsDir, runDir, manifest);
    writer.update(() => undefined);
    writer.log(`run ${o.runId} resumed by pid ${process.pid} (was ${from}): ${reopen.length} task(s) to run`);
    for (const note of notes) writer.log(note);
    const observer = o.observer ?? (() => undefined);
    observer({
      type: 'run-started',
      runId: o.runId,
      runDir,
      manifest: RunLayout.manifest(runDir),
      tasks: manifest.tasks.length,
      model: `${model.kind} (${model.name})`,
      backend: manifest.settings.backend,
    });
    for (const note of notes) observer({ type: 'notice', message: note });

    const initial = new Map<TaskId, ScheduleState>();
    for (const t of manifest.tasks) {
      const state = t.followUp ? undefined : CARRIED[t.status];
      if (state) initial.set(t.id as TaskId, state);
    }
    handedOver = true;
    const final = await driveRun({
      graph: graph.value,
      writer,
      lock,
      model,
      env: o.env ?? process.env,
      signal: o.signal,
      observer,
      keepWorktrees: o.keepWorktrees ?? false,
      heartbeatMs: o.heartbeatMs ?? 2000,
      waitAtGates: o.waitAtGates ?? true,
      initial,
    });
    return ok({ kind: 'resumed', manifest: final, from });
  } finally {
    if (!handedOver) await lock.release();
  }
}

/**
 * Commits what an interrupted attempt left in its worktree and keeps it on
 * `codex-orchestrator/interrupted/<run>/<task>/attempt-<n>`; removes the worktree. Returns the ref,
 * or undefined when there was no worktree.
 */
async function keepPartialWork(runDir: string, m: Manifest, t: TaskRecord, n: number): Promise<string | undefined> {
  const worktree = new Worktrees(m.repo.root, m.runId as RunId, m.repo.baseCommit, RunLayout.worktrees(runDir)).pathOf(t.id as TaskId, n);
  if (!existsSync(worktree)) return undefined;
  const ref = `codex-orchestrator/interrupted/${m.runId}/${t.id}/attempt-${n}`;
  try {
    await git(worktree, ['add', '--all']);
    await runGit(worktree, ['commit', '--quiet', '--no-verify', '-m', `codex-orchestrator: ${t.id} (attempt ${n}, interrupted)`]);
    await git(m.repo.root, ['branch', '--force', ref, await git(worktree, ['rev-parse', 'HEAD'])]);
  } finally {
    await runGit(m.repo.root, ['worktree', 'remove', '--force', worktree]);
  }
  return ref;
}

export function renderResumeFailure(f: ResumeFailure): string {
  switch (f.reason) {
    case 'run-locked':
      return renderLockFailure(f.lock);
    case 'unreadable':
      return renderReadFailure(f.failure);
    case 'graph-copy-invalid':
      return `error: the run's copy of its graph no longer validates, so it cannot be resumed:\n${f.message}`;
  }
}
