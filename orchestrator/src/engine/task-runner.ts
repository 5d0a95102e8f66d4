import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { abortTag, describeAbort } from '../core/abort.js';
import { processesWorkingIn, terminate } from '../core/process-tree.js';
import { addUsage, ZERO_USAGE, type TokenUsage } from '../core/events.js';
import type { AgentBackend, TurnOutcome } from '../backends/backend.js';
import type { AnalyzedTask } from '../graph/analyzed.js';
import { retryDue, type AttemptResult } from '../scheduler/scheduler.js';
import { sha256File, writeJsonAtomic } from '../store/atomic.js';
import { RunLayout, relativeToRun } from '../store/layout.js';
import { checkCounts, type Artifact, type CheckResult, type FollowUp, type TaskFailureReason, type TaskRecord } from '../store/manifest.js';
import type { RunWriter } from '../store/run-writer.js';
import type { DiffStat } from '../workspace/git.js';
import type { DepResult, Worktrees } from '../workspace/worktrees.js';
import type { EngineObserver } from './events.js';
import { classifyCodexError } from './failure-class.js';
import { TaskLog } from './task-log.js';
import { runChecks } from './verify.js';

/**
 * One attempt of one task: worktree from base + dependencies, one Codex turn, commit the result,
 * write the diff, run the verify commands, record artifacts with their digests. Expected
 * failures end as a failed attempt with a reason; nothing here throws for them.
 */

export interface TaskRunContext {
  readonly writer: RunWriter;
  /** The backend for a turn: a new thread (undefined), or the continuation of that thread. */
  readonly backendFor: (threadId: string | undefined) => AgentBackend;
  /** Tells the engine a thread was created in this session (its follow-ups can stay on the same server). */
  readonly threadStarted: (threadId: string) => void;
  readonly worktrees: Worktrees;
  readonly observer: EngineObserver;
  readonly instructions: (role: AnalyzedTask['role']) => string | undefined;
  readonly keepWorktrees: boolean;
}

interface Failure {
  readonly reason: TaskFailureReason;
  readonly message: string;
  readonly retryable: boolean;
}

/** An attempt's number in the task's history (`n`) and within this session of the run (`local`, what retries count). */
export interface AttemptNumber {
  readonly n: number;
  readonly local: number;
}

