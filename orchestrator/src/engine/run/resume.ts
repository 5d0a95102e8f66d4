import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { hostname } from 'node:os';
import { ok, err, type Result } from '../../core/result.js';
import type { RunId, TaskId } from '../../core/ids.js';
import { processesWorkingIn, terminate } from '../../core/process-tree.js';
import { analyzeGraphSource } from '../../graph/load.js';
import { renderGraphLoadFailure } from '../../graph/render.js';
import { SEAL_FILE } from '../../review/run-files.js';
import { scheduleStateOf } from './schedule-state.js';
import { projectKeys, sealRun } from '../../review/seal.js';
import { RunLayout, worktreesOf } from '../../store/layout.js';
import { effectiveStatus } from '../../store/liveness.js';
import type { Manifest, RunStatus, TaskRecord } from '../../store/manifest.js';
import { loadRunState, renderReadFailure, type ReadFailure } from '../../store/read.js';
import type { RunEventInput } from '../../store/events/run-event.js';
import { acquireRunLock, renderLockFailure, type LockFailure } from '../../store/run-lock.js';
import { RunWriter } from '../../store/run-writer.js';
import { renderStoreFailure, type StoreFailure } from '../../store/store-failure.js';
import { git, gitCommonDir, GitError } from '../../workspace/git.js';
import { clearStaleGitLocks, renderHeldGitLock, type HeldGitLock } from '../../workspace/git-locks.js';
import { Worktrees } from '../../workspace/worktrees.js';
import { SETUP_CACHE } from '../../workspace/environment.js';
import { RESUME_FOLLOW_UP, threadOrigin } from '../attempt/task-runner.js';
import { driveRun, redactedObserver, sessionSettings, type SessionOptions } from './drive.js';
import { codexTurnsAtOnce, startCodex } from '../session/codex-session.js';
import { chooseModel, openModelSession } from '../session/model-access.js';
import { runRedactor } from './run-redactor.js';
import { firstWaveWorktrees } from './worktree-pool.js';
import { grownGraph } from './fan-out.js';

/**
 * `resume`: continues a run whose process ended (died, killed, stopped, or ended at a gate).
 * Finished tasks are never run again and their artifacts stay as they are. A task that was
 * running when the process ended keeps that attempt's artifacts (moved to `attempt-<n>/` when the
 * next attempt starts) and its worktree's uncommitted work is kept on a ref. The next attempt
 * continues that attempt's Codex thread from the kept work (a stopped one: from its commit); one
 * whose thread had not started, starts over from the task's prompt. Gates keep their state.
 */

export interface ResumeOptions extends SessionOptions {
  readonly runsDir: string;
  readonly runId: RunId;
}

export type ResumeOutcome =
  /** The run was continued to its (new) end. */
  | { readonly kind: 'resumed'; readonly manifest: Manifest; readonly from: RunStatus }
  /** Nothing left to run: every task is finished, or waits for a reviewer. */
  | { readonly kind: 'nothing-to-do'; readonly manifest: Manifest; readonly awaiting: readonly string[] };

export type ResumeFailure =
  | { readonly reason: 'run-locked'; readonly lock: LockFailure }
  | { readonly reason: 'unreadable'; readonly failure: ReadFailure }
  | { readonly reason: 'graph-copy-invalid'; readonly message: string }
  /** The graph held secrets, so the run's copy is redacted; the graph file it came from has changed since. */
  | { readonly reason: 'graph-changed'; readonly file: string }
  /** The run could not write its records (a full disk, a planted link); see StoreFailure. */
  | { readonly reason: 'store-failed'; readonly runId: RunId; readonly failure: StoreFailure }
  /** A git lock of the run's worktrees is held by a live process. */
  | HeldGitLock
  /** git failed while the run's worktrees were made ready (the repository is damaged, or its disk full). */
  | { readonly reason: 'git-failed'; readonly message: string }
  /** The model the run was started with cannot be used now (its key or sign-in is gone). */
  | { readonly reason: 'model-unavailable'; readonly message: string };

