import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { ZERO_USAGE } from '../../core/events.js';
import { newRunId, type RunId } from '../../core/ids.js';
import { orchestratorVersion } from '../../core/package-info.js';
import { err, type Result } from '../../core/result.js';
import { codexVersion } from '../../backends/codex-binary.js';
import type { AnalyzedGraph, GateApproval } from '../../graph/analyzed.js';
import type { Backend } from '../../graph/schema.js';
import type { AtomicWrite } from '../../store/atomic.js';
import { RunLayout } from '../../store/layout.js';
import { countTasks, MANIFEST_SCHEMA_VERSION, type Manifest, type TaskRecord } from '../../store/manifest.js';
import { makeRunDir } from '../../store/run-files.js';
import { readRunIndex, settledRuns } from '../../store/run-index.js';
import { acquireRunLock, type LockFailure } from '../../store/run-lock.js';
import { RunWriter } from '../../store/run-writer.js';
import { storeFailureOf, type StoreFailure } from '../../store/store-failure.js';
import { sweepAbandonedTemps } from '../../store/temp-sweep.js';
import { hasUncommittedChanges, repoRootOf, resolveCommit } from '../../workspace/git.js';
import { isInside, runWorktreesDir, worktreeRoot } from '../../workspace/worktree-root.js';
import { Worktrees } from '../../workspace/worktrees.js';
import { driveRun, redactedObserver, sessionSettings, type SessionOptions } from './drive.js';
import { codexTurnsAtOnce, startCodex, type CodexSession } from '../session/codex-session.js';
import { openModelSession, type ModelChoice, type ModelSession } from '../session/model-access.js';
import { runRedactor } from './run-redactor.js';
import { firstWaveWorktrees } from './worktree-pool.js';

/**
 * Starts a run of an analyzed graph: checks the repository and base, takes the run lock, writes
 * the run folder and first manifest, then drives the run to its end (`drive.ts`).
 */

export interface RunOptions extends SessionOptions {
  readonly graph: AnalyzedGraph;
  readonly runsDir: string;
  readonly runId?: RunId;
  readonly backend?: Backend;
  readonly concurrency?: { readonly builder?: number; readonly tester?: number };
  /** Whether builders and testers work through their role agents; default: the graph's `settings.agents` (true). */
  readonly agents?: boolean;
  /** The model, as `chooseModel` chose it; by default the machine's choice without a Codex sign-in. */
  readonly model?: ModelChoice;
  /**
   * Use this folder as the run's CODEX_HOME (benchmarks read Codex's session files from it). By
   * default the run has its own private one outside `.runs/` (see `codex-home-dir.ts`).
   */
  readonly codexHome?: string;
  /** How the run store replaces files atomically (tests inject write failures here). */
  readonly atomicWrite?: AtomicWrite;
}

/** Why a run could not start. Nothing is written when one of these comes back. */
export type RunSetupFailure =
  | { readonly reason: 'not-a-git-repo'; readonly dir: string }
  | { readonly reason: 'bad-base-ref'; readonly ref: string; readonly repo: string }
  | { readonly reason: 'run-exists'; readonly runId: string }
  | { readonly reason: 'run-locked'; readonly lock: LockFailure };

/**
 * The run could not write its records (see StoreFailure) and stopped; the manifest on disk is the
 * last good one (`started`), or the run folder was still being set up (`!started`).
 */
export type RunStoreFailure = { readonly reason: 'store-failed'; readonly runId: RunId; readonly failure: StoreFailure; readonly started: boolean };

export type RunFailure = RunSetupFailure | RunStoreFailure;

