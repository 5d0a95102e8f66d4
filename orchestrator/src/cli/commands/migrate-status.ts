import { readFile } from 'node:fs/promises';
import type { RunId } from '../../core/ids.js';
import { readIndex, type WorkspaceEntry } from '../../migrate/workspace/registry.js';
import { findWorkspace, workspaceFiles } from '../../migrate/workspace/workspace.js';
import { workspaceState, type TaskState, type WorkspaceState } from '../../migrate/workflow/status.js';
import { migrateFiles } from '../../migrate/setup/index.js';
import { projectRootOf } from '../../review/project.js';
import { RunLayout } from '../../store/layout.js';
import { effectiveStatus } from '../../store/liveness.js';
import { readManifest } from '../../store/read.js';
import { Exit, type Output } from '../output.js';
import { displayPath } from '../runs-dir.js';
import { renderIndexFailure, renderWorkspaceFailure } from './migrate-workspace.js';
import path from 'node:path';

/** The `schema` of `migrate status --json`'s document. */
export const MIGRATE_STATUS_SCHEMA = 'codex-orchestrator/migrate-status@1';

export interface MigrateStatusOptions {
  readonly workspace: string | undefined;
  readonly runsDir: string;
  readonly json: boolean;
  readonly cwd: string;
}

export interface WorkspaceStatus {
  readonly slug: string;
  readonly title: string;
  readonly path: string;
  /** The workspace's last run and its status; null before its first. */
  readonly run: { readonly id: string; readonly status: string } | null;
  readonly phase: { readonly tag: string; readonly name: string; readonly status: string; readonly gateStatus: string } | null;
  readonly phases: WorkspaceState['phases'];
  readonly gatesWaiting: readonly string[];
  readonly readyParallel: readonly string[];
  /** Manual tasks awaiting their operator (`migrate execute`), with who claimed or blocked each. */
  readonly manualWaiting: readonly { readonly id: string; readonly operator: { readonly status: string; readonly by: string; readonly at: string } | null }[];
  /** Why the workspace cannot be read (its graph missing or broken), else null. */
  readonly problem: string | null;
}

/**
 * `migrate status`: every workspace of the index (or the one `--workspace` names) with its
 * current phase, the gates awaiting a reviewer and the parallel workstreams ready to start, read
 * from the workspace's graph and its last run. Exit 0; 2 for a broken index or an unknown workspace.
 */
export async function migrateStatusCommand(o: MigrateStatusOptions, out: Output): Promise<number> {
  const root = projectRootOf(o.runsDir);
  let entries: readonly WorkspaceEntry[];
  if (o.workspace !== undefined) {
    const found = await findWorkspace(root, o.workspace, o.cwd);
    if (!found.ok) {
      out.info(renderWorkspaceFailure(found.error, o.cwd));
      return Exit.usage;
    }
    entries = [found.value.entry];
  } else {
    const index = await readIndex(migrateFiles(root).index);
    if (!index.ok) {
      out.info(renderIndexFailure(index.error, o.cwd));
      return Exit.usage;
    }
    entries = index.value.workspaces;
  }
  const statuses = await Promise.all(entries.map((e) => statusOf(root, o.runsDir, e)));
  if (o.json) out.data(JSON.stringify({ schema: MIGRATE_STATUS_SCHEMA, workspaces: statuses }, null, 2));
  out.info(
    statuses.length === 0 ? 'no migration workspace yet\n  hint: make one with: codex-orchestrator migrate plan "<description>"' : statuses.map((s) => renderStatus(s, root, o.cwd)).join('\n\n'),
  );
  return Exit.ok;
}