/** Task states a resumed session runs (again). */
const REOPENED: ReadonlySet<TaskRecord['status']> = new Set(['running', 'ready', 'cancelled', 'pending']);

/** Skipped tasks none of whose dependencies stays failed, given the tasks that run again. */
function releasable(m: Manifest, reopened: readonly TaskRecord[]): TaskRecord[] {
  const runs = new Set(reopened.map((t) => t.id));
  const fine = (id: string): boolean => {
    const dep = m.tasks.find((x) => x.id === id);
    return dep !== undefined && (runs.has(id) || dep.status === 'succeeded' || dep.status === 'approved' || dep.status === 'awaiting-approval');
  };
  const out: TaskRecord[] = [];
  for (let changed = true; changed; ) {
    changed = false;
    for (const t of m.tasks) {
      if (t.status !== 'skipped' || runs.has(t.id)) continue;
      // A rollback not needed is needed once something it watches did not succeed (a gate rejected since).
      const again = t.reason === 'not-needed' ? t.deps.some((id) => ['failed', 'rejected'].includes(m.tasks.find((x) => x.id === id)?.status ?? '')) : t.deps.every(fine);
      if (!again) continue;
      runs.add(t.id);
      out.push(t);
      changed = true;
    }
  }
  return out;
}

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
    // The run's state is its log folded (a run from before the log: its manifest).
    const read = await loadRunState(runDir);
    if (!read.ok) return err({ reason: 'unreadable', failure: read.error });
    const manifest = read.value.manifest;
    const source = await readFile(RunLayout.graphCopy(runDir), 'utf8');
    // The copy is analyzed under the original file's name, so positions and `settings.repo` read as before.
    let graph = analyzeGraphSource(manifest.graph.path, source);
    if (!graph.ok || graph.value.sha256 !== manifest.graph.sha256) {
      // A graph holding secrets is copied redacted (which can even break its syntax): the tasks'
      // prompts come from the graph file itself, if it is still the one the run started from.
      const original = await readFile(manifest.graph.path, 'utf8').catch(() => undefined);
      const analyzed = original === undefined ? undefined : analyzeGraphSource(manifest.graph.path, original);
      if (analyzed?.ok && analyzed.value.sha256 === manifest.graph.sha256) graph = analyzed;
      else if (!graph.ok) return err({ reason: 'graph-copy-invalid', message: renderGraphLoadFailure(graph.error) });
      else return err({ reason: 'graph-changed', file: manifest.graph.path });
    }
    // The graph as it ran: the copy grown by the run's fan-outs (its `graph-expanded` events, kept in the state).
    const grown = grownGraph(graph.value, manifest);
    if (!grown.ok) return err({ reason: 'graph-copy-invalid', message: grown.error.map((d) => `  ${d.message}`).join('\n') });
    graph = grown;
    const env = o.env ?? process.env;
    const redactor = runRedactor(env, graph.value);
    // A run keeps its model: a resume never moves it from the stand-in to a real one, or back.
    const choice = chooseModel(env, { kind: manifest.model.kind, by: "the run's model is" });
    if (!choice.ok) return err({ reason: 'model-unavailable', message: choice.error });

    // Held under its lock, a run its state says is running has lost its process: it died.
    const from = manifest.status === 'running' ? 'died' : effectiveStatus(manifest);
    // Tasks left unfinished, and finished ones with a follow-up waiting (rework, `send`).
    const reopen = manifest.tasks.filter((t) => REOPENED.has(t.status) || scheduleStateOf(t) === 'pending');
    // Skipped tasks whose failed dependency has come to succeed or runs again (send, retry): the
    // scheduler releases them; they are work for this session too.
    reopen.push(...releasable(manifest, reopen));
    // The last session ended before it recorded the run's end (killed after its last task, during
    // integration or the final write): this session does what it left undone, with nothing to run.
    // A run that ended at gates whose last gate a reviewer has decided on since (rejected, and with
    // no dependents to run): this session records how the run ended.
    const decided = manifest.status === 'awaiting-approval' && !manifest.tasks.some((t) => t.status === 'awaiting-approval');
    const unfinished = manifest.status === 'running' || decided;
    if (!unfinished && reopen.every((t) => heldByGate(manifest, t))) {
      // Killed after the final manifest but before the seal: seal it now.
      if (manifest.status !== 'awaiting-approval' && !existsSync(path.join(runDir, SEAL_FILE))) await sealRun(runDir, projectKeys(o.runsDir, env));
      return ok({ kind: 'nothing-to-do', manifest, awaiting: manifest.tasks.filter((t) => t.status === 'awaiting-approval').map((t) => t.id) });
    }
    const runnable = reopen.filter((t) => !heldByGate(manifest, t));

    // Whatever the old process left running in the worktrees goes first, then the git locks it
    // left (a git command killed mid-way leaves its lock, and every later one would fail).
    const worktreesDir = worktreesOf(manifest, runDir);
    await terminate(processesWorkingIn(worktreesDir), 300);
    const notes: string[] = [];
    const cleared = await clearRunGitLocks(manifest.repo.root, o.runId, worktreesDir);
    if (!cleared.ok) return err(cleared.error);
    for (const file of cleared.value) notes.push(`removed git's lock ${file}, left by the session that ended`);
    const worktrees = new Worktrees(
      manifest.repo.root,
      manifest.runId as RunId,
      manifest.repo.baseCommit,
      worktreesDir,
      manifest.repo.worktrees === undefined ? undefined : graph.value.settings.keptWorktrees,
    );
    const now = new Date().toISOString();
    const events: RunEventInput[] = [];
    const kept = await settleGit(() => reopenTasks(worktrees, manifest, reopen, now, notes, events));
    if (!kept.ok) return err(kept.error);
    events.push({ kind: 'run-resumed', at: now, from, pid: process.pid, hostname: hostname() });
    if (read.value.torn)
      notes.push(
        `the run's log (events.ndjson) ended in a line cut off by the crash (line ${read.value.torn.line}, ${read.value.torn.bytes} bytes): dropped; the run continues from the event before it`,
      );

    const succeeded = new Set(manifest.tasks.filter((t) => t.status === 'succeeded').map((t) => t.id));
    // The first attempts' worktrees are checked out while Codex starts.
    if (runnable.length > 0) worktrees.warm(firstWaveWorktrees(graph.value.tasks, manifest.settings.concurrency, succeeded));
    const model = await openModelSession(env, o.offlineLatencyMs, { ...choice.value, why: manifest.model.why ?? choice.value.why }).catch(async (e: unknown) => {
      await worktrees.removeAll();
      throw e;
    });
    const codex = await startCodex({
      runsDir: o.runsDir,
      runId: o.runId,
      model,
      env,
      repoRoot: manifest.repo.root,
      backend: manifest.settings.backend,
      turnsAtOnce: runnable.length === 0 ? 0 : codexTurnsAtOnce(graph.value.tasks, manifest.settings.concurrency, succeeded),
      mcpServers: graph.value.settings.mcpServers,
    }).catch(async (e: unknown) => {
      await model.close();
      await worktrees.removeAll();
      throw e;
    });
    const opened = await RunWriter.open(o.runsDir, runDir, manifest, { redactor, lock });
    if (!opened.ok) {
      await codex.close();
      await model.close();
      await worktrees.removeAll();
      return err({ reason: 'store-failed', runId: o.runId, failure: opened.error });
    }
    const writer = opened.value;
    for (const e of events) writer.apply(e);
    writer.log(
      runnable.length === 0
        ? `run ${o.runId} resumed by pid ${process.pid} (was ${from}): no task to run; finishing what the last session left undone (integration, final status, seal)`
        : `run ${o.runId} resumed by pid ${process.pid} (was ${from}): ${reopen.length} task(s) to run`,
    );
    for (const note of notes) writer.log(note);
    const observer = redactedObserver(redactor, o.observer);
    observer({
      type: 'run-started',
      runId: o.runId,
      runDir,
      manifest: RunLayout.manifest(runDir),
      tasks: manifest.tasks.length,
      model: `${model.kind} (${model.name}; ${model.why})`,
      backend: manifest.settings.backend,
      agents: manifest.settings.agents === true,
      maxTokens: manifest.budget?.maxTokens,
    });
    for (const note of notes) observer({ type: 'notice', message: note });

    handedOver = true;
    const final = await driveRun({
      graph: graph.value,
      writer,
      lock,
      model,
      codex,
      worktrees,
      env,
      observer,
      ...sessionSettings(o),
      // Only gates left: the run ends awaiting approval, as its last session would have.
      ...(runnable.length === 0 ? { waitAtGates: false } : {}),
    });
    if (!final.ok) return err({ reason: 'store-failed', runId: o.runId, failure: final.error });
    return ok({ kind: 'resumed', manifest: final.value, from });
  } finally {
    if (!handedOver) await lock.release();
  }
}

