import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { settle, unsettle, type Result, type Settled } from '../../core/result.js';
import type { AnalyzedTask } from '../../graph/analyzed.js';
import type { AttemptClock } from '../../scheduler/scheduler.js';
import type { RunWriter } from '../../store/run-writer.js';
import type { DepResult, MergeConflict, PreparedWorktree, Worktrees } from '../../workspace/worktrees.js';
import { recordSetup, recordWorktree } from './record.js';
import type { Failure } from './task-failure.js';
import type { TaskLog } from './task-log.js';
import { setUpWorktree, type WorktreeSetup } from './task-setup.js';
import type { TurnPlan } from './task-work.js';

/**
 * The attempt's first stage: its worktree (from its base and dependencies' results, or, for a
 * follow-up, the folder and result its thread left), then the worktree's setup. Started before
 * the task's log opens (`startPreparing`), finished once it is (`prepare`).
 */

/** What preparing needs: the run's worktrees and their setup, and the task's record. */
export interface PreparePort {
  readonly worktrees: Pick<Worktrees, 'prepare' | 'prepareFrom' | 'pathOf'>;
  readonly setup: WorktreeSetup;
  readonly writer: Pick<RunWriter, 'apply' | 'updateTask' | 'update' | 'task'>;
}

/** The worktree of a prepared attempt: where the agent works (`cwd`, the task's `cwd` in it). */
export interface Workspace {
  readonly worktree: string;
  readonly cwd: string;
  readonly baseCommit: string;
}

export type Prepared = { readonly ok: true; readonly workspace: Workspace } | { readonly ok: false; readonly failure: Failure };

/** A follow-up continues its thread where it left off: in the same folder, from the task's last result. */
export function startPreparing(p: PreparePort, task: AnalyzedTask, attempt: number, plan: TurnPlan): Promise<Settled<Result<PreparedWorktree, MergeConflict>>> {
  const from = plan.continueFrom;
  if (from) {
    const outputs = p.setup.environments.outputsOf(p.worktrees.pathOf(task.id, from.worktreeAttempt));
    return settle(p.worktrees.prepareFrom(task.id, from.worktreeAttempt, from.commit, from.base, outputs));
  }
  return settle(p.worktrees.prepare(task.id, attempt, dependencyResults(p.writer, task.deps)));
}

/** `clock`: the attempt's timeout, stopped while the worktree is set up (setup has a timeout of its own). */
export async function prepare(
  p: PreparePort,
  task: AnalyzedTask,
  preparing: Promise<Settled<Result<PreparedWorktree, MergeConflict>>>,
  at: {
    readonly taskDir: string;
    readonly log: TaskLog;
    readonly signal: AbortSignal;
    readonly clock: AttemptClock | undefined;
    /** Told the worktree's folder as soon as it exists (it is parked at the end whatever happens after). */
    readonly onWorktree: (worktree: string) => void;
  },
): Promise<Prepared> {
  const { log } = at;
  const prepared = unsettle(await preparing);
  if (!prepared.ok) {
    log.line(`# could not prepare the worktree: ${prepared.error.message}`);
    return { ok: false, failure: { reason: 'merge-conflict', message: prepared.error.message, retryable: false } };
  }
  const { path: worktree, baseCommit, branch } = prepared.value;
  at.onWorktree(worktree);
  recordWorktree(p.writer, task.id, { branch, baseCommit });
  const cwd = task.cwd ? path.join(worktree, task.cwd) : worktree;
  const environments = p.setup.environments;
  if (!prepared.value.reused) {
    // A parked worktree brings what its setup made: the setup reuses it when its key is the same.
    environments.forget(worktree);
    if (prepared.value.reusedFrom) environments.moved(prepared.value.reusedFrom, worktree);
  }
  const workspace: Workspace = { worktree, cwd, baseCommit };
  await mkdir(cwd, { recursive: true });
  log.root = worktree;
  log.line(`# worktree ${worktree} (branch ${branch}, base ${baseCommit.slice(0, 12)})`);
  const settingUp = (): ReturnType<typeof setUpWorktree> => setUpWorktree(p.setup, task, { worktree, cwd, taskDir: at.taskDir }, log, at.signal);
  const setupDone = await (at.clock ? at.clock.outside(settingUp) : settingUp());
  recordSetup(p.writer, task.id, setupDone.record);
  if (setupDone.failure) return { ok: false, failure: setupDone.failure };
  return { ok: true, workspace };
}

/**
 * The commits a task starts from: each dependency's result. A gate has no result of its own, so
 * it stands for its own dependencies' results.
 */
function dependencyResults(writer: Pick<RunWriter, 'task'>, deps: readonly string[]): DepResult[] {
  const out: DepResult[] = [];
  const seen = new Set<string>();
  const visit = (id: string): void => {
    const t = writer.task(id);
    if (t.resultCommit) {
      if (!seen.has(t.resultCommit)) out.push({ taskId: t.id as DepResult['taskId'], commit: t.resultCommit });
      seen.add(t.resultCommit);
    } else {
      t.deps.forEach(visit);
    }
  };
  deps.forEach(visit);
  return out;
}
