import { unsettle, type Settled } from '../../core/result.js';
import type { AgentBackend } from '../../backends/backend.js';
import type { AnalyzedTask } from '../../graph/analyzed.js';
import type { CheckEvidence } from '../../roles/verdict.js';
import type { AttemptClock, AttemptResult } from '../../scheduler/scheduler.js';
import { RunLayout } from '../../store/layout.js';
import { type CheckResult, type SandboxDenial, type TaskRecord } from '../../store/manifest.js';
import type { RunWriter } from '../../store/run-writer.js';
import { describeStoreFailure, storeFailureOf } from '../../store/store-failure.js';
import type { DiffStat } from '../../workspace/git.js';
import type { EscapeWatch } from '../../workspace/escape-watch.js';
import type { Worktrees } from '../../workspace/worktrees.js';
import type { Budget } from '../live/budget.js';
import type { EngineObserver } from '../run/events.js';
import type { RoleAgents } from '../session/role-agents.js';
import { shelvePreviousAttempt } from './artifacts.js';
import { commitAndDiff, verify } from './checks.js';
import { fixesUsed } from './fix-loop.js';
import { closeAttempt, parkWorktree } from './finish.js';
import { judge, type GivenVerdict } from './judge.js';
import { nextStep, type NextStep } from './next-step.js';
import { planTurn } from './plan-turn.js';
import { describeFollowUp } from '../../store/events/narrate.js';
import { prepare, startPreparing } from './prepare.js';
import { attemptStatus, recordAttemptEnd, recordAttemptStart, recordUsage } from './record.js';
import { escapeFailure, type Failure } from './task-failure.js';
import { TaskLog } from './task-log.js';
import type { WorktreeSetup } from './task-setup.js';
import { AttemptUsage } from './task-usage.js';
import type { TurnPlan } from './task-work.js';
import { watchedWork } from './work.js';

export { RESUME_FOLLOW_UP, threadOrigin } from './plan-turn.js';

/**
 * One attempt of one task, as stages: prepare (the worktree from base + dependencies, or the
 * task's own result for a follow-up; its setup) → work (the role agent through its codex tool, or
 * the prompt straight to Codex, watched for writes outside the worktree) → checks (commit the
 * result, write the diff, run the verify commands) → judge (the tester's verdict when the task is
 * judged; did the work pass) → next step (`nextStep()`: a retry, a fix or the end) → finish
 * (triage, artifacts with their digests, the record, the worktree parked). Every change of the
 * task's record goes through `record.ts`.
 * Expected failures end as a failed attempt with a reason; nothing here throws for them.
 */

export interface TaskRunContext {
  readonly writer: RunWriter;
  /** The run's private CODEX_HOME (its commands' temporary folder is beside it). */
  readonly codexHome: string;
  /** The backend for a turn: a new thread (undefined), or the continuation of that thread. */
  readonly backendFor: (threadId: string | undefined) => AgentBackend;
  /** Tells the engine a thread was created in this session (its follow-ups can stay on the same server). */
  readonly threadStarted: (threadId: string) => void;
  readonly worktrees: Worktrees;
  /** Sees writes outside the worktrees while tasks work (the user's checkout, its git folder, the run folder). */
  readonly escapeWatch: EscapeWatch;
  readonly observer: EngineObserver;
  /** The role's `## Codex` instructions, for a task without its own. */
  readonly instructions: (role: AnalyzedTask['role']) => string | undefined;
  readonly keepWorktrees: boolean;
  /** The run's environment; setup and verify commands run with it (without the checkout's own: `taskCommandEnv`). */
  readonly env: NodeJS.ProcessEnv;
  /** The worktrees' setup (`setup` commands, shared installs). */
  readonly setup: WorktreeSetup;
  /** The role agents of this session, when the run uses them (`settings.agents`). */
  readonly agents: RoleAgents | undefined;
  readonly budget: Budget;
  /** The session's signal (a stop, the run's timeout), for work that outlives a task's own (triage). */
  readonly runSignal: AbortSignal;
}