/**
 * Turns the tasks to run again back to `pending`: an attempt the last session left running is
 * marked interrupted and its uncommitted work kept on a ref; then the leftover worktrees go.
 */
async function reopenTasks(worktrees: Worktrees, manifest: Manifest, reopen: readonly TaskRecord[], now: string, notes: string[], events: RunEventInput[]): Promise<void> {
  for (const t of reopen) {
    if (t.status === 'running' || t.status === 'ready') {
      const last = t.attempts.at(-1);
      if (last && last.status === 'running') {
        events.push({ kind: 'attempt-interrupted', at: now, task: t.id, n: last.n, message: `the orchestrator (pid ${manifest.process.pid}) ended during this attempt` });
        // A follow-up (fix, rework, `send`) on a thread works in the folder of the attempt that started it.
        const folders = last.followUp && t.threadId ? [threadOrigin(t, t.threadId), last.n] : [last.n];
        const kept = await keepPartialWork(worktrees, t, last.n, folders);
        const keptOn = kept ? `; its uncommitted work is kept on ${kept.ref}` : '';
        if (last.followUp) {
          // The interrupted follow-up is sent again on its thread, as a retry would.
          events.push({ kind: 'follow-up-requested', at: now, task: t.id, followUp: last.followUp });
          notes.push(`task ${t.id}: attempt ${last.n} interrupted${keptOn}; the next attempt sends its follow-up again on Codex thread ${t.threadId ?? '(none)'}`);
        } else if (last.threadId && kept && t.baseCommit) {
          events.push(...continueThread(t, last.threadId, kept.commit, now));
          notes.push(`task ${t.id}: attempt ${last.n} interrupted${keptOn}; the next attempt continues Codex thread ${last.threadId} from it`);
        } else {
          notes.push(
            `task ${t.id}: attempt ${last.n} interrupted${keptOn}; the next attempt starts over from the task's prompt (${last.threadId ? 'its worktree was gone' : 'no Codex thread had started'})`,
          );
        }
      }
    }
    if (t.status === 'cancelled' && !t.followUp) {
      // Stopped during a turn: that attempt committed its work; the next one continues its thread from it.
      const last = t.attempts.at(-1);
      if (last?.status === 'cancelled' && !last.followUp && last.threadId && t.resultCommit && t.baseCommit) {
        events.push(...continueThread(t, last.threadId, t.resultCommit, now));
        notes.push(`task ${t.id}: attempt ${last.n} was stopped; the next attempt continues Codex thread ${last.threadId} from its work`);
      }
    }
    // A finished task with a follow-up keeps its status until its attempt starts.
    if (REOPENED.has(t.status)) events.push({ kind: 'task-reopened', at: now, task: t.id, why: 'resume' });
  }
  await poolLeftoverWorktrees(worktrees);
}

