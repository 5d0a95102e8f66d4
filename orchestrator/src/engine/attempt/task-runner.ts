import { existsSync } from 'node:fs';
import { mkdir, readdir, rename } from 'node:fs/promises';
import path from 'node:path';
import { filesOfDiff } from '../../core/diff-files.js';
import { processesWorkingIn, terminate } from '../../core/process-tree.js';
import { settle, unsettle, type Settled } from '../../core/result.js';
import type { AgentBackend } from '../../backends/backend.js';
import { commandTmpDir } from '../../backends/codex-home.js';
import type { AnalyzedTask } from '../../graph/analyzed.js';
import { ranNothing } from '../../roles/no-tests.js';
import type { Verdict } from '../../roles/verdict.js';
import { retryDue, type AttemptClock, type AttemptResult } from '../../scheduler/scheduler.js';
import { sha256File } from '../../store/atomic.js';
import { RunLayout, relativeToRun } from '../../store/layout.js';
import { checkCounts, type Artifact, type SandboxDenial, type CheckResult, type FollowUp, type TaskRecord, type TriageRecord, type VerdictSummary } from '../../store/manifest.js';
import { claimRunTree, makeRunDir } from '../../store/run-files.js';
import type { RunWriter } from '../../store/run-writer.js';
import { describeStoreFailure, StoreError, storeFailureOf, type StoreFailure } from '../../store/store-failure.js';
import { taskTimes } from '../../store/timings.js';
import type { DiffStat } from '../../workspace/git.js';
import type { EscapeWatch } from '../../workspace/escape-watch.js';
import type { DepResult, Worktrees } from '../../workspace/worktrees.js';
import type { Budget } from '../live/budget.js';
import { checkEvidence } from './check-evidence.js';
import type { EngineObserver } from '../run/events.js';
import { fixable, fixesUsed, fixPrompt } from './fix-loop.js';
import type { RoleAgents } from '../session/role-agents.js';
import { abortFailure, escapeFailure, noChangeFailure, ranNothingFailure, type Failure } from './task-failure.js';
import { describeDenial, SandboxEvents } from './sandbox-events.js';
import { TaskLog } from './task-log.js';
import { triageFailure } from './task-triage.js';
import { AttemptUsage, sumRunUsage } from './task-usage.js';
import { giveVerdict } from './task-verdict.js';
import { doTaskWork, type TurnPlan } from './task-work.js';
import { runChecks } from './verify.js';
import { setUpWorktree, type WorktreeSetup } from './task-setup.js';
import { taskCommandEnv } from '../../workspace/command-env.js';

