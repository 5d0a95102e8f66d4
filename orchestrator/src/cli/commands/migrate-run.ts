import { newRunId, type RunId } from '../../core/ids.js';
import { loadCheckedGraph } from '../../control/graph-checks.js';
import type { ModelKind } from '../../engine/index.js';
import { renderGraphLoadFailure } from '../../graph/render.js';
import type { Backend } from '../../graph/schema.js';
import { migrateFiles } from '../../migrate/setup/index.js';
import { withRunSettings, type WorkspaceRunSettings } from '../../migrate/workflow/run-settings.js';
import { updateIndex } from '../../migrate/workspace/registry.js';
import { findWorkspace } from '../../migrate/workspace/workspace.js';
import { projectRootOf } from '../../review/project.js';
import { RunLayout } from '../../store/layout.js';
import { updateLocked } from '../../store/locked-update.js';
import { readManifest } from '../../store/read.js';
import { atomicWrite } from '../../store/atomic.js';
import { readFile } from 'node:fs/promises';
import { Exit, type Output } from '../output.js';
import { displayPath } from '../runs-dir.js';
import { appendJournalOrWarn, operatorName } from '../migrate-journal.js';
import { manifestRunSettings, renderIndexFailure, renderWorkspaceFailure } from './migrate-workspace.js';
import { resumeCommand } from './resume.js';
import { runCommand } from './run.js';

export interface MigrateRunOptions {
  /** `--workspace`: a workspace folder or slug; default the most recent. */
  readonly workspace: string | undefined;
  readonly runsDir: string;
  readonly cwd: string;
  /** `--new`: start another run although the workspace's last one has ended. */
  readonly fresh: boolean;
  /** `--wait-at-gates`: wait for reviewers at gates instead of ending there. */
  readonly waitAtGates: boolean;
  readonly detach: boolean;
  readonly json: boolean;
  readonly keepWorktrees: boolean;
  readonly backend: Backend | undefined;
  readonly concurrency: { builder?: number; tester?: number } | undefined;
  readonly agents: boolean | undefined;
  readonly model: ModelKind | undefined;
  readonly now: () => Date;
}

/** Run states after which a run goes on only by a new command of its own (`retry`, `send`), not by `migrate run`. */
const ENDED: ReadonlySet<string> = new Set(['succeeded', 'failed', 'archived']);

/**
 * `migrate run`: runs the workspace's graph with agents (the engine's `run`), or continues its
 * last run (`resume`) when that has not ended: after a gate's decision, after a stop or a crash. By
 * default the session ends at gates (`awaiting-approval`); `--wait-at-gates` waits for reviewers.
 * Every start and continuation is a row of the workspace's journal; every run is in the index.
 */