/** An attempt's number in the task's history (`n`) and within this session of the run (`local`, what retries count). */
export interface AttemptNumber {
  readonly n: number;
  readonly local: number;
}

/** `clock`: the attempt's timeout, stopped while the worktree is set up (setup has a timeout of its own). */
export async function runTaskAttempt(ctx: TaskRunContext, task: AnalyzedTask, number: AttemptNumber, signal: AbortSignal, clock?: AttemptClock): Promise<AttemptResult> {
  const attempt = number.n;
  const { writer } = ctx;
  const taskDir = RunLayout.taskDir(writer.runDir, task.id);
  const startedAt = new Date();
  if (attempt > 1) {
    try {
      await shelvePreviousAttempt(writer.runDir, taskDir, attempt - 1);
    } catch (e) {
      if (!writer.noteWriteError(e, taskDir)) throw e;
    }
  }
  const plan = planTurn(writer.task(task.id), task);
  const usage = new AttemptUsage(writer.task(task.id));
  recordAttemptStart(writer, task.id, { n: attempt, startedAt, followUp: plan.followUp });

  const body = (): Promise<AttemptResult> => attemptBody(ctx, task, number, signal, { plan, usage, taskDir, startedAt, clock });
  return ctx.agents ? ctx.agents.inTask(task.id, attempt, body) : body();
}

interface AttemptSetup {
  readonly clock: AttemptClock | undefined;
  readonly plan: TurnPlan;
  readonly usage: AttemptUsage;
  readonly taskDir: string;
  readonly startedAt: Date;
}

/** What the stages found out, for the decision and the record. */
interface Findings {
  failure: Failure | undefined;
  worktree: string | undefined;
  resultCommit: string | undefined;
  stat: DiffStat | undefined;
  checks: CheckResult[] | undefined;
  verdict: GivenVerdict | undefined;
  evidence: readonly CheckEvidence[];
  denials: SandboxDenial[];
}