/**
 * One attempt of one task: worktree from base + dependencies (or the task's own result, for a
 * follow-up), the work (the role agent through its codex tool, or the prompt straight to Codex),
 * commit the result, write the diff, run the verify commands, the tester's verdict when the task
 * is judged, record artifacts with their digests. A builder whose diff is empty fails `no-change`
 * (unless `expectChanges: false`); a tester whose checks ran nothing fails. Then what comes next:
 * a retry (a retryable failure), a fix (a builder that failed verification), or the end (with a
 * triage when it failed).
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
  const runDir = writer.runDir;
  const taskDir = RunLayout.taskDir(runDir, task.id);
  const startedAt = new Date();
  if (attempt > 1) {
    try {
      await shelvePreviousAttempt(runDir, taskDir, attempt - 1);
    } catch (e) {
      if (!writer.noteWriteError(e, taskDir)) throw e;
    }
  }
  const plan = planTurn(writer.task(task.id), task);
  const usage = new AttemptUsage(writer.task(task.id));
  writer.apply({ kind: 'attempt-started', at: startedAt.toISOString(), task: task.id, n: attempt, ...(plan.followUp ? { followUp: plan.followUp } : {}) });
  writer.log(`task ${task.id}: attempt ${attempt} started${plan.followUp ? ` (${describeFollowUp(plan.followUp, task)})` : ''}`);
  ctx.observer({ type: 'task-started', taskId: task.id, role: task.role, attempt, ...(plan.followUp?.from === 'fix' ? { fix: { n: fixesUsed(plan.followUp), of: task.maxFixAttempts } } : {}) });

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

async function attemptBody(ctx: TaskRunContext, task: AnalyzedTask, number: AttemptNumber, signal: AbortSignal, setup: AttemptSetup): Promise<AttemptResult> {
  const attempt = number.n;
  const { writer } = ctx;
  const runDir = writer.runDir;
  const { plan, usage, taskDir, startedAt } = setup;
  const onUsage = (): void => recordUsage(ctx, task.id, usage);
  const deps = dependencyResults(writer, task.deps);

  // The worktree is prepared while the log opens. A follow-up continues the thread where it
  // left off: in the same folder, from the task's last result.
  const preparing = settle(
    plan.continueFrom
      ? ctx.worktrees.prepareFrom(
          task.id,
          plan.continueFrom.worktreeAttempt,
          plan.continueFrom.commit,
          plan.continueFrom.base,
          ctx.setup.environments.outputsOf(ctx.worktrees.pathOf(task.id, plan.continueFrom.worktreeAttempt)),
        )
      : ctx.worktrees.prepare(task.id, attempt, deps),
  );
  // Everything written for the task goes through the run's redactor and never through a link.
  const log = await TaskLog.open({
    runDir,
    dir: taskDir,
    source: ctx.backendFor(plan.threadId).name,
    redactor: writer.redactor,
    onWriteError: (e, file) => writer.noteWriteError(e, file),
  });
  log.line(`# task ${task.id} (${task.role}): ${task.title}`);
  log.line(`# attempt ${attempt}, started ${startedAt.toISOString()}`);

  let failure: Failure | undefined;
  let worktreePath: string | undefined;
  let resultCommit: string | undefined;
  let stat: DiffStat | undefined;
  let checks: CheckResult[] | undefined;
  let verdict: { readonly verdict: Verdict; readonly summary: VerdictSummary; readonly path: string } | undefined;
  let evidence: Awaited<ReturnType<typeof checkEvidence>> = [];
  let denials: SandboxDenial[] = [];
  // Artifact files written while the attempt goes on; all on disk before they are digested.
  const writing: Promise<Settled<void>>[] = [];
  try {
    const prepared = unsettle(await preparing);
    if (!prepared.ok) {
      failure = { reason: 'merge-conflict', message: prepared.error.message, retryable: false };
      log.line(`# could not prepare the worktree: ${prepared.error.message}`);
    } else {
      const worktree = prepared.value.path;
      const baseCommit = prepared.value.baseCommit;
      worktreePath = worktree;
      writer.updateTask(task.id, (t) => {
        t.branch = prepared.value.branch;
        t.baseCommit = prepared.value.baseCommit;
      });
      const cwd = task.cwd ? path.join(worktree, task.cwd) : worktree;
      if (!prepared.value.reused) {
        // A parked worktree brings what its setup made: the setup reuses it when its key is the same.
        ctx.setup.environments.forget(worktree);
        if (prepared.value.reusedFrom) ctx.setup.environments.moved(prepared.value.reusedFrom, worktree);
      }
      await mkdir(cwd, { recursive: true });
      log.root = worktree;
      log.line(`# worktree ${worktree} (branch ${prepared.value.branch}, base ${baseCommit.slice(0, 12)})`);
      const settingUp = (): ReturnType<typeof setUpWorktree> => setUpWorktree(ctx.setup, task, { worktree, cwd, taskDir }, log, signal);
      const setupDone = await (setup.clock ? setup.clock.outside(settingUp) : settingUp());
      writer.updateTask(task.id, (t) => {
        if (setupDone.record) t.setup = setupDone.record;
        else delete t.setup;
      });
      if (setupDone.failure) failure = setupDone.failure;
      else {
        log.section(plan.followUp ? `follow-up (${describeFollowUp(plan.followUp, task)}) on thread ${plan.threadId ?? 'new'}` : 'prompt');
        log.line(plan.prompt);
        const before = await ctx.escapeWatch.snapshot();
        const sandbox = new SandboxEvents(worktree, cwd, [commandTmpDir(ctx.codexHome)]);
        const commands = { ended: 0 };
        const codexDiff: { files: readonly string[] | undefined } = { files: undefined };
        const work = await doTaskWork({ ctx, task, plan, cwd, signal, log, usage, onUsage, sandbox, commands, codexDiff });
        // A stopped or timed-out turn may leave commands behind in the worktree: end them first.
        if (work.failure && signal.aborted) await terminate(processesWorkingIn(worktree), 300);
        const watch = ctx.escapeWatch;
        const escaped = [...new Set([...watch.changes(before, await watch.snapshot()), ...sandbox.writesOutside.map((p) => watch.display(p))])];
        denials = sandbox.denials;
        const deniedHere = [...new Set(denials.flatMap((d) => (d.path !== undefined && watch.guards(d.path) ? [watch.display(d.path)] : [])))].sort();
        if (denials.length > 0) log.line(`# the sandbox denied ${denials.length} write${denials.length === 1 ? '' : 's'}: ${denials.map(describeDenial).join('; ')}`);
        if (escaped.length > 0) log.line(`# changed outside the worktree during the turn: ${escaped.join(', ')}`);
        if (work.threadId) writer.updateTask(task.id, (t) => (t.threadId = work.threadId));
        // Whatever the agent changed is kept on the task branch, even when the turn failed.
        resultCommit = await ctx.worktrees.commitResult(worktree, `codex-orchestrator: ${task.id} (attempt ${attempt})`, ctx.setup.environments.outputsOf(worktree));
        const diff = await ctx.worktrees.diff(baseCommit, resultCommit);
        stat = diff.stat;
        if (codexDiff.files) log.line(crossCheckDiff(codexDiff.files, filesOfDiff(diff.patch)));
        const diffText = writer.redactor.text(diff.patch);
        writing.push(settle(writer.replaceFile(path.join(taskDir, 'diff.patch'), diffText)));
        if (escaped.length > 0 || deniedHere.length > 0) {
          failure = escapeFailure(escaped, deniedHere);
        } else if (work.failure) {
          failure = work.failure;
        } else {
          checks = await runChecks(task.verify, cwd, taskDir, runDir, signal, {
            envFor: () => taskCommandEnv(ctx.env, { repoRoot: writer.manifest.repo.root, worktree, cwd }),
            redactor: writer.redactor,
            onWriteError: (e, file) => writer.noteWriteError(e, file),
          });
          log.checks(checks);
          const checksFile = path.join(taskDir, 'checks.json');
          writing.push(settle(writer.replaceFile(checksFile, `${JSON.stringify(writer.redactor.json({ task: task.id, attempt, checks }), null, 2)}\n`)));
          evidence = await checkEvidence(runDir, checks);
          const bad = checks.filter((c) => c.exitCode !== 0);
          // A tester whose checks ran nothing has tested nothing: never a pass.
          const nothing = task.role === 'tester' ? ranNothing(evidence, commands.ended) : [];
          let verdictFailure: Failure | undefined;
          if (!signal.aborted && task.judge && ctx.agents) {
            const given = await giveVerdict({ agents: ctx.agents, writer, task, attempt, taskDir, diff: diffText, checks, evidence, report: work.report, testerVerdict: work.testerVerdict, ranNothing: nothing, signal, log, usage });
            onUsage();
            if (given.ok) verdict = given.value;
            else verdictFailure = given.error;
          }
          if (signal.aborted) failure = abortFailure(signal);
          else if (bad.length > 0) {
            failure = {
              reason: 'verify-failed',
              message: `verify failed: ${bad.map((c) => `\`${c.command}\` exited ${c.exitCode ?? c.signal}${noTestsNote(evidence.find((e) => e.outputPath === c.outputPath))}`).join('; ')} (output in ${bad[0]?.outputPath})`,
              retryable: false,
            };
          } else if (verdictFailure) failure = verdictFailure;
          else if (verdict?.verdict.verdict === 'fail') {
            failure = { reason: 'verdict-failed', message: `the tester's verdict is fail: ${firstLine(verdict.verdict.summary)} (findings in ${verdict.path})`, retryable: false };
          } else if (nothing.length > 0) failure = ranNothingFailure(nothing);
          else if (task.expectChanges && stat.files === 0) failure = noChangeFailure();
        }
      }
      for (const written of await Promise.all(writing)) unsettle(written);
    }
  } catch (e) {
    // A full disk or a planted link stops the whole run (the writer tells the engine).
    const stored = storeFailureOf(e, taskDir);
    if (stored) writer.noteWriteError(e, stored.file);
    failure = { reason: 'workspace-error', message: (e as Error).message, retryable: false };
    // Nothing is digested while one of its files is still being written.
    await Promise.all(writing);
  }

  // What comes next: a retry, a fix, or the end.
  const held = ctx.budget.reached;
  const willRetry = failure !== undefined && retryDue(failure.retryable, number.local, task.retries, signal) && !held;
  const used = fixesUsed(plan.followUp);
  const fixDue = failure !== undefined && !willRetry && fixable(task, failure.reason) && resultCommit !== undefined && !signal.aborted;
  let fix: FollowUp | undefined;
  if (failure && fixDue && used < task.maxFixAttempts && !held) {
    fix = {
      from: 'fix',
      fix: used + 1,
      prompt: fixPrompt({ task, attempt, fix: used + 1, evidence, verdict: verdict?.verdict }),
      requestedAt: new Date().toISOString(),
    };
  } else if (failure && fixDue && held && used < task.maxFixAttempts) {
    failure = { ...failure, message: `${failure.message}; no fix attempt: the run reached its token budget` };
  } else if (failure && fixDue && used > 0) {
    failure = { ...failure, message: `${failure.message}; after ${used} fix attempt${used === 1 ? '' : 's'}` };
  } else if (failure && held && failure.retryable && retryDue(failure.retryable, number.local, task.retries, signal)) {
    failure = { ...failure, message: `${failure.message}; not retried: the run reached its token budget` };
  }

  const finishedAt = new Date();
  let status: 'succeeded' | 'failed' | 'cancelled' = failure ? (failure.reason === 'cancelled' ? 'cancelled' : 'failed') : 'succeeded';
  log.section('result');
  log.line(failure ? `failed (${failure.reason}): ${failure.message}${willRetry ? ' (to be retried)' : fix ? ` (fix ${fix.fix} of ${task.maxFixAttempts} follows)` : ''}` : 'succeeded');
  let triage: TriageRecord | undefined;
  if (failure && status === 'failed' && !willRetry && !fix) {
    triage = await triageFailure({ agents: ctx.agents, runId: writer.manifest.runId, task, attempt, failure, evidence, runSignal: ctx.runSignal, log, usage });
  }
  const logSizes = await log.close();
  const digested = await digestArtifacts(runDir, taskDir, (file) => logSizes.get(file) ?? writer.producedSize(file));
  const artifacts = digested.artifacts;
  if (digested.short) {
    // A file cut short is never recorded as the task's result: the run stops (a store failure), nothing is sealed.
    writer.noteWriteError(new StoreError(digested.short), digested.short.file);
    if (!failure) {
      failure = { reason: 'workspace-error', message: describeStoreFailure(digested.short), retryable: false };
      status = 'failed';
    }
  }
  const t = writer.task(task.id);
  const at = finishedAt.toISOString();
  const durationMs = finishedAt.getTime() - new Date(t.startedAt ?? setup.startedAt.toISOString()).getTime();
  // The attempt's times as they stand once it has ended.
  const times = taskTimes({ ...t, durationMs, attempts: t.attempts.map((a) => (a.n === attempt ? { ...a, finishedAt: at } : a)) }, finishedAt.getTime());
  writer.apply({
    kind: 'attempt-finished',
    at,
    task: task.id,
    n: attempt,
    outcome: {
      status,
      ...(failure ? { reason: failure.reason, message: failure.message, retryable: failure.retryable, class: failure.retryable ? 'retryable' : 'fatal' } : {}),
      ...(verdict ? { verdict: verdict.summary } : {}),
    },
    next: fix ? 'fix' : willRetry ? 'retry' : 'end',
    status: willRetry || fix ? 'running' : status,
    // A retry sends the same follow-up again; a fix sends its own.
    ...(fix ? { followUp: fix } : willRetry && plan.followUp ? { followUp: plan.followUp } : {}),
    data: {
      ...(verdict ? { verdict: { ...verdict.summary, attempt, path: verdict.path } } : {}),
      ...(triage ? { triage } : {}),
      finishedAt: at,
      durationMs,
      ...(times.workMs !== null ? { workMs: times.workMs } : {}),
      waitMs: times.waitMs ?? 0,
      ...(resultCommit ? { resultCommit } : {}),
      ...(stat ? { diffStat: stat } : {}),
      ...(checks ? { checks } : {}),
      ...(denials.length > 0 ? { sandboxDenials: denials } : {}),
      artifacts,
    },
    ...(denials.length > 0 ? {} : { unset: ['sandboxDenials'] }),
  });
  recordUsage(ctx, task.id, usage);
  writer.log(
    `task ${task.id}: attempt ${attempt} ${status}${failure ? ` (${failure.reason}): ${failure.message}` : ''}${verdict ? `; verdict ${verdict.summary.verdict}` : ''}${fix ? `; fix ${fix.fix} of ${task.maxFixAttempts} follows` : ''}`,
  );
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
    ...(fix ? { willFix: true } : {}),
    ...(verdict ? { verdict: verdict.summary.verdict } : {}),
  });
  // A fix continues in this worktree, with what its setup installed; otherwise it is parked for
  // the next attempt of the run (nothing of this task may keep running in it).
  if (worktreePath && !ctx.keepWorktrees && !fix) {
    await terminate(processesWorkingIn(worktreePath), 300);
    const parked = resultCommit !== undefined ? await ctx.worktrees.park(worktreePath, ctx.setup.environments.movable(worktreePath)) : undefined;
    if (parked === undefined && resultCommit === undefined) await ctx.worktrees.remove(worktreePath);
    ctx.setup.environments.moved(worktreePath, parked);
  }
  if (!failure) return { status: 'succeeded' };
  if (failure.reason === 'cancelled') return { status: 'cancelled' };
  return { status: 'failed', retryable: failure.retryable, ...(fix ? { followUp: true } : {}) };
}

/** The attempt's usage into the manifest (live), the run's totals, and the budget. */
function recordUsage(ctx: TaskRunContext, taskId: string, usage: AttemptUsage): void {
  ctx.writer.updateTask(taskId, (t) => usage.record(t, t.attempts.at(-1)));
  ctx.writer.update(sumRunUsage);
  ctx.budget.check();
}

