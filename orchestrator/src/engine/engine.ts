import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { abortTag, describeAbort, TaggedAbort } from '../core/abort.js';
import { ZERO_USAGE } from '../core/events.js';
import { newRunId, type RunId, type TaskId } from '../core/ids.js';
import { orchestratorVersion, packageRoot } from '../core/package-info.js';
import { processesWorkingIn, terminate } from '../core/process-tree.js';
import { err, ok, type Result } from '../core/result.js';
import type { AgentBackend } from '../backends/backend.js';
import { codexVersion } from '../backends/codex-binary.js';
import { CodexExecBackend } from '../backends/codex-exec.js';
import { makePrivateCodexHome, sweepAbandonedCodexHomes, writeCodexHome } from '../backends/codex-home.js';
import { CodexMcpBackend } from '../backends/codex-mcp.js';
import type { AnalyzedGraph, AnalyzedTask } from '../graph/analyzed.js';
import type { Backend } from '../graph/schema.js';
import { schedule, type ScheduleState } from '../scheduler/scheduler.js';
import { RunLayout } from '../store/layout.js';
import { countTasks, MANIFEST_SCHEMA_VERSION, type Manifest, type RunStatus } from '../store/manifest.js';
import { RunWriter } from '../store/run-writer.js';
import type { AtomicWrite } from '../store/atomic.js';
import { collectSecrets } from '../store/secrets/sources.js';
import { Redactor } from '../store/secrets/redactor.js';
import { describeStoreFailure, type StoreFailure } from '../store/store-failure.js';
import { readRunIndex, settledRuns } from '../store/run-index.js';
import { sweepAbandonedTemps } from '../store/temp-sweep.js';
import { hasUncommittedChanges, repoRootOf, resolveCommit } from '../workspace/git.js';
import { Worktrees } from '../workspace/worktrees.js';
import type { EngineObserver } from './events.js';
import { openModelSession } from './model-access.js';
import { runTaskAttempt } from './task-runner.js';

/**
 * Runs an analyzed graph end to end: run folder and manifest, model and Codex backend, the
 * scheduler with one worktree per task, the integration branch, and the final manifest.
 */

export interface RunOptions {
  readonly graph: AnalyzedGraph;
  readonly runsDir: string;
  readonly runId?: RunId;
  readonly backend?: Backend;
  readonly concurrency?: { readonly builder?: number; readonly tester?: number };
  readonly env?: NodeJS.ProcessEnv;
  /** Fires to stop the run (tagged `stop`). */
  readonly signal: AbortSignal;
  readonly observer?: EngineObserver;
  /** Keep the task worktrees, and the run's private CODEX_HOME, for debugging. */
  readonly keepWorktrees?: boolean;
  readonly offlineLatencyMs?: number;
  readonly heartbeatMs?: number;
  /**
   * Use this folder as the run's CODEX_HOME and leave it in place (benchmarks read Codex's session
   * files from it). By default the run makes a private temporary one and removes it at the end.
   */
  readonly codexHome?: string;
  /** How the run store replaces files atomically (tests inject write failures here). */
  readonly atomicWrite?: AtomicWrite;
}

/** Why a run could not start. Nothing is written when one of these comes back. */
export type RunSetupFailure =
  | { readonly reason: 'not-a-git-repo'; readonly dir: string }
  | { readonly reason: 'bad-base-ref'; readonly ref: string; readonly repo: string }
  | { readonly reason: 'run-exists'; readonly runId: string };

/**
 * The run could not write its records (see StoreFailure) and stopped; the manifest on disk is the
 * last good one (`started`), or the run folder was still being set up (`!started`).
 */
export type RunStoreFailure = { readonly reason: 'store-failed'; readonly runId: RunId; readonly failure: StoreFailure; readonly started: boolean };

export type RunFailure = RunSetupFailure | RunStoreFailure;