export async function executeRun(options: RunOptions): Promise<Result<Manifest, RunFailure>> {
  const { graph } = options;
  const env = options.env ?? process.env;
  const redactor = runRedactor(env, graph);
  const observer = redactedObserver(redactor, options.observer);
  const repoDir = graph.settings.repo ?? path.dirname(graph.file);
  const repoRoot = await repoRootOf(repoDir);
  if (!repoRoot) return err({ reason: 'not-a-git-repo', dir: repoDir });
  const baseCommit = await resolveCommit(repoRoot, graph.settings.baseRef);
  if (!baseCommit) return err({ reason: 'bad-base-ref', ref: graph.settings.baseRef, repo: repoRoot });
  const runId = options.runId ?? newRunId();
  const runDir = RunLayout.runDir(options.runsDir, runId);
  if (existsSync(RunLayout.manifest(runDir))) return err({ reason: 'run-exists', runId });
  try {
    // Made without passing through a link: the run lock and every file go inside it.
    await makeRunDir(options.runsDir, runDir);
  } catch (e) {
    const failure = storeFailureOf(e, runDir);
    if (!failure) throw e;
    return err({ reason: 'store-failed', runId, failure, started: false });
  }
  const locked = await acquireRunLock(runDir, 'run');
  if (!locked.ok) return err({ reason: 'run-locked', lock: locked.error });
  const lock = locked.value;

  const backendName = options.backend ?? graph.settings.backend;
  const concurrency = {
    builder: options.concurrency?.builder ?? graph.settings.concurrency.builder,
    tester: options.concurrency?.tester ?? graph.settings.concurrency.tester,
  };
  // The run starts here, before Codex: the makespan holds Codex's start-up.
  const now = new Date().toISOString();
  const worktreesDir = runWorktreesDir(worktreeRoot(graph.settings.worktreeRoot, env), repoRoot, runId);
  // The first attempts' worktrees are checked out while Codex starts and the manifest is written.
  const worktrees = new Worktrees(repoRoot, runId, baseCommit, worktreesDir, graph.settings.keptWorktrees);
  worktrees.warm(firstWaveWorktrees(graph.tasks, concurrency));
  let model: ModelSession | undefined;
  let codexSession: CodexSession | undefined;
  const closeSessions = async (): Promise<void> => {
    await codexSession?.close();
    await model?.close();
    await worktrees.removeAll();
  };
  let codex: string;
  try {
    model = await openModelSession(env, options.offlineLatencyMs, options.model);
    // Codex starts now, so that its start-up overlaps the rest of the run's setup.
    codexSession = await startCodex({
      runsDir: options.runsDir,
      runId,
      ...(options.codexHome ? { codexHome: options.codexHome } : {}),
      model,
      env,
      repoRoot,
      backend: backendName,
      turnsAtOnce: codexTurnsAtOnce(graph.tasks, concurrency),
      mcpServers: graph.settings.mcpServers,
    });
    codex = await codexVersion();
  } catch (e) {
    await closeSessions();
    await lock.release();
    throw e;
  }
  const tasks: Manifest['tasks'] = graph.tasks.map((t) => ({
    id: t.id,
    title: t.title,
    role: t.role,
    deps: [...t.deps],
    status: 'pending',
    attempts: [],
    artifacts: {},
    ...(t.approval ? { approval: approvalRecord(t.approval) } : {}),
    ...(t.when === 'failure' ? { when: 'failure' as const } : {}),
  }));
  const manifest: Manifest = {
    schemaVersion: MANIFEST_SCHEMA_VERSION,
    runId,
    status: 'running',
    graph: { path: graph.file, sha256: graph.sha256, name: graph.name, copy: 'graph.yaml' },
    repo: { root: repoRoot, baseRef: graph.settings.baseRef, baseCommit, worktrees: worktreesDir },
    // The role agents reach the model through the OpenAI API: a Codex sign-in is for Codex alone.
    settings: { backend: backendName, concurrency, agents: model.kind === 'codex-login' ? false : (options.agents ?? graph.settings.agents) },
    model: { kind: model.kind, name: model.name, why: model.why },
    tools: { orchestrator: orchestratorVersion(), codex, node: process.versions.node },
    process: { pid: process.pid, hostname: hostname() },
    startedAt: now,
    heartbeatAt: now,
    counts: countTasks(tasks),
    usage: { ...ZERO_USAGE },
    codexUsage: { ...ZERO_USAGE },
    agentUsage: { ...ZERO_USAGE },
    ...(graph.settings.maxTokens !== undefined ? { budget: { maxTokens: graph.settings.maxTokens } } : {}),
    runnerLog: 'runner.log',
    tasks,
  };
  let writer: RunWriter;
  try {
    const created = await RunWriter.create(options.runsDir, runDir, manifest, graph.source, {
      redactor,
      lock,
      ...(options.atomicWrite ? { atomicWrite: options.atomicWrite } : {}),
    });
    if (!created.ok) {
      await closeSessions();
      await lock.release();
      return err({ reason: 'store-failed', runId, failure: created.error, started: false });
    }
    writer = created.value;
  } catch (e) {
    await closeSessions();
    await lock.release();
    throw e;
  }
  writer.log(`run ${runId} started: graph ${graph.file} (sha256 ${graph.sha256}), base ${graph.settings.baseRef} = ${baseCommit}`);
  writer.log(
    `model: ${model.kind} (${model.name}; ${model.why}); backend: ${backendName}; concurrency builder ${concurrency.builder}, tester ${concurrency.tester}${manifest.budget ? `; token budget ${manifest.budget.maxTokens}` : ''}`,
  );
  observer({
    type: 'run-started',
    runId,
    runDir,
    manifest: RunLayout.manifest(runDir),
    tasks: graph.tasks.length,
    model: `${model.kind} (${model.name}; ${model.why})`,
    backend: backendName,
    agents: manifest.settings.agents === true,
    maxTokens: manifest.budget?.maxTokens,
  });
  writer.log(`worktrees: ${worktreesDir}`);
  if (isInside(worktreesDir, repoRoot)) {
    const message = `the run's worktrees are inside the repository (${worktreesDir}), so what the checkout installed (node_modules, a virtualenv) can be found from them; a worktreeRoot outside ${repoRoot} keeps each task to its own`;
    writer.log(`note: ${message}`);
    observer({ type: 'notice', message });
  }
  if (await hasUncommittedChanges(repoRoot)) {
    const message = `uncommitted changes in ${repoRoot} are not part of this run; tasks start from ${graph.settings.baseRef} (${baseCommit.slice(0, 12)})`;
    writer.log(`note: ${message}`);
    observer({ type: 'notice', message });
  }
  if (graph.source !== redactor.text(graph.source)) {
    writer.log("graph.yaml: secrets in the graph are redacted in this copy, so its sha256 differs from the graph file's (resume reads the graph file)");
  }
  const swept = await sweepAbandonedTemps(options.runsDir, settledRuns(await readRunIndex(options.runsDir)));
  if (swept.length > 0) writer.log(`swept ${swept.length} temp file(s) left by interrupted writes: ${swept.map((f) => path.relative(options.runsDir, f)).join(', ')}`);

  const driven = await driveRun({
    graph,
    writer,
    lock,
    model,
    codex: codexSession,
    worktrees,
    env,
    observer,
    ...sessionSettings(options),
  });
  if (!driven.ok) return err({ reason: 'store-failed', runId, failure: driven.error, started: true });
  return driven;
}

/** A gate's approval as its manifest record keeps it (what `approve` checks and the views show). */
function approvalRecord(a: GateApproval): NonNullable<TaskRecord['approval']> {
  return {
    criteria: [...a.criteria],
    ...(a.artifact !== undefined && a.author !== undefined ? { artifact: a.artifact, author: a.author, sections: [...a.sections] } : {}),
    ...(a.revise ? {} : { revise: false }),
  };
}
