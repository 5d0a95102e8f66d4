import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { abortTag, childController, describeAbort, formatDuration, TaggedAbort } from '../../core/abort.js';
import type { RunId, TaskId } from '../../core/ids.js';
import { packageRoot } from '../../core/package-info.js';
import { descendantsOf, processesWorkingIn, terminate } from '../../core/process-tree.js';
import { err, ok, type Result } from '../../core/result.js';
import type { AgentBackend } from '../../backends/backend.js';
import { CodexExecBackend } from '../../backends/codex-exec.js';
import type { AnalyzedGraph, AnalyzedTask } from '../../graph/analyzed.js';
import { effectiveTask } from '../../review/retry.js';
import { projectKeys, renderSealWriteFailure, sealRun } from '../../review/seal.js';
import { backoffMs, schedule, type GateDecisions } from '../../scheduler/scheduler.js';
import { RunLayout, worktreesOf } from '../../store/layout.js';
import { describeCounts, awaitingText, settledRunStatus, type Manifest, type RunFailureReason, type RunStatus } from '../../store/manifest.js';
import { parseRoleText, sectionFor } from '../../roles/instructions.js';
import type { RunLock } from '../../store/run-lock.js';
import type { RunWriter } from '../../store/run-writer.js';
import type { Redactor } from '../../store/secrets/redactor.js';
import { describeStoreFailure, type StoreFailure } from '../../store/store-failure.js';
import { EscapeWatch } from '../../workspace/escape-watch.js';
import { Worktrees } from '../../workspace/worktrees.js';
import { TaskEnvironments } from '../../workspace/environment.js';
import { checkoutFreeEnv } from '../../workspace/command-env.js';
import { Budget } from '../live/budget.js';
import type { CodexSession } from '../session/codex-session.js';
import type { EngineObserver } from './events.js';
import { watchInbox } from '../live/live-requests.js';
import type { ModelSession } from '../session/model-access.js';
import { RoleAgents } from '../session/role-agents.js';
import { runTaskAttempt, type TaskRunContext } from '../attempt/task-runner.js';
import { reopenStaleDependents } from './stale.js';
import { scheduleStateOf } from './schedule-state.js';
import { told } from './tell.js';
import { changedTasks, fanOut } from './fan-out.js';

/**
 * The part of a run that a new run and a resumed one share: from a manifest on disk (held under
 * the run lock) to the final manifest. Drives the scheduler with one worktree per task, builds the
 * integration branch, writes the final status and releases the lock. It owns the model session,
 * the Codex session (`codex-session.ts`) and the lock it is given, and closes them.
 *
 * When the run can no longer write its records (a StoreFailure: a full disk, a planted link) it
 * stops at once and writes nothing more, so the manifest on disk stays the last good one; that
 * comes back as the failure, for the caller to say so.
 */

/** What a `run` and a `resume` are both given: the session's process-level settings. */
export interface SessionOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** Fires to stop the run (tagged `stop`). */
  readonly signal: AbortSignal;
  readonly observer?: EngineObserver;
  /** Keep the task worktrees, and the run's private CODEX_HOME, for debugging. */
  readonly keepWorktrees?: boolean;
  readonly offlineLatencyMs?: number;
  readonly heartbeatMs?: number;
  /** Wait for reviewers at gates (default) or end the session `awaiting-approval`. */
  readonly waitAtGates?: boolean;
}

/** A session's settings for `driveRun`, with their defaults: the one place they are decided. */
export function sessionSettings(o: SessionOptions): Pick<DriveOptions, 'signal' | 'keepWorktrees' | 'heartbeatMs' | 'waitAtGates'> {
  return { signal: o.signal, keepWorktrees: o.keepWorktrees ?? false, heartbeatMs: o.heartbeatMs ?? 2000, waitAtGates: o.waitAtGates ?? true };
}

/** The session's observer, seeing events through the run's redactor (terminal, CI logs stay as free of secrets as the files). */
export function redactedObserver(redactor: Redactor, observer: EngineObserver | undefined): EngineObserver {
  const observe = observer ?? (() => undefined);
  return redactor.empty ? observe : (e) => observe(redactor.json(e));
}

