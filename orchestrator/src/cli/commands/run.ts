import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { newRunId, type RunId } from '../../core/ids.js';
import { packageRoot } from '../../core/package-info.js';
import { chooseModel, executeRun, type ModelKind, type RunSetupFailure } from '../../engine/index.js';
import { renderStoreFailure } from '../../store/store-failure.js';
import { renderGraphLoadFailure } from '../../graph/render.js';
import type { Backend } from '../../graph/schema.js';
import { projectRootOf } from '../../review/project.js';
import { RunLayout } from '../../store/layout.js';
import type { Manifest } from '../../store/manifest.js';
import { renderLockFailure } from '../../store/run-lock.js';
import { loadCheckedGraph } from '../../control/graph-checks.js';
import { setupAdvice } from '../setup-advice.js';
import { Exit, type Output } from '../output.js';
import { pollDocument } from '../../views/poll.js';
import { renderPollTable } from '../../views/poll-table.js';
import { progressPrinter } from '../progress.js';
import { displayPath } from '../runs-dir.js';
import { withStopSignals } from '../stop-signals.js';

export interface RunCommandOptions {
  readonly graphFile: string;
  readonly runsDir: string;
  readonly backend: Backend | undefined;
  readonly concurrency: { builder?: number; tester?: number } | undefined;
  /** `--agents on|off`: overrides the graph's `settings.agents`. */
  readonly agents: boolean | undefined;
  /** `--model`: overrides the graph's `settings.model`. */
  readonly model: ModelKind | undefined;
  readonly detach: boolean;
  readonly json: boolean;
  readonly keepWorktrees: boolean;
  /** End the session when only gates are left, instead of waiting for reviewers. */
  readonly exitAtGates: boolean;
  /** Set by `--detach` for the background child, and by `migrate run` (which registers it before the run starts). */
  readonly runId: RunId | undefined;
}

export async function runCommand(o: RunCommandOptions, out: Output, argv: readonly string[]): Promise<number> {
  // Checked before anything is written: a graph with a problem never starts a run.
  const loaded = await loadCheckedGraph(o.graphFile, projectRootOf(o.runsDir));
  if (!loaded.ok) {
    out.info(renderGraphLoadFailure(loaded.error));
    return Exit.usage;
  }
  // The background child of --detach says nothing: its parent said it.
  const advice = o.runId === undefined ? await setupAdvice(loaded.value) : undefined;
  if (advice) out.info(advice);
  const wanted = o.model ?? loaded.value.settings.model;
  const model = chooseModel(process.env, wanted ? { kind: wanted, by: o.model ? '--model' : 'settings.model:' } : undefined);
  if (!model.ok) {
    out.info(`error: ${model.error}`);
    return Exit.usage;
  }
  if (o.detach) return detach(o, out, argv);

  const { value: result, exitOverride } = await withStopSignals(out, (signal) =>
    executeRun({
      graph: loaded.value,
      runsDir: o.runsDir,
      ...(o.runId ? { runId: o.runId } : {}),
      ...(o.backend ? { backend: o.backend } : {}),
      ...(o.concurrency ? { concurrency: o.concurrency } : {}),
      ...(o.agents !== undefined ? { agents: o.agents } : {}),
      model: model.value,
      signal,
      observer: progressPrinter(out),
      keepWorktrees: o.keepWorktrees,
      waitAtGates: !o.exitAtGates,
    }),
  );
  if (!result.ok) {
    const f = result.error;
    if (f.reason === 'store-failed') {
      // Not a bad input and not a bug: the run failed, like a failed task (exit 1).
      out.info(renderStoreFailure(f.failure, f.runId, f.started, (p) => displayPath(p)));
      return Exit.failed;
    }
    out.info(renderSetupFailure(f));
    return Exit.usage;
  }
  return reportFinishedRun(result.value, o.runsDir, o.json, out, exitOverride);
}

/** The end of a foreground `run` or `resume`: the JSON document or the table, and the exit code. */
export function reportFinishedRun(m: Manifest, runsDir: string, json: boolean, out: Output, exitOverride: number | undefined): number {
  const runDir = RunLayout.runDir(runsDir, m.runId as RunId);
  const doc = pollDocument(m, runDir);
  if (json) out.data(JSON.stringify(doc, null, 2));
  out.info('');
  out.info(renderPollTable(doc));
  out.info(`\nrun id: ${m.runId}`);
  if (exitOverride !== undefined) return exitOverride;
  return m.status === 'succeeded' || m.status === 'awaiting-approval' ? Exit.ok : Exit.failed;
}

/** Starts the same run in a background process and returns once its manifest exists. */
async function detach(o: RunCommandOptions, out: Output, argv: readonly string[]): Promise<number> {
  // A run id chosen by the caller (`migrate run` registers it first), else a new one.
  const runId = o.runId ?? newRunId();
  const bin = path.join(packageRoot(), 'bin', 'codex-orchestrator.js');
  const args = [bin, ...argv.filter((a) => a !== '--detach' && a !== '--json'), '--run-id', runId];
  const child = spawn(process.execPath, args, { detached: true, stdio: 'ignore', env: process.env });
  child.unref();
  let exited: number | null = null;
  child.on('exit', (code) => (exited = code ?? 1));
  const manifest = RunLayout.manifest(RunLayout.runDir(o.runsDir, runId));
  const deadline = Date.now() + 30_000;
  while (!existsSync(manifest)) {
    if (exited !== null || Date.now() > deadline) {
      out.info(`error: the background run did not start (exit ${exited ?? 'timeout'}); run it in the foreground to see why:\n  codex-orchestrator ${argv.filter((a) => a !== '--detach').join(' ')}`);
      return Exit.internal;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  if (o.json) out.data(JSON.stringify({ runId, pid: child.pid, manifest }, null, 2));
  out.info(`started run ${runId} in the background (pid ${child.pid})`);
  out.info(`manifest: ${displayPath(manifest)}`);
  out.info(`follow it with: codex-orchestrator poll ${runId} --watch`);
  return Exit.ok;
}

export function renderSetupFailure(f: RunSetupFailure): string {
  switch (f.reason) {
    case 'not-a-git-repo':
      return `error: ${f.dir} is not inside a git repository\n  hint: tasks run in git worktrees; run \`git init && git add -A && git commit -m init\` there, or set settings.repo in the graph`;
    case 'bad-base-ref':
      return `error: the base ref "${f.ref}" names no commit in ${f.repo}\n  hint: set settings.baseRef in the graph to a branch, tag or commit that exists (the default is HEAD, which needs at least one commit)`;
    case 'run-exists':
      return `error: run ${f.runId} already exists`;
    case 'run-locked':
      return renderLockFailure(f.lock);
  }
}