function describeFollowUp(f: FollowUp, task: AnalyzedTask): string {
  switch (f.from) {
    case 'fix':
      return `fix ${f.fix ?? 1} of ${task.maxFixAttempts}`;
    case 'reject':
    case 'send':
      return `${f.from}${f.by ? ` by ${f.by}` : ''}`;
    case 'resume':
      return 'continued after the session running it ended';
  }
}

/**
 * Codex's own diff of its turn against the task's diff (git, from the task's base): every file
 * Codex says it changed should be in it. Codex counts its patches, not what commands wrote, so the
 * task's diff may hold more; a file missing from it was changed back, or is one git does not track.
 */
export function crossCheckDiff(codexFiles: readonly string[], taskFiles: readonly string[]): string {
  const inTask = new Set(taskFiles);
  const missing = codexFiles.filter((f) => !inTask.has(f));
  const what = `# Codex's own diff of the turn names ${codexFiles.length} file${codexFiles.length === 1 ? '' : 's'}`;
  if (missing.length === 0) return `${what}; all are in the task's diff (${taskFiles.length} file${taskFiles.length === 1 ? '' : 's'})`;
  return `${what}; not in the task's diff: ${missing.join(', ')} (changed back afterwards, or not tracked by git)`;
}

/** ` (it ran no tests: its output says "No tests found")`, for a failed check that says so. */
function noTestsNote(check: { readonly noTests?: string } | undefined): string {
  return check?.noTests ? ` (it ran no tests: ${check.noTests})` : '';
}

