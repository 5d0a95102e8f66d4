import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { abortTag, childController, describeAbort, formatDuration, TaggedAbort } from '../core/abort.js';
import type { RunId, TaskId } from '../core/ids.js';
import { packageRoot } from '../core/package-info.js';
import { processesWorkingIn, terminate } from '../core/process-tree.js';
import type { AgentBackend } from '../backends/backend.js';
import { CodexExecBackend } from '../backends/codex-exec.js';
import { writeCodexHome } from '../backends/codex-home.js';
import { CodexMcpBackend } from '../backends/codex-mcp.js';
import type { AnalyzedGraph, AnalyzedTask } from '../graph/analyzed.js';
import { backoffMs, schedule, type ScheduleState } from '../scheduler/scheduler.js';
import { RunLayout } from '../store/layout.js';
import type { Manifest, RunStatus } from '../store/manifest.js';
import { parseRoleText, sectionFor } from '../roles/instructions.js';
import type { RunLock } from '../store/run-lock.js';
import type { RunWriter } from '../store/run-writer.js';
import { Worktrees } from '../workspace/worktrees.js';
import type { EngineObserver } from './events.js';
import type { ModelSession } from './model-access.js';
import { runTaskAttempt } from './task-runner.js';

/**
 * The part of a run that a new run and a resumed one share: from a manifest on disk (held under
 * the run lock) to the final manifest. Starts the Codex backend, drives the scheduler with one
 * worktree per task, builds the integration branch, writes the final status and releases the
 * lock. It owns the model session and the lock it is given, and closes both.
 */

export interface DriveOptions {
  readonly graph: AnalyzedGraph;
  readonly writer: RunWriter;
  readonly lock: RunLock;
  readonly model: ModelSession;
  readonly env: NodeJS.ProcessEnv;
  readonly signal: AbortSignal;
  readonly observer: EngineObserver;
  readonly keepWorktrees: boolean;
  readonly heartbeatMs: number;
  /** Task states carried over from an earlier session of the run (resume); others start pending. */
  readonly initial?: ReadonlyMap<TaskId, ScheduleState>;
}