export interface DriveOptions {
  readonly graph: AnalyzedGraph;
  readonly writer: RunWriter;
  readonly lock: RunLock;
  readonly model: ModelSession;
  /** Started by the caller as early as it could, on `model`. */
  readonly codex: CodexSession;
  /** The run's worktrees, their pool warmed by the caller as early as it could (`Worktrees.warm`); else made here. */
  readonly worktrees?: Worktrees;
  readonly env: NodeJS.ProcessEnv;
  readonly signal: AbortSignal;
  readonly observer: EngineObserver;
  readonly keepWorktrees: boolean;
  readonly heartbeatMs: number;
  /**
   * Whether the run waits for reviewers when only gates are left (approve/reject reach it through
   * its inbox), or ends `awaiting-approval` so that `resume` continues it after the decision.
   */
  readonly waitAtGates: boolean;
}

export async function driveRun(o: DriveOptions): Promise<Result<Manifest, StoreFailure>> {
  const { writer, observer } = o;
  // The graph as it runs: a fan-out grows it (`fan-out.ts`), and what reads it reads this one.
  let graph = o.graph;
  const m = writer.manifest;
  const runDir = writer.runDir;
  const worktreesDir = worktreesOf(m, runDir);
  // The observers follow the run's events (the events say it in runner.log themselves).
  writer.onEvent((event, state, was) => {
    for (const e of told(event, state, was, process.pid)) observer(e);
  });
  // The heartbeat pauses while the run waits for reviewers, so the manifest stays as sealed.
  let heartbeat: NodeJS.Timeout | undefined;
  const beat = (on: boolean): void => {
    if (on && !heartbeat) {
      heartbeat = setInterval(() => writer.beat(), o.heartbeatMs);
      heartbeat.unref();
    } else if (!on && heartbeat) {
      clearInterval(heartbeat);
      heartbeat = undefined;
    }
  };
  beat(true);
  const keys = projectKeys(writer.runsDir, o.env);
  let stopInbox: (() => Promise<void>) | undefined;
  const gates: GateDecisions = {
    wait: o.waitAtGates,
    subscribe: (listener) => {
      stopInbox = watchInbox({ writer, keys, changed: listener });
      return () => undefined;
    },
    onIdle: (awaiting) => {
      beat(false);
      const message = `waiting for ${awaiting.every((id) => writer.task(id).role === 'manual') ? 'an operator' : 'a reviewer'}: ${awaitingText(writer.manifest.tasks, awaiting)}`;
      writer.apply({ kind: 'run-waiting', message, awaiting: [...awaiting] });
      void writer
        .flush()
        // A writer that stopped (a full disk, a lost lock) leaves the run as it is: no seal.
        .then(() => (writer.failure ? undefined : sealRun(runDir, keys)))
        .catch((e: unknown) => writer.log(`could not seal the waiting run: ${(e as Error).message}`));
    },
    onBusy: () => {
      writer.apply({ kind: 'run-busy' });
      beat(true);
    },
  };
  const stderrLog = codexStderrLog(writer.redactor, writer);
  const onStderr = (text: string): void => stderrLog.write(text);
  o.codex.stderrTo(onStderr);
  const { codexHome, main } = o.codex;
  let resumer: AgentBackend | undefined;
  let agents: RoleAgents | undefined;
  const budget = new Budget(writer, observer);
  const worktrees = o.worktrees ?? new Worktrees(m.repo.root, m.runId as RunId, m.repo.baseCommit, worktreesDir, m.repo.worktrees === undefined ? undefined : graph.settings.keptWorktrees);
  const escapeWatch = await EscapeWatch.open(m.repo.root, runDir);
  const byId = new Map<TaskId, AnalyzedTask>(graph.tasks.map((t) => [t.id, t]));
  const grow = (grown: AnalyzedGraph): AnalyzedTask[] => {
    const changed = changedTasks(graph, grown);
    graph = grown;
    for (const t of grown.tasks) byId.set(t.id, t);
    return changed;
  };
  // A task as it runs now: the graph's, with the settings a `retry --reload` changed.
  const current = (id: TaskId): AnalyzedTask => effectiveTask(byId.get(id) as AnalyzedTask, writer.task(id).overrides);
  const instructions = roleInstructions();
  const staleOnEnd = new Map<string, string[]>();

  // This session's limit, if the graph sets one: tagged, so tasks and the final status can say so.
  const { controller: session, dispose } = childController(o.signal);
  // The run stops when it can no longer keep its records; the last good manifest stays.
  writer.onStoreFailure((f) => session.abort(new TaggedAbort({ kind: 'store-failed', message: describeStoreFailure(f) })));
  const runTimeoutMs = graph.settings.runTimeoutMs;
  const runTimer = runTimeoutMs === undefined ? undefined : setTimeout(() => session.abort(new TaggedAbort({ kind: 'run-timeout', timeoutMs: runTimeoutMs })), Math.min(runTimeoutMs, 2 ** 31 - 1));
  const signal = session.signal;

  let notStarted = 0;
  let internalError: Error | undefined;
  try {
    // A thread of an earlier session lived in that session's `codex mcp-server`, which is gone:
    // its follow-ups continue it with `codex exec resume` (same CODEX_HOME). `codex exec` and
    // `codex app-server` (`thread/resume`) continue any thread of the CODEX_HOME themselves.
    const threadsHere = new Set<string>();
    const backendFor = (threadId: string | undefined): AgentBackend => {
      if (threadId === undefined || main.name !== 'codex-mcp' || threadsHere.has(threadId)) return main;
      return (resumer ??= new CodexExecBackend({ codexHome, env: checkoutFreeEnv(o.env, m.repo.root), onStderr }));
    };
    if (m.settings.agents === true) {
      agents = await RoleAgents.open({ access: o.model.access, writer, env: o.env, codexHome });
      writer.log(`agents: builders and testers work through their role agents (model ${agents.model}); spans in ${path.basename(RunLayout.trace(runDir))}`);
    } else {
      const why = m.model.kind === 'codex-login' ? '; the role agents need the OpenAI API, and a Codex sign-in is for Codex alone' : '';
      writer.log(`agents: off (each task's prompt goes straight to Codex; nothing is judged; triage by rules${why})`);
    }
    const ctx: TaskRunContext = {
      writer,
      codexHome,
      backendFor,
      threadStarted: (id) => void threadsHere.add(id),
      worktrees,
      escapeWatch,
      observer,
      instructions,
      keepWorktrees: o.keepWorktrees,
      env: o.env,
      setup: { environments: await TaskEnvironments.open(worktreesDir, graph.settings.setupCache), writer, env: o.env, setupTimeoutMs: graph.settings.setupTimeoutMs },
      agents,
      budget,
      runSignal: signal,
    };
    await schedule(
      graph.tasks,
      {
        stateOf: (task) => scheduleStateOf(writer.task(task.id)),
        // Attempts are numbered over the task's whole history (earlier sessions, rework included).
        execute: async (task, attempt, signal, clock) => {
          // A fan-out's first turn grows the graph; it runs after the steps it added.
          if (task.fanOut !== undefined && writer.task(task.id).expansion === undefined) {
            const grown = await fanOut(writer, graph, current(task.id));
            return grown.ok ? { status: 'expanded', tasks: grow(grown.value) } : { status: 'failed', next: 'end' };
          }
          const result = await runTaskAttempt(ctx, current(task.id), { n: writer.task(task.id).attempts.length + 1, local: attempt }, signal, clock);
          const ended = result.status !== 'failed' || result.next === 'end' || result.next === 'rework';
          const because = ended ? staleOnEnd.get(task.id) : undefined;
          if (ended) staleOnEnd.delete(task.id);
          // It ran on a result that changed meanwhile: it runs again (as a tester does after its builders' rework), before anything runs on what it made.
          if (because && result.status !== 'cancelled' && !(result.status === 'failed' && result.next === 'rework') && !signal.aborted && !budget.reached) {
            writer.apply({ kind: 'task-reopened', task: task.id, why: 'stale', because });
            return { status: 'failed', next: 'rework' };
          }
          // A changed result makes what ran on the old one stale: it runs again.
          if (result.status === 'succeeded') await reopenStaleDependents({ writer, graph, staleOnEnd }, task.id);
          return result;
        },
        limitsOf: (task) => current(task.id),
        onNotNeeded: (task) => {
          const message = `not needed: ${task.deps.length === 1 ? `${task.deps[0]} succeeded` : `${task.deps.join(', ')} all succeeded`}, so there is nothing to roll back`;
          writer.apply({ kind: 'task-skipped', task: task.id, reason: 'not-needed', message });
        },
        onReleased: (task) => {
          writer.apply({ kind: 'task-reopened', task: task.id, why: 'dependency-again' });
        },
        onSkipped: (task, blockedBy) => {
          const blocker = writer.task(blockedBy);
          const message = `not run: dependency "${blockedBy}" ${blocker.status === 'skipped' ? 'was skipped' : `did not succeed (${blocker.status})`}`;
          writer.apply({ kind: 'task-skipped', task: task.id, reason: 'dependency-failed', message, blockedBy });
        },
        onRetry: (task, attempt, delayMs) => {
          writer.log(`task ${task.id}: retrying in ${formatDuration(delayMs)} (retry ${attempt} of ${task.retries})`);
        },
        onAwaitingApproval: (task) => {
          writer.apply({ kind: 'gate-waiting', task: task.id });
        },
        // Caught by the stop, the run timeout or the budget before it started (or while it waited to retry, or for its fix).
        onNotStarted: (task) => {
          const t = writer.task(task.id);
          if (t.status !== 'pending' && t.status !== 'running') return;
          const what = t.status === 'running' ? (t.followUp?.from === 'fix' ? 'fixed' : 'retried') : 'started';
          if (t.status === 'pending') notStarted++;
          const byBudget = !signal.aborted && budget.reached;
          writer.apply({
            kind: 'task-cancelled',
            task: t.id,
            reason: byBudget ? 'budget-exceeded' : 'cancelled',
            message: `not ${what}: ${byBudget ? 'the run reached its token budget (settings.maxTokens)' : describeAbort(signal)}`,
          });
        },
        // The fix or retry its attempt asked for, declined: the run was held or stopped meanwhile.
        onDeclined: (task) => {
          writer.apply({ kind: 'fix-declined', task: task.id });
        },
      },
      {
        concurrency: m.settings.concurrency,
        signal,
        retryDelayMs: (retry) => backoffMs(retry, graph.settings.retryBackoffMs),
        gates,
        hold: () => budget.reached,
      },
    );
  } catch (e) {
    internalError = e instanceof Error ? e : new Error(String(e));
    writer.log(`internal error: ${internalError.stack ?? internalError.message}`);
  } finally {
    beat(false);
    await stopInbox?.();
    clearTimeout(runTimer);
    dispose();
    // The agents' trace file is flushed while the model and Codex are still there.
    await agents?.close().catch((e: unknown) => writer.log(`could not close the agents' trace: ${(e as Error).message}`));
    await o.codex.close();
    await resumer?.close();
    await o.model.close();
    stderrLog.end();
    // Last sweep: nothing the agents started may outlive the run, orphaned or not. After the lock
    // was lost, only this process's own: the run's worktrees may be another's now.
    const left = processesWorkingIn(worktreesDir);
    const own = new Set(writer.failure?.reason === 'lock-lost' ? descendantsOf(process.pid) : left);
    await terminate(
      left.filter((pid) => own.has(pid)),
      300,
    );
  }

  if (writer.failure) {
    // Nothing more is recorded: the manifest on disk stays the last good one, for resume. After
    // the lock was lost, the run folder is another's: its worktrees stay as they are.
    if (writer.failure.reason !== 'lock-lost') {
      await worktrees.prune();
      if (!o.keepWorktrees) await worktrees.removeAll();
    }
    writer.log(`run ${m.runId} stopped: ${describeStoreFailure(writer.failure)}`);
    writer.close();
    await o.lock.release();
    observer({ type: 'run-finished', runId: m.runId, status: 'failed', manifest: RunLayout.manifest(runDir), message: describeStoreFailure(writer.failure) });
    return err(writer.failure);
  }

  const succeeded = graph.order.map((id) => writer.task(id)).filter((t) => (t.status === 'succeeded' || t.status === 'approved') && t.resultCommit);
  if (succeeded.length > 0) {
    try {
      const integration = await worktrees.integrate(succeeded.map((t) => ({ taskId: t.id as TaskId, commit: t.resultCommit as string })));
      writer.apply({ kind: 'integration-built', integration: { ...integration, merged: [...integration.merged], skipped: [...integration.skipped] } });
    } catch (e) {
      writer.log(`could not build the integration branch: ${(e as Error).message}`);
    }
  }
  await worktrees.prune();
  if (!o.keepWorktrees) await worktrees.removeAll();

  const { status, reason, message } = finalStatus(writer.manifest, signal, internalError, budget.reached ? budget.summary(notStarted) : undefined);
  writer.apply({ kind: 'run-finished', status, ...(reason ? { reason } : {}), ...(message ? { message } : {}) });
  try {
    await writer.flush();
    // Tamper evidence: every artifact's digest, signed with the project's key (`verify` checks it).
    const sealed = await sealRun(runDir, projectKeys(writer.runsDir, o.env));
    if (!sealed.ok) observer({ type: 'notice', message: renderSealWriteFailure(sealed.error, m.runId) });
  } finally {
    writer.close();
    await o.lock.release();
  }
  if (writer.failure) return err(writer.failure);
  observer({ type: 'run-finished', runId: m.runId, status, manifest: RunLayout.manifest(runDir), message });
  // The caller prints it: the same redacted values as on disk.
  return ok(writer.redactor.json(writer.manifest as Manifest));
}