export async function migrateRunCommand(o: MigrateRunOptions, out: Output): Promise<number> {
  const projectRoot = projectRootOf(o.runsDir);
  const found = await findWorkspace(projectRoot, o.workspace, o.cwd);
  if (!found.ok) {
    out.info(renderWorkspaceFailure(found.error, o.cwd));
    return Exit.usage;
  }
  const { entry, files } = found.value;
  const last = entry.runs.at(-1);
  const manifest = last === undefined ? undefined : await readManifest(RunLayout.runDir(o.runsDir, last as RunId));
  const journal = (status: string, note: string): Promise<void> =>
    appendJournalOrWarn(files.journal, displayPath(files.journal, o.cwd), { at: o.now().toISOString(), who: operatorName(o.cwd), task: '—', status, note }, out);

  if (last !== undefined && manifest?.ok && !(ENDED.has(manifest.value.status) && o.fresh)) {
    if (ENDED.has(manifest.value.status)) {
      // Nothing to continue: said plainly, with the exit code of the run's end (poll's).
      const status = manifest.value.status;
      const again = `start another run of the workspace with: codex-orchestrator migrate run --workspace ${displayPath(files.dir, o.cwd)} --new`;
      out.info(
        status === 'failed'
          ? `the workspace's run ${last} has ended failed: nothing is left to continue\n  hint: see why with: codex-orchestrator poll ${last}; run a failed task again with: codex-orchestrator retry ${last} --task T; or ${again}`
          : `the workspace's run ${last} has ended ${status}: nothing is left to run\n  hint: see it with: codex-orchestrator poll ${last}; ${again}`,
      );
      return status === 'failed' ? Exit.failed : Exit.ok;
    }
    await journal('run continued', `run ${last} continued (it was ${manifest.value.status})`);
    const resumeArgv = ['resume', last, ...commonArgv(o)];
    return resumeCommand({ runsDir: o.runsDir, target: last, detach: o.detach, json: o.json, keepWorktrees: o.keepWorktrees, exitAtGates: !o.waitAtGates }, out, resumeArgv);
  }

  // A new run takes the manifest's MCP servers and secrets as it is now (edited since the plan, say).
  const settings = await manifestRunSettings(projectRoot, o.cwd, out);
  if (settings === undefined) return Exit.usage;
  const synced = await syncRunSettings(files.graph, settings);
  if (synced) out.info(`${displayPath(files.graph, o.cwd)}: settings.mcpServers and settings.secretEnv updated from ${displayPath(migrateFiles(projectRoot).manifest, o.cwd)}`);
  // Checked before the run is registered: a graph with a problem never gets a run id in the index.
  const loaded = await loadCheckedGraph(files.graph, projectRoot);
  if (!loaded.ok) {
    out.info(renderGraphLoadFailure(loaded.error));
    return Exit.usage;
  }
  const runId = newRunId(o.now());
  const registered = await updateIndex(
    migrateFiles(projectRoot).index,
    (file, change) => updateLocked(file, change),
    (index) => ({
      ...index,
      workspaces: index.workspaces.map((w) => (w.slug === entry.slug ? { ...w, runs: [...w.runs, runId] } : w)),
    }),
  );
  if (!registered.ok) {
    out.info(renderIndexFailure(registered.error, o.cwd));
    return Exit.usage;
  }
  await journal('run started', `run ${runId} of ${displayPath(files.graph, projectRoot)}`);
  out.info(`workspace ${displayPath(files.dir, o.cwd)}/: run ${runId}`);
  return runCommand(
    {
      graphFile: files.graph,
      runsDir: o.runsDir,
      backend: o.backend,
      concurrency: o.concurrency,
      agents: o.agents,
      model: o.model,
      detach: o.detach,
      json: o.json,
      keepWorktrees: o.keepWorktrees,
      exitAtGates: !o.waitAtGates,
      runId,
    },
    out,
    ['run', files.graph, ...commonArgv(o), ...runFlags(o)],
  );
}

/**
 * The command line of the background child of `--detach`: the engine's own `run` or `resume`
 * (not `migrate run` again, which would register and journal a second time).
 */
function commonArgv(o: MigrateRunOptions): string[] {
  return ['--runs-dir', o.runsDir, ...(o.waitAtGates ? [] : ['--exit-at-gates']), ...(o.keepWorktrees ? ['--keep-worktrees'] : [])];
}

function runFlags(o: MigrateRunOptions): string[] {
  const c = o.concurrency;
  const concurrency = c ? [c.builder === undefined ? '' : `builder=${c.builder}`, c.tester === undefined ? '' : `tester=${c.tester}`].filter(Boolean).join(',') : '';
  return [
    ...(o.backend ? ['--backend', o.backend] : []),
    ...(o.agents === undefined ? [] : ['--agents', o.agents ? 'on' : 'off']),
    ...(o.model ? ['--model', o.model] : []),
    ...(concurrency ? ['--concurrency', concurrency] : []),
  ];
}

/**
 * Rewrites the workspace graph's manifest-given settings when they differ from `wanted`; true when
 * it did. A graph that is not a JSON object is left for the graph check to report.
 */
async function syncRunSettings(graphFile: string, wanted: WorkspaceRunSettings): Promise<boolean> {
  let data: unknown;
  try {
    data = JSON.parse(await readFile(graphFile, 'utf8'));
  } catch {
    return false;
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return false;
  const next = withRunSettings(data as Record<string, unknown>, wanted);
  if (next === undefined) return false;
  await atomicWrite(graphFile, `${JSON.stringify(next, null, 2)}\n`);
  return true;
}