function firstLine(text: string): string {
  const line = text.trim().split('\n')[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}

/**
 * What a resumed attempt says on the thread of the turn the session that ended cut off; the
 * task's prompt follows it.
 */
export const RESUME_FOLLOW_UP =
  'The session running this task ended while you were working on it (the orchestrator was stopped or crashed), so your last turn was cut off. Your working directory holds what you had done by then. Carry on from there and finish the task, given again below.';

/** A fresh turn from the task's prompt, or a follow-up (fix, rework, `send`, resume) on the task's own thread. */
function planTurn(record: TaskRecord, task: AnalyzedTask): TurnPlan {
  const followUp = record.followUp;
  const threadId = record.threadId;
  if (!followUp) return { prompt: task.prompt ?? '', threadId: undefined, followUp: undefined, continueFrom: undefined };
  // A resumed attempt goes on from what the interrupted one had done; other follow-ups from the last result.
  const commit = followUp.commit ?? record.resultCommit;
  if (!threadId || !commit || !record.baseCommit) {
    // Nothing to continue: the follow-up joins the task's prompt in a new thread.
    return { prompt: `${task.prompt ?? ''}\n\n${followUp.prompt}`, threadId: undefined, followUp, continueFrom: undefined };
  }
  const prompt = followUp.from === 'resume' ? `${followUp.prompt}\n\n${task.prompt ?? ''}` : followUp.prompt;
  return { prompt, threadId, followUp, continueFrom: { worktreeAttempt: threadOrigin(record, threadId), commit, base: record.baseCommit } };
}

/** The attempt that started a thread: its folder is where every follow-up on that thread works. */
export function threadOrigin(record: TaskRecord, threadId: string): number {
  return record.attempts.find((a) => a.threadId === threadId)?.n ?? 1;
}

const ARTIFACTS = { events: 'events.jsonl', log: 'log.txt', diff: 'diff.patch', checks: 'checks.json', verdict: 'verdict.json' } as const;

/**
 * The artifacts' digests and sizes. A file whose size is not what was written to it (`expected`:
 * the byte count its writer produced) comes back as `short`: it must not be recorded as intact.
 */
async function digestArtifacts(
  runDir: string,
  taskDir: string,
  expected: (file: string) => number | undefined,
): Promise<{ artifacts: Partial<Record<keyof typeof ARTIFACTS, Artifact>>; short?: StoreFailure }> {
  let short: StoreFailure | undefined;
  const digested = await Promise.all(
    Object.entries(ARTIFACTS).map(async ([key, name]) => {
      const file = path.join(taskDir, name);
      if (!existsSync(file)) return [];
      const { sha256, bytes } = await sha256File(file);
      const want = expected(file);
      if (want !== undefined && want !== bytes) short ??= { reason: 'short-write', file, expected: want, actual: bytes };
      return [[key, { path: relativeToRun(runDir, file), sha256, bytes }] as const];
    }),
  );
  return { artifacts: Object.fromEntries(digested.flat()), ...(short ? { short } : {}) };
}

/** A new attempt starts with clean files; the earlier attempt's artifacts move to `attempt-<n>/` (links are moved, not followed). */
async function shelvePreviousAttempt(runDir: string, taskDir: string, n: number): Promise<void> {
  if (!existsSync(taskDir)) return;
  const target = path.join(taskDir, `attempt-${n}`);
  await makeRunDir(runDir, target);
  claimRunTree(target);
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