/** Set CODEX_ORCHESTRATOR_KEEP_CODEX_HOME=1 to keep the run's private CODEX_HOME (its path is in runner.log). */
export const KEEP_CODEX_HOME_ENV = 'CODEX_ORCHESTRATOR_KEEP_CODEX_HOME';

export async function executeRun(options: RunOptions): Promise<Result<Manifest, RunFailure>> {
  const { graph } = options;
  const env = options.env ?? process.env;
  const redactor = Redactor.from(collectSecrets(env, { patterns: graph.settings.secrets.patterns, envNames: graph.settings.secrets.env }));
  const observe = options.observer ?? (() => undefined);
  // What observers show (terminal, CI logs) is kept as free of secrets as the files are.
  const observer: EngineObserver = redactor.empty ? observe : (e) => observe(redactor.json(e));
  const repoDir = graph.settings.repo ?? path.dirname(graph.file);
  const repoRoot = await repoRootOf(repoDir);
  if (!repoRoot) return err({ reason: 'not-a-git-repo', dir: repoDir });
  const baseCommit = await resolveCommit(repoRoot, graph.settings.baseRef);
  if (!baseCommit) return err({ reason: 'bad-base-ref', ref: graph.settings.baseRef, repo: repoRoot });
  const runId = options.runId ?? newRunId();
  const runDir = RunLayout.runDir(options.runsDir, runId);
  if (existsSync(RunLayout.manifest(runDir))) return err({ reason: 'run-exists', runId });

  const backendName = options.backend ?? graph.settings.backend;
  const concurrency = {
    builder: options.concurrency?.builder ?? graph.settings.concurrency.builder,
    tester: options.concurrency?.tester ?? graph.settings.concurrency.tester,
  };
  const codex = await codexVersion();
  const model = await openModelSession(env, options.offlineLatencyMs);
  const now = new Date().toISOString();
  const tasks: Manifest['tasks'] = graph.tasks.map((t) => ({ id: t.id, title: t.title, role: t.role, deps: [...t.deps], status: 'pending', attempts: [], artifacts: {} }));
  const manifest: Manifest = {
    schemaVersion: MANIFEST_SCHEMA_VERSION,
    runId,
    status: 'running',
    graph: { path: graph.file, sha256: graph.sha256, name: graph.name, copy: 'graph.yaml' },
    repo: { root: repoRoot, baseRef: graph.settings.baseRef, baseCommit },
    settings: { backend: backendName, concurrency },
    model: { kind: model.kind, name: model.name },
    tools: { orchestrator: orchestratorVersion(), codex, node: process.versions.node },
    process: { pid: process.pid, hostname: hostname() },
    startedAt: now,
    heartbeatAt: now,
    counts: countTasks(tasks),
    usage: { ...ZERO_USAGE },
    runnerLog: 'runner.log',
    tasks,
  };
  let writer: RunWriter;
  try {
    const created = await RunWriter.create(options.runsDir, runDir, manifest, graph.source, {
      redactor,
      ...(options.atomicWrite ? { atomicWrite: options.atomicWrite } : {}),
    });
    if (!created.ok) {
      await model.close();
      return err({ reason: 'store-failed', runId, failure: created.error, started: false });
    }
    writer = created.value;
  } catch (e) {
    await model.close();
    throw e;
  }
  // The run stops when it can no longer keep its records; the last good manifest stays.
  const storeStop = new AbortController();
  writer.onStoreFailure((f) => storeStop.abort(new TaggedAbort({ kind: 'store-failed', message: describeStoreFailure(f) })));
  const signal = AbortSignal.any([options.signal, storeStop.signal]);
  writer.log(`run ${runId} started: graph ${graph.file} (sha256 ${graph.sha256}), base ${graph.settings.baseRef} = ${baseCommit}`);
  writer.log(`model: ${model.kind} (${model.name}); backend: ${backendName}; concurrency builder ${concurrency.builder}, tester ${concurrency.tester}`);
  observer({ type: 'run-started', runId, runDir, manifest: RunLayout.manifest(runDir), tasks: graph.tasks.length, model: `${model.kind} (${model.name})`, backend: backendName });
  if (await hasUncommittedChanges(repoRoot)) {
    const message = `uncommitted changes in ${repoRoot} are not part of this run; tasks start from ${graph.settings.baseRef} (${baseCommit.slice(0, 12)})`;
    writer.log(`note: ${message}`);
    observer({ type: 'notice', message });
  }

  if (graph.source !== redactor.text(graph.source)) writer.log('graph.yaml: secrets in the graph are redacted in this copy, so its sha256 differs from the graph file\'s');
  const swept = await sweepAbandonedTemps(options.runsDir, settledRuns(await readRunIndex(options.runsDir)));
  if (swept.length > 0) writer.log(`swept ${swept.length} temp file(s) left by interrupted writes: ${swept.map((f) => path.relative(options.runsDir, f)).join(', ')}`);

  const heartbeat = setInterval(() => writer.update((m) => (m.heartbeatAt = new Date().toISOString())), options.heartbeatMs ?? 2000);
  heartbeat.unref();
  const keepCodexHome = options.codexHome !== undefined || options.keepWorktrees === true || env[KEEP_CODEX_HOME_ENV] === '1';
  const abandoned = await sweepAbandonedCodexHomes();
  if (abandoned.length > 0) writer.log(`removed ${abandoned.length} private CODEX_HOME folder(s) left by runs that were killed`);
  const codexHome = options.codexHome ?? (await makePrivateCodexHome());
  if (options.codexHome) await mkdir(codexHome, { recursive: true, mode: 0o700 });
  await writeCodexHome(codexHome, model.access);
  if (keepCodexHome) writer.log(`CODEX_HOME ${codexHome} (kept after the run; it holds Codex's unredacted transcripts)`);
  const stderrLog = codexStderrLog(redactor, writer);
  const onStderr = (text: string): void => stderrLog.write(text);
  const backend: AgentBackend =
    backendName === 'codex-mcp' ? new CodexMcpBackend({ codexHome, env, onStderr }) : new CodexExecBackend({ codexHome, env, onStderr });
  const worktrees = new Worktrees(repoRoot, runId, baseCommit, RunLayout.worktrees(runDir));
  const byId = new Map<TaskId, AnalyzedTask>(graph.tasks.map((t) => [t.id, t]));
  const instructions = roleInstructions();

  let states: ReadonlyMap<TaskId, ScheduleState> | undefined;
  let internalError: Error | undefined;
  try {
    const outcome = await schedule(
      graph.tasks,
      {
        execute: (task, attempt, signal) =>
          runTaskAttempt({ writer, backend, worktrees, observer, instructions, keepWorktrees: options.keepWorktrees ?? false, env }, byId.get(task.id) as AnalyzedTask, attempt, signal),
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
        onAwaitingApproval: (task) => {
          writer.updateTask(task.id, (t) => (t.status = 'awaiting-approval'));
          writer.log(`task ${task.id}: gate awaits approval`);
          observer({ type: 'task-awaiting-approval', taskId: task.id });
        },
      },
      { concurrency, signal },
    );
    states = outcome.states;
  } catch (e) {
    internalError = e instanceof Error ? e : new Error(String(e));
    writer.log(`internal error: ${internalError.stack ?? internalError.message}`);
  } finally {
    clearInterval(heartbeat);
    await backend.close();
    await model.close();
    stderrLog.end();
    // Last sweep: nothing the agents started may outlive the run, orphaned or not.
    await terminate(processesWorkingIn(RunLayout.worktrees(runDir)), 300);
    if (!keepCodexHome) await rm(codexHome, { recursive: true, force: true });
  }

  if (writer.failure) {
    // Nothing more is recorded: the manifest on disk stays the last good one, for resume.
    await worktrees.prune();
    if (!options.keepWorktrees) await rm(RunLayout.worktrees(runDir), { recursive: true, force: true });
    writer.log(`run ${runId} stopped: ${describeStoreFailure(writer.failure)}`);
    writer.close();
    observer({ type: 'run-finished', runId, status: 'failed', manifest: RunLayout.manifest(runDir), message: describeStoreFailure(writer.failure) });
    return err({ reason: 'store-failed', runId, failure: writer.failure, started: true });
  }

  // Tasks the stop caught before they started.
  for (const t of writer.manifest.tasks) {
    if (t.status === 'pending' && states?.get(t.id as TaskId) === 'cancelled') {
      writer.updateTask(t.id, (r) => {
        r.status = 'cancelled';
        r.reason = 'cancelled';
        r.message = 'not started: the run was stopped';
      });
    }
  }

  const succeeded = graph.order.map((id) => writer.task(id)).filter((t) => t.status === 'succeeded' && t.resultCommit);
  if (succeeded.length > 0) {
    try {
      const integration = await worktrees.integrate(succeeded.map((t) => ({ taskId: t.id as TaskId, commit: t.resultCommit as string })));
      writer.update((m) => (m.integration = { ...integration, merged: [...integration.merged], skipped: [...integration.skipped] }));
      writer.log(`integration branch ${integration.branch} at ${integration.commit}: ${integration.merged.length} task(s) merged${integration.skipped.length ? `, ${integration.skipped.length} left out` : ''}`);
    } catch (e) {
      writer.log(`could not build the integration branch: ${(e as Error).message}`);
    }
  }
  await worktrees.prune();
  if (!options.keepWorktrees) await rm(RunLayout.worktrees(runDir), { recursive: true, force: true });

  const { status, message } = finalStatus(writer.manifest, options.signal, internalError);
  const finishedAt = new Date();
  writer.update((m) => {
    m.status = status;
    if (message) m.message = message;
    m.finishedAt = finishedAt.toISOString();
    m.heartbeatAt = finishedAt.toISOString();
    m.durationMs = finishedAt.getTime() - new Date(m.startedAt).getTime();
  });
  writer.log(`run ${runId} ${status}${message ? `: ${message}` : ''}`);
  await writer.flush();
  writer.close();
  if (writer.failure) return err({ reason: 'store-failed', runId, failure: writer.failure, started: true });
  observer({ type: 'run-finished', runId, status, manifest: RunLayout.manifest(runDir), message });
  // The caller prints it: the same redacted values as on disk.
  return ok(redactor.json(writer.manifest as Manifest));
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

function finalStatus(m: Readonly<Manifest>, signal: AbortSignal, internalError: Error | undefined): { status: RunStatus; message: string | undefined } {
  if (internalError) return { status: 'failed', message: `internal error: ${internalError.message} (see runner.log)` };
  const tag = abortTag(signal);
  if (signal.aborted && tag?.kind === 'stop') return { status: 'stopped', message: describeAbort(signal) };
  const c = m.counts;
  const bad = c.failed + c.cancelled + c.rejected;
  if (bad > 0) return { status: 'failed', message: `${bad} task(s) failed${c.skipped ? `, ${c.skipped} skipped` : ''}` };
  if (c['awaiting-approval'] > 0) return { status: 'awaiting-approval', message: `${c['awaiting-approval']} gate(s) await approval` };
  return { status: 'succeeded', message: undefined };
}

/** Role instructions from `agents/<role>.md`, given to Codex as developer instructions. */
function roleInstructions(): (role: AnalyzedTask['role']) => string | undefined {
  const cache = new Map<string, string | undefined>();
  return (role) => {
    if (!cache.has(role)) {
      const file = path.join(packageRoot(), 'agents', `${role}.md`);
      cache.set(role, existsSync(file) ? readFileSync(file, 'utf8') : undefined);
    }
    return cache.get(role);
  };
}