export async function driveRun(o: DriveOptions): Promise<Manifest> {
  const { graph, writer, observer } = o;
  const m = writer.manifest;
  const runDir = writer.runDir;
  const heartbeat = setInterval(() => writer.update((x) => (x.heartbeatAt = new Date().toISOString())), o.heartbeatMs);
  heartbeat.unref();
  const codexHome = RunLayout.codexHome(runDir);
  const onStderr = (text: string): void => {
    for (const line of text.split('\n')) if (line.trim()) writer.log(`codex: ${line.trim()}`);
  };
  let backend: AgentBackend | undefined;
  const worktrees = new Worktrees(m.repo.root, m.runId as RunId, m.repo.baseCommit, RunLayout.worktrees(runDir));
  const byId = new Map<TaskId, AnalyzedTask>(graph.tasks.map((t) => [t.id, t]));
  const instructions = roleInstructions();
  // Attempts are numbered across sessions of the run: a resumed task's next attempt follows its last.
  const earlier = new Map(m.tasks.map((t) => [t.id, t.attempts.length]));

  // This session's limit, if the graph sets one: tagged, so tasks and the final status can say so.
  const { controller: session, dispose } = childController(o.signal);
  const runTimeoutMs = graph.settings.runTimeoutMs;
  const runTimer =
    runTimeoutMs === undefined ? undefined : setTimeout(() => session.abort(new TaggedAbort({ kind: 'run-timeout', timeoutMs: runTimeoutMs })), Math.min(runTimeoutMs, 2 ** 31 - 1));
  const signal = session.signal;

  let states: ReadonlyMap<TaskId, ScheduleState> | undefined;
  let internalError: Error | undefined;
  try {
    await writeCodexHome(codexHome, o.model.access);
    backend =
      m.settings.backend === 'codex-mcp' ? new CodexMcpBackend({ codexHome, env: o.env, onStderr }) : new CodexExecBackend({ codexHome, env: o.env, onStderr });
    const ctx = { writer, backend, worktrees, observer, instructions, keepWorktrees: o.keepWorktrees };
    const outcome = await schedule(
      graph.tasks,
      {
        execute: (task, attempt, signal) => runTaskAttempt(ctx, byId.get(task.id) as AnalyzedTask, { n: (earlier.get(task.id) ?? 0) + attempt, local: attempt }, signal),
        onSkipped: (task, blockedBy) => {
          const blocker = writer.task(blockedBy);
          const message = `not run: dependency "${blockedBy}" ${blocker.status === 'skipped' ? 'was skipped' : `did not succeed (${blocker.status})`}`;
          writer.updateTask(task.id, (t) => {
            t.status = 'skipped';
            t.reason = 'dependency-failed';
            t.message = message;
          });
          writer.log(`task ${task.id}: skipped, ${message}`);
          observer({ type: 'task-skipped', taskId: task.id, blockedBy });
        },
        onRetry: (task, attempt, delayMs) => {
          writer.log(`task ${task.id}: retrying in ${formatDuration(delayMs)} (retry ${attempt} of ${task.retries})`);
        },
        onAwaitingApproval: (task) => {
          writer.updateTask(task.id, (t) => (t.status = 'awaiting-approval'));
          writer.log(`task ${task.id}: gate awaits approval`);
          observer({ type: 'task-awaiting-approval', taskId: task.id });
        },
      },
      {
        concurrency: m.settings.concurrency,
        signal,
        retryDelayMs: (retry) => backoffMs(retry, graph.settings.retryBackoffMs),
        ...(o.initial ? { initial: o.initial } : {}),
      },
    );
    states = outcome.states;
  } catch (e) {
    internalError = e instanceof Error ? e : new Error(String(e));
    writer.log(`internal error: ${internalError.stack ?? internalError.message}`);
  } finally {
    clearInterval(heartbeat);
    clearTimeout(runTimer);
    dispose();
    await backend?.close();
    await o.model.close();
    // Last sweep: nothing the agents started may outlive the run, orphaned or not.
    await terminate(processesWorkingIn(RunLayout.worktrees(runDir)), 300);
  }

  // Tasks the stop or the run timeout caught before they started (or while they waited to retry).
  for (const t of writer.manifest.tasks) {
    if ((t.status === 'pending' || t.status === 'running') && states?.get(t.id as TaskId) === 'cancelled') {
      const what = t.status === 'running' ? 'retried' : 'started';
      writer.updateTask(t.id, (r) => {
        r.status = 'cancelled';
        r.reason = 'cancelled';
        r.message = `not ${what}: ${describeAbort(signal)}`;
      });
    }
  }

  const succeeded = graph.order.map((id) => writer.task(id)).filter((t) => t.status === 'succeeded' && t.resultCommit);
  if (succeeded.length > 0) {
    try {
      const integration = await worktrees.integrate(succeeded.map((t) => ({ taskId: t.id as TaskId, commit: t.resultCommit as string })));
      writer.update((x) => (x.integration = { ...integration, merged: [...integration.merged], skipped: [...integration.skipped] }));
      writer.log(`integration branch ${integration.branch} at ${integration.commit}: ${integration.merged.length} task(s) merged${integration.skipped.length ? `, ${integration.skipped.length} left out` : ''}`);
    } catch (e) {
      writer.log(`could not build the integration branch: ${(e as Error).message}`);
    }
  }
  await worktrees.prune();
  if (!o.keepWorktrees) await rm(RunLayout.worktrees(runDir), { recursive: true, force: true });

  const { status, message } = finalStatus(writer.manifest, signal, internalError);
  const finishedAt = new Date();
  writer.update((x) => {
    x.status = status;
    if (message) x.message = message;
    else delete x.message;
    x.finishedAt = finishedAt.toISOString();
    x.heartbeatAt = finishedAt.toISOString();
    x.durationMs = finishedAt.getTime() - new Date(x.startedAt).getTime();
  });
  writer.log(`run ${m.runId} ${status}${message ? `: ${message}` : ''}`);
  try {
    await writer.flush();
  } finally {
    await o.lock.release();
  }
  observer({ type: 'run-finished', runId: m.runId, status, manifest: RunLayout.manifest(runDir), message });
  return writer.manifest as Manifest;
}

function finalStatus(m: Readonly<Manifest>, signal: AbortSignal, internalError: Error | undefined): { status: RunStatus; message: string | undefined } {
  if (internalError) return { status: 'failed', message: `internal error: ${internalError.message} (see runner.log)` };
  const tag = abortTag(signal);
  if (signal.aborted && tag?.kind === 'stop') return { status: 'stopped', message: `${describeAbort(signal)}; continue it with: codex-orchestrator resume ${m.runId}` };
  if (signal.aborted && tag?.kind === 'run-timeout') return { status: 'failed', message: `${describeAbort(signal)}; continue it with: codex-orchestrator resume ${m.runId}` };
  const c = m.counts;
  const bad = c.failed + c.cancelled + c.rejected;
  if (bad > 0) return { status: 'failed', message: `${bad} task(s) failed${c.skipped ? `, ${c.skipped} skipped` : ''}` };
  if (c['awaiting-approval'] > 0) return { status: 'awaiting-approval', message: `${c['awaiting-approval']} gate(s) await approval` };
  return { status: 'succeeded', message: undefined };
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