/**
 * The next attempt continues `threadId` (Codex keeps the cut-off turn's conversation), in a
 * worktree made from `commit` (what the turn had done), instead of starting over from the prompt.
 */
function continueThread(t: TaskRecord, threadId: string, commit: string, now: string): RunEventInput[] {
  return [
    ...(t.threadId === threadId ? [] : [{ kind: 'task-data' as const, at: now, task: t.id, data: { threadId } }]),
    { kind: 'follow-up-requested', at: now, task: t.id, followUp: { from: 'resume', prompt: RESUME_FOLLOW_UP, commit, requestedAt: now } },
  ];
}

/**
 * Commits what an interrupted attempt left in its worktree and keeps it on
 * `codex-orchestrator/interrupted/<run>/<task>/attempt-<n>` (the worktree itself goes with the
 * other leftovers). `folders`: the attempts whose folder may hold the worktree, most likely first
 * (for a follow-up, the attempt that started its thread). Returns the ref and its commit, or
 * undefined when there was no worktree.
 */
async function keepPartialWork(worktrees: Worktrees, t: TaskRecord, n: number, folders: readonly number[]): Promise<{ ref: string; commit: string } | undefined> {
  const worktree = folders.map((a) => worktrees.pathOf(t.id as TaskId, a)).find((p) => existsSync(p));
  if (!worktree) return undefined;
  const ref = `codex-orchestrator/interrupted/${worktrees.runId}/${t.id}/attempt-${n}`;
  const commit = await worktrees.commitResult(worktree, `codex-orchestrator: ${t.id} (attempt ${n}, interrupted)`, t.setup?.outputs ?? []);
  await git(worktrees.repoRoot, ['branch', '--force', ref, commit]);
  return { ref, commit };
}