/**
 * Codex's stderr, line by line into the runner log. Chunks are cut anywhere, so the text goes
 * through a stream redactor before it is split into lines.
 */
function codexStderrLog(redactor: Redactor, writer: RunWriter): { write(text: string): void; end(): void } {
  const stream = redactor.stream();
  let partial = '';
  const take = (text: string, final: boolean): void => {
    const lines = (partial + text).split('\n');
    partial = final ? '' : (lines.pop() ?? '');
    for (const line of lines) if (line.trim()) writer.log(`codex: ${line.trim()}`);
  };
  return {
    write: (text) => take(stream.push(text), false),
    end: () => take(stream.end(), true),
  };
}

interface FinalStatus {
  readonly status: RunStatus;
  readonly reason: RunFailureReason | undefined;
  readonly message: string | undefined;
}

/** How the session ends: a stop, the run's timeout, the budget, failed tasks, gates, or success. */
function finalStatus(m: Readonly<Manifest>, signal: AbortSignal, internalError: Error | undefined, budgetMessage: string | undefined): FinalStatus {
  if (internalError) return { status: 'failed', reason: 'internal-error', message: `internal error: ${internalError.message} (see runner.log)` };
  const tag = abortTag(signal);
  if (signal.aborted && tag?.kind === 'stop') return { status: 'stopped', reason: undefined, message: `${describeAbort(signal)}; continue it with: codex-orchestrator resume ${m.runId}` };
  if (signal.aborted && tag?.kind === 'run-timeout') return { status: 'failed', reason: 'run-timeout', message: `${describeAbort(signal)}; continue it with: codex-orchestrator resume ${m.runId}` };
  const c = m.counts;
  const bad = c.failed + c.cancelled + c.rejected;
  if (budgetMessage) return { status: 'failed', reason: 'budget-exceeded', message: `${budgetMessage}${bad > c.cancelled ? `; ${bad - c.cancelled} task(s) failed` : ''}` };
  const settled = settledRunStatus(c);
  if (settled.status === 'failed') return { ...settled, message: describeCounts(c) };
  if (settled.status === 'awaiting-approval')
    return {
      ...settled,
      message: awaitingText(
        m.tasks,
        m.tasks.filter((t) => t.status === 'awaiting-approval').map((t) => t.id),
      ),
    };
  return { ...settled, message: undefined };
}

/** The `## Codex` section of `agents/<role>.md`, given to Codex as developer instructions. */
function roleInstructions(): (role: AnalyzedTask['role']) => string | undefined {
  const cache = new Map<string, string | undefined>();
  return (role) => {
    if (!cache.has(role)) {
      const file = path.join(packageRoot(), 'agents', `${role}.md`);
      cache.set(role, existsSync(file) ? sectionFor(parseRoleText(readFileSync(file, 'utf8')), 'Codex') : undefined);
    }
    return cache.get(role);
  };
}