export async function runTaskAttempt(ctx: TaskRunContext, task: AnalyzedTask, number: AttemptNumber, signal: AbortSignal): Promise<AttemptResult> {
  const attempt = number.n;
  const { writer } = ctx;
  const runDir = writer.runDir;
  const taskDir = RunLayout.taskDir(runDir, task.id);
  const startedAt = new Date();
  if (attempt > 1) await shelvePreviousAttempt(taskDir, attempt - 1);
  const plan = planTurn(writer.task(task.id), task);
  writer.updateTask(task.id, (t) => {
    t.status = 'running';
    t.startedAt ??= startedAt.toISOString();
    delete t.reason;
    delete t.message;
    delete t.followUp;
    t.attempts.push({ n: attempt, status: 'running', startedAt: startedAt.toISOString(), ...(plan.followUp ? { followUp: plan.followUp } : {}) });
  });
  writer.log(`task ${task.id}: attempt ${attempt} started`);
  ctx.observer({ type: 'task-started', taskId: task.id, role: task.role, attempt });

  const deps = dependencyResults(writer, task.deps);

  const log = await TaskLog.open(taskDir, ctx.backendFor(plan.threadId).name);
  log.line(`# task ${task.id} (${task.role}): ${task.title}`);
  log.line(`# attempt ${attempt}, started ${startedAt.toISOString()}`);

  let failure: Failure | undefined;
  let worktreePath: string | undefined;
  let baseCommit: string | undefined;
  let resultCommit: string | undefined;
  let stat: DiffStat | undefined;
  let checks: CheckResult[] | undefined;
  let turn: TurnOutcome | undefined;
  try {
    // A follow-up continues the thread where it left off: in the same folder, from the task's last result.
    const prepared = plan.continueFrom
      ? await ctx.worktrees.prepareFrom(task.id, plan.continueFrom.worktreeAttempt, plan.continueFrom.commit, plan.continueFrom.base)
      : await ctx.worktrees.prepare(task.id, attempt, deps);
    if (!prepared.ok) {
      failure = { reason: 'merge-conflict', message: prepared.error.message, retryable: false };
      log.line(`# could not prepare the worktree: ${prepared.error.message}`);
    } else {
      worktreePath = prepared.value.path;
      baseCommit = prepared.value.baseCommit;
      writer.updateTask(task.id, (t) => {
        t.branch = prepared.value.branch;
        t.baseCommit = prepared.value.baseCommit;
      });
      const cwd = task.cwd ? path.join(worktreePath, task.cwd) : worktreePath;
      await mkdir(cwd, { recursive: true });
      log.root = worktreePath;
      log.line(`# worktree ${worktreePath} (branch ${prepared.value.branch}, base ${baseCommit.slice(0, 12)})`);
      log.section(plan.followUp ? `follow-up (${plan.followUp.from}${plan.followUp.by ? ` by ${plan.followUp.by}` : ''}) on thread ${plan.threadId ?? 'new'}` : 'prompt');
      log.line(plan.prompt);
      log.section('agent');
      turn = await ctx.backendFor(plan.threadId).runTurn({
        prompt: plan.prompt,
        ...(plan.threadId ? { threadId: plan.threadId } : {}),
        cwd,
        developerInstructions: ctx.instructions(task.role),
        timeoutMs: task.timeoutMs,
        signal,
        onEvent: (event, raw) => {
          log.event(event, raw);
          if (event?.type === 'thread-started') {
            ctx.threadStarted(event.threadId);
            writer.updateTask(task.id, (t) => (t.threadId = event.threadId));
          }
          if (event?.type === 'usage') writer.updateTask(task.id, (t) => (t.usage = event.usage));
          if (event?.type === 'command-begin') ctx.observer({ type: 'task-command', taskId: task.id, command: event.command });
        },
      });
      // A stopped or timed-out turn may leave commands behind in the worktree: end them first.
      if (turn.status === 'failed' && signal.aborted) await terminate(processesWorkingIn(worktreePath), 300);
      if (turn.threadId) writer.updateTask(task.id, (t) => (t.threadId = turn?.threadId));
      if (turn.usage) writer.updateTask(task.id, (t) => (t.usage = turn?.usage));
      // Whatever the agent changed is kept on the task branch, even when the turn failed.
      resultCommit = await ctx.worktrees.commitResult(worktreePath, `codex-orchestrator: ${task.id} (attempt ${attempt})`);
      const diff = await ctx.worktrees.diff(baseCommit, resultCommit);
      stat = diff.stat;
      await writeFile(path.join(taskDir, 'diff.patch'), diff.patch);
      if (turn.status === 'failed') {
        failure = classifyTurnFailure(turn, signal);
      } else {
        checks = await runChecks(task.verify, cwd, taskDir, runDir, signal);
        log.checks(checks);
        await writeJsonAtomic(path.join(taskDir, 'checks.json'), { task: task.id, attempt, checks });
        const bad = checks.filter((c) => c.exitCode !== 0);
        if (signal.aborted) failure = abortFailure(signal);
        else if (bad.length > 0) {
          failure = {
            reason: 'verify-failed',
            message: `verify failed: ${bad.map((c) => `\`${c.command}\` exited ${c.exitCode ?? c.signal}`).join('; ')} (output in ${bad[0]?.outputPath})`,
            retryable: false,
          };
        }
      }
    }
  } catch (e) {
    failure = { reason: 'workspace-error', message: (e as Error).message, retryable: false };
  }

  const finishedAt = new Date();
  log.section('result');
  log.line(failure ? `failed (${failure.reason}): ${failure.message}` : 'succeeded');
  await log.close();
  const artifacts = await digestArtifacts(runDir, taskDir);
  const status = failure ? (failure.reason === 'cancelled' ? 'cancelled' : 'failed') : 'succeeded';
  const willRetry = failure !== undefined && retryDue(failure.retryable, number.local, task.retries, signal);
  writer.updateTask(task.id, (t) => {
    const a = t.attempts.at(-1);
    if (a) {
      a.status = status;
      a.finishedAt = finishedAt.toISOString();
      if (t.threadId) a.threadId = t.threadId;
      if (failure) {
        a.reason = failure.reason;
        a.message = failure.message;
        a.retryable = failure.retryable;
        a.class = failure.retryable ? 'retryable' : 'fatal';
      }
    }
    t.status = willRetry ? 'running' : status;
    if (failure) {
      t.reason = failure.reason;
      t.message = failure.message;
    }
    t.finishedAt = finishedAt.toISOString();
    t.durationMs = finishedAt.getTime() - new Date(t.startedAt ?? startedAt.toISOString()).getTime();
    if (resultCommit) t.resultCommit = resultCommit;
    if (stat) t.diffStat = stat;
    if (checks) t.checks = checks;
    t.artifacts = artifacts;
  });
  writer.update((m) => {
    m.usage = m.tasks.reduce<TokenUsage>((sum, t) => (t.usage ? addUsage(sum, t.usage) : sum), ZERO_USAGE);
  });
  writer.log(`task ${task.id}: attempt ${attempt} ${status}${failure ? ` (${failure.reason}): ${failure.message}` : ''}`);
  ctx.observer({
    type: 'task-finished',
    taskId: task.id,
    status,
    reason: failure?.reason,
    message: failure?.message,
    durationMs: finishedAt.getTime() - startedAt.getTime(),
    diff: stat,
    checks: checks ? checkCounts(checks) : undefined,
    willRetry,
  });
  if (worktreePath && !ctx.keepWorktrees) await ctx.worktrees.remove(worktreePath);
  if (!failure) return { status: 'succeeded' };
  if (failure.reason === 'cancelled') return { status: 'cancelled' };
  return { status: 'failed', retryable: failure.retryable };
}

interface TurnPlan {
  readonly prompt: string;
  /** The thread to continue, for a follow-up. */
  readonly threadId: string | undefined;
  readonly followUp: FollowUp | undefined;
  /** For a follow-up on an existing result: the folder (by the attempt that started the thread), the result, and the diff's base. */
  readonly continueFrom: { readonly worktreeAttempt: number; readonly commit: string; readonly base: string } | undefined;
}

/** A fresh turn from the task's prompt, or a follow-up (rework, `send`) on the task's own thread. */
function planTurn(record: TaskRecord, task: AnalyzedTask): TurnPlan {
  const followUp = record.followUp;
  const threadId = record.threadId;
  if (!followUp) return { prompt: task.prompt ?? '', threadId: undefined, followUp: undefined, continueFrom: undefined };
  if (!threadId || !record.resultCommit || !record.baseCommit) {
    // Nothing to continue: the follow-up joins the task's prompt in a new thread.
    return { prompt: `${task.prompt ?? ''}\n\n${followUp.prompt}`, threadId: undefined, followUp, continueFrom: undefined };
  }
  const origin = record.attempts.find((a) => a.threadId === threadId)?.n ?? 1;
  return { prompt: followUp.prompt, threadId, followUp, continueFrom: { worktreeAttempt: origin, commit: record.resultCommit, base: record.baseCommit } };
}

function abortFailure(signal: AbortSignal): Failure {
  const tag = abortTag(signal);
  if (tag?.kind === 'task-timeout') {
    return { reason: 'timeout', message: describeAbort(signal), retryable: false };
  }
  // A stop, or the run's timeout: the task is cancelled, and `resume` runs it again.
  return { reason: 'cancelled', message: describeAbort(signal), retryable: false };
}

function classifyTurnFailure(turn: Extract<TurnOutcome, { status: 'failed' }>, signal: AbortSignal): Failure {
  switch (turn.reason) {
    case 'aborted':
      return abortFailure(signal);
    case 'turn-aborted':
      return { reason: 'turn-aborted', message: turn.message, retryable: false };
    case 'codex-error':
      return { ...classifyCodexError(turn.message), message: turn.message };
    case 'process-exited':
    case 'protocol-error':
      return { reason: 'codex-exited', message: turn.message, retryable: true };
  }
}

const ARTIFACTS = { events: 'events.jsonl', log: 'log.txt', diff: 'diff.patch', checks: 'checks.json' } as const;

async function digestArtifacts(runDir: string, taskDir: string): Promise<Partial<Record<keyof typeof ARTIFACTS, Artifact>>> {
  const out: Partial<Record<keyof typeof ARTIFACTS, Artifact>> = {};
  for (const [key, name] of Object.entries(ARTIFACTS) as [keyof typeof ARTIFACTS, string][]) {
    const file = path.join(taskDir, name);
    if (!existsSync(file)) continue;
    const { sha256, bytes } = await sha256File(file);
    out[key] = { path: relativeToRun(runDir, file), sha256, bytes };
  }
  return out;
}

/** A retry starts with clean files; the earlier attempt's artifacts move to `attempt-<n>/`. */
async function shelvePreviousAttempt(taskDir: string, n: number): Promise<void> {
  if (!existsSync(taskDir)) return;
  const target = path.join(taskDir, `attempt-${n}`);
  await mkdir(target, { recursive: true });
  for (const name of await readdir(taskDir)) {
    if (name.startsWith('attempt-')) continue;
    await rename(path.join(taskDir, name), path.join(target, name));
  }
}

/**
 * The commits a task starts from: each dependency's result. A gate has no result of its own, so
 * it stands for its own dependencies' results.
 */
function dependencyResults(writer: RunWriter, deps: readonly string[]): DepResult[] {
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