async function attemptBody(ctx: TaskRunContext, task: AnalyzedTask, number: AttemptNumber, signal: AbortSignal, setup: AttemptSetup): Promise<AttemptResult> {
  const attempt = number.n;
  const { writer } = ctx;
  const { plan, usage, taskDir, startedAt } = setup;
  const onUsage = (): void => recordSessionUsage(ctx, task.id, usage);
  const ports = { ...ctx, environments: ctx.setup.environments };

  // The worktree is prepared while the log opens.
  const preparing = startPreparing(ctx, task, attempt, plan);
  // Everything written for the task goes through the run's redactor and never through a link.
  const log = await TaskLog.open({
    runDir: writer.runDir,
    dir: taskDir,
    source: ctx.backendFor(plan.threadId).name,
    redactor: writer.redactor,
    onWriteError: (e, file) => writer.noteWriteError(e, file),
  });
  log.line(`# task ${task.id} (${task.role}): ${task.title}`);
  log.line(`# attempt ${attempt}, started ${startedAt.toISOString()}`);

  const found: Findings = { failure: undefined, worktree: undefined, resultCommit: undefined, stat: undefined, checks: undefined, verdict: undefined, evidence: [], denials: [] };
  // Artifact files written while the attempt goes on; all on disk before they are digested.
  const writing: Promise<Settled<void>>[] = [];
  try {
    const onWorktree = (worktree: string): void => void (found.worktree = worktree);
    const prepared = await prepare(ctx, task, preparing, { taskDir, log, signal, clock: setup.clock, onWorktree });
    if (!prepared.ok) found.failure = prepared.failure;
    else {
      const where = prepared.workspace;
      log.section(plan.followUp ? `follow-up (${describeFollowUp(plan.followUp)}) on thread ${plan.threadId ?? 'new'}` : 'prompt');
      log.line(plan.prompt);
      const watched = await watchedWork(ctx, task, plan, where, { signal, log, usage, onUsage });
      found.denials = watched.denials;
      // Whatever the agent changed is kept on the task branch, even when the turn failed.
      const committed = await commitAndDiff(ports, task, attempt, where, { taskDir, log, codexDiffFiles: watched.codexDiffFiles, writing });
      found.resultCommit = committed.resultCommit;
      found.stat = committed.stat;
      if (watched.escaped.length > 0 || watched.deniedHere.length > 0) found.failure = escapeFailure(watched.escaped, watched.deniedHere);
      else if (watched.work.failure) found.failure = watched.work.failure;
      else {
        const verified = await verify(ports, task, attempt, where, { taskDir, log, signal, writing });
        found.checks = verified.checks;
        found.evidence = verified.evidence;
        const judged = await judge(ctx, task, attempt, { ...committed, ...verified, commandsEnded: watched.commandsEnded, work: watched.work }, { taskDir, signal, log, usage, onUsage });
        found.verdict = judged.verdict;
        found.failure = judged.failure;
      }
      for (const written of await Promise.all(writing)) unsettle(written);
    }
  } catch (e) {
    // A full disk or a planted link stops the whole run (the writer tells the engine).
    const stored = storeFailureOf(e, taskDir);
    if (stored) writer.noteWriteError(e, stored.file);
    found.failure = { reason: 'workspace-error', message: (e as Error).message, retryable: false };
    // Nothing is digested while one of its files is still being written.
    await Promise.all(writing);
  }

  const decide = (failure: Failure | undefined): NextStep =>
    nextStep({
      task,
      failure,
      attempt,
      local: number.local,
      fixesUsed: fixesUsed(plan.followUp),
      builders:
        task.role === 'tester'
          ? task.deps.filter((d) => {
              const dep = writer.task(d);
              return dep.role === 'builder' && dep.resultCommit !== undefined && dep.threadId !== undefined;
            })
          : [],
      roundsUsed: reworkRounds(writer.task(task.id), attempt),
      hasResult: found.resultCommit !== undefined,
      stopped: signal.aborted,
      held: ctx.budget.reached,
      evidence: found.evidence,
      verdict: found.verdict?.verdict,
      now: new Date(),
    });
  let next = decide(found.failure);
  const finishedAt = new Date();
  const closed = await closeAttempt(ctx, task, attempt, next, { taskDir, log, usage, evidence: found.evidence });
  // A file cut short is never recorded as the task's result: the run stops (a store failure), nothing is sealed.
  if (closed.short && next.kind === 'end' && next.status === 'succeeded') next = decide({ reason: 'workspace-error', message: describeStoreFailure(closed.short), retryable: false });
  recordAttemptEnd(writer, task.id, {
    next,
    attempt,
    startedAt,
    finishedAt,
    followUp: plan.followUp,
    verdict: found.verdict,
    triage: closed.triage,
    resultCommit: found.resultCommit,
    stat: found.stat,
    checks: found.checks,
    denials: found.denials,
    artifacts: closed.artifacts,
  });
  recordSessionUsage(ctx, task.id, usage);
  await parkWorktree({ ...ports, keepWorktrees: ctx.keepWorktrees }, found.worktree, found.resultCommit, next);
  return resultFor(next);
}

/**
 * The rounds of rework a tester's findings caused in a row before `attempt`: its attempts before it
 * that failed their checks or verdict, back to the last one that did not (a retry starts over).
 */
function reworkRounds(t: TaskRecord, attempt: number): number {
  let rounds = 0;
  for (const a of t.attempts.filter((x) => x.n < attempt).reverse()) {
    if (a.status !== 'failed' || (a.reason !== 'verify-failed' && a.reason !== 'verdict-failed')) break;
    rounds++;
  }
  return rounds;
}

/** What the scheduler is told: the attempt's status and the step the attempt decided on. */
function resultFor(next: NextStep): AttemptResult {
  const status = attemptStatus(next);
  if (status === 'succeeded') return { status };
  if (status === 'cancelled') return { status };
  return { status, next: next.kind };
}

/** The attempt's usage into the manifest (live), the run's totals, and the budget. */
function recordSessionUsage(ctx: TaskRunContext, taskId: string, usage: AttemptUsage): void {
  recordUsage(ctx.writer, taskId, usage);
  ctx.budget.check();
}
