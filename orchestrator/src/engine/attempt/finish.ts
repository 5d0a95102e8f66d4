import { processesWorkingIn, terminate } from '../../core/process-tree.js';
import type { AnalyzedTask } from '../../graph/analyzed.js';
import type { CheckEvidence } from '../../roles/verdict.js';
import type { TriageRecord } from '../../store/manifest.js';
import type { RunWriter } from '../../store/run-writer.js';
import type { StoreFailure } from '../../store/store-failure.js';
import { StoreError } from '../../store/store-failure.js';
import type { TaskEnvironments } from '../../workspace/environment.js';
import type { Worktrees } from '../../workspace/worktrees.js';
import type { RoleAgents } from '../session/role-agents.js';
import { digestArtifacts, type Artifacts } from './artifacts.js';
import type { NextStep } from './next-step.js';
import type { TaskLog } from './task-log.js';
import { triageFailure } from './task-triage.js';
import type { AttemptUsage } from './task-usage.js';

/**
 * The attempt's last stage, once its next step is decided: the result in the task's log, a triage
 * when the task ends failed, the log closed and every artifact digested (`closeAttempt`); after the
 * attempt is recorded, its worktree parked for the next attempt of the run (`parkWorktree`).
 */

/** What closing needs: the manager agent (or the rules) for triage, the run's files and its signal. */
export interface FinishPort {
  readonly agents: RoleAgents | undefined;
  readonly writer: Pick<RunWriter, 'manifest' | 'runDir' | 'producedSize' | 'noteWriteError'>;
  readonly runSignal: AbortSignal;
}

export interface Closed {
  readonly triage: TriageRecord | undefined;
  readonly artifacts: Artifacts;
  /** A file cut short: never recorded as the task's result (the run stops, nothing is sealed). */
  readonly short: StoreFailure | undefined;
}

export async function closeAttempt(
  p: FinishPort,
  task: AnalyzedTask,
  attempt: number,
  next: NextStep,
  at: { readonly taskDir: string; readonly log: TaskLog; readonly usage: AttemptUsage; readonly evidence: readonly CheckEvidence[] },
): Promise<Closed> {
  const { log, usage } = at;
  const { writer } = p;
  log.section('result');
  log.line(resultLine(next, task));
  let triage: TriageRecord | undefined;
  if (next.kind === 'end' && next.status === 'failed') {
    triage = await triageFailure({ agents: p.agents, runId: writer.manifest.runId, task, attempt, failure: next.failure, evidence: at.evidence, runSignal: p.runSignal, log, usage });
  }
  const logSizes = await log.close();
  const digested = await digestArtifacts(writer.runDir, at.taskDir, (file) => logSizes.get(file) ?? writer.producedSize(file));
  // A full disk stops the whole run (the writer tells the engine).
  if (digested.short) writer.noteWriteError(new StoreError(digested.short), digested.short.file);
  return { triage, artifacts: digested.artifacts, short: digested.short };
}

function resultLine(next: NextStep, task: AnalyzedTask): string {
  switch (next.kind) {
    case 'retry':
      return `failed (${next.failure.reason}): ${next.failure.message} (to be retried)`;
    case 'fix':
      return `failed (${next.failure.reason}): ${next.failure.message} (fix ${next.followUp.fix} of ${task.maxFixAttempts} follows)`;
    case 'rework':
      return `failed (${next.failure.reason}): ${next.failure.message} (its findings go to ${next.builders.join(', ')}: round ${next.followUp.fix} of ${task.maxFixAttempts})`;
    case 'end':
      return next.status === 'succeeded' ? 'succeeded' : `failed (${next.failure.reason}): ${next.failure.message}`;
  }
}

/** What parking needs: the worktrees and what their setup made. */
export interface ParkPort {
  readonly worktrees: Pick<Worktrees, 'park' | 'remove'>;
  readonly environments: Pick<TaskEnvironments, 'movable' | 'moved'>;
  readonly keepWorktrees: boolean;
}

/**
 * A fix continues in this worktree, with what its setup installed; otherwise it is parked for the
 * next attempt of the run (nothing of this task may keep running in it).
 */
export async function parkWorktree(p: ParkPort, worktree: string | undefined, resultCommit: string | undefined, next: NextStep): Promise<void> {
  if (!worktree || p.keepWorktrees || next.kind === 'fix') return;
  await terminate(processesWorkingIn(worktree), 300);
  const parked = resultCommit !== undefined ? await p.worktrees.park(worktree, p.environments.movable(worktree)) : undefined;
  if (parked === undefined && resultCommit === undefined) await p.worktrees.remove(worktree);
  p.environments.moved(worktree, parked);
}