/** The run's git locks left by a session that ended, cleared (see `workspace/git-locks.ts`). */
async function clearRunGitLocks(repoRoot: string, runId: RunId, worktreesDir: string): Promise<Result<string[], ResumeFailure>> {
  const common = await gitCommonDir(repoRoot);
  if (!common.ok) return err({ reason: 'git-failed', message: common.message });
  return clearStaleGitLocks(common.dir, runId, worktreesDir);
}

/** Runs git work whose failure is an environment problem to report, never an internal error. */
async function settleGit(work: () => Promise<void>): Promise<Result<void, ResumeFailure>> {
  try {
    await work();
    return ok(undefined);
  } catch (e) {
    if (e instanceof GitError) return err({ reason: 'git-failed', message: e.message });
    throw e;
  }
}

/**
 * Takes every worktree an earlier session left into this session's pool (`Worktrees.adopt`:
 * reset and cleaned, or removed when it is not whole), so the tasks to run do not check the
 * repository out again. An interrupted attempt's work was kept on its ref before.
 */
async function poolLeftoverWorktrees(worktrees: Worktrees): Promise<void> {
  // The setup cache stays: its entries are whole (each renamed into place) and keyed by content.
  for (const name of existsSync(worktrees.dir) ? await readdir(worktrees.dir) : []) {
    if (name !== SETUP_CACHE) await worktrees.adopt(path.join(worktrees.dir, name));
  }
  await worktrees.prune();
}

export function renderResumeFailure(f: ResumeFailure, show: (file: string) => string = (p) => p): string {
  switch (f.reason) {
    case 'run-locked':
      return renderLockFailure(f.lock);
    case 'unreadable':
      return renderReadFailure(f.failure);
    case 'graph-copy-invalid':
      return `error: the run's copy of its graph no longer validates, so it cannot be resumed:\n${f.message}`;
    case 'graph-changed':
      return `error: the graph holds secrets, so the run keeps a redacted copy and resume reads ${show(f.file)}, which has changed (or gone) since the run started\n  hint: restore that file as it was when the run started, then resume again`;
    case 'store-failed':
      return renderStoreFailure(f.failure, f.runId, true, show);
    case 'git-lock-held':
      return renderHeldGitLock(f);
    case 'git-failed':
      return `error: git failed while the run's worktrees were made ready to resume: ${f.message}\n  hint: check the repository (git status, git worktree list) and its disk, then resume again; nothing of the run was changed`;
    case 'model-unavailable':
      return `error: cannot resume: ${f.message}`;
  }
}