async function statusOf(root: string, runsDir: string, e: WorkspaceEntry): Promise<WorkspaceStatus> {
  const files = workspaceFiles(path.join(root, ...e.path.split('/')));
  const base = { slug: e.slug, title: e.title, path: e.path };
  let graph: { tasks: { id: string; role: string; deps?: string[] }[] };
  try {
    graph = JSON.parse(await readFile(files.graph, 'utf8')) as typeof graph;
    if (!Array.isArray(graph.tasks)) throw new Error('it has no tasks list');
  } catch (err) {
    const problem = `cannot read ${e.path}/tasks.json: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
    return { ...base, run: null, phase: null, phases: [], gatesWaiting: [], readyParallel: [], manualWaiting: [], problem };
  }
  const last = e.runs.at(-1);
  const manifest = last === undefined ? undefined : await readManifest(RunLayout.runDir(runsDir, last as RunId));
  const run = manifest?.ok ? manifest.value : undefined;
  // A finished task with a follow-up waiting (a gate's rejection sent it back) is being revised.
  const states: TaskState[] = graph.tasks.map((t) => {
    const record = run?.tasks.find((r) => r.id === t.id);
    return { id: t.id, role: t.role, deps: t.deps ?? [], status: record?.followUp ? 'revising' : record?.status };
  });
  const state = workspaceState(states);
  const current = state.current;
  return {
    ...base,
    run: run ? { id: run.runId, status: effectiveStatus(run) } : last === undefined ? null : { id: last, status: 'unreadable' },
    phase: current ? { tag: current.tag, name: current.name, status: current.status, gateStatus: current.gateStatus } : null,
    phases: state.phases,
    gatesWaiting: state.gatesWaiting,
    readyParallel: state.readyParallel,
    manualWaiting: (run?.tasks ?? [])
      .filter((t) => t.role === 'manual' && t.status === 'awaiting-approval')
      .map((t) => ({ id: t.id, operator: t.operator ? { status: t.operator.status, by: t.operator.by, at: t.operator.at } : null })),
    problem: null,
  };
}

function renderStatus(s: WorkspaceStatus, root: string, cwd: string): string {
  const dir = displayPath(path.join(root, ...s.path.split('/')), cwd);
  const lines = [`${s.title}  (${dir}/)`];
  if (s.problem) return [...lines, `  problem: ${s.problem}`].join('\n');
  lines.push(`  run:      ${s.run ? `${s.run.id} (${s.run.status})` : 'none yet: start it with codex-orchestrator migrate run'}`);
  lines.push(`  phase:    ${s.phase ? `${s.phase.tag} ${s.phase.name} (task ${s.phase.status}, gate ${s.phase.gateStatus})` : 'every phase approved'}`);
  lines.push(`  phases:   ${s.phases.map((p) => `${p.tag} ${mark(p.gateStatus)}`).join('  ')}`);
  lines.push(`  waiting:  ${s.gatesWaiting.length > 0 ? s.gatesWaiting.join(', ') : 'no gate'}`);
  if (s.gatesWaiting.length > 0 && s.run) lines.push(`            approve: codex-orchestrator approve ${s.run.id} --task ${s.gatesWaiting[0]} --note TEXT   (or reject … --reason TEXT)`);
  if (s.manualWaiting.length > 0) {
    const who = (o: WorkspaceStatus['manualWaiting'][number]['operator']): string => (o ? ` (${o.status === 'blocked' ? 'blocked' : 'claimed'} by ${o.by} since ${o.at})` : ' (unclaimed)');
    lines.push(`  manual:   ${s.manualWaiting.map((m) => `${m.id}${who(m.operator)}`).join(', ')}`);
    lines.push(`            done: codex-orchestrator migrate execute ${s.manualWaiting[0]?.id ?? 'TASK'} --status done --note TEXT   (its runbook: codex-orchestrator migrate execute)`);
  }
  lines.push(`  parallel: ${s.readyParallel.length > 0 ? `${s.readyParallel.join(', ')} ready` : 'none ready'}`);
  return lines.join('\n');
}

function mark(gateStatus: string): string {
  if (gateStatus === 'approved') return 'approved';
  if (gateStatus === 'awaiting-approval') return 'waiting';
  return gateStatus;
}
