import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RunId } from '../../core/ids.js';
import { assertNever } from '../../core/result.js';
import { markOnRun, type MarkOutcome } from '../../control/execute.js';
import { renderRunbook, artifactBlocks, type RunbookDependency } from '../../migrate/workflow/runbook.js';
import { findWorkspace } from '../../migrate/workspace/workspace.js';
import type { JournalRow } from '../../migrate/workflow/documents.js';
import { renderOperatorFailure, type OperatorFailure, type OperatorRequest } from '../../review/operator.js';
import { projectRootOf } from '../../review/project.js';
import { readRunGraph } from '../../review/run-graph.js';
import { RunLayout } from '../../store/layout.js';
import type { Manifest, OperatorStatus, TaskRecord } from '../../store/manifest.js';
import { loadRunState } from '../../store/read.js';
import { reportChangeFailure } from '../change-report.js';
import { appendJournalOrWarn, operatorName } from '../migrate-journal.js';
import { Exit, type Output } from '../output.js';
import { displayPath } from '../runs-dir.js';
import { renderWorkspaceFailure } from './migrate-workspace.js';

/** The `schema` of `migrate execute --json`'s document. */
export const MIGRATE_EXECUTE_SCHEMA = 'codex-orchestrator/migrate-execute@1';

export interface MigrateExecuteOptions {
  readonly workspace: string | undefined;
  /** The task; undefined: the next runnable one. */
  readonly task: string | undefined;
  /** `--status`: mark the (manual) task; undefined: write its runbook. */
  readonly status: OperatorStatus | undefined;
  readonly note: string | undefined;
  /** `--by`; default `git config user.name` (else the login name). */
  readonly by: string | undefined;
  readonly runsDir: string;
  readonly json: boolean;
  readonly cwd: string;
  readonly now: () => Date;
}

interface ExecuteDocument {
  readonly schema: typeof MIGRATE_EXECUTE_SCHEMA;
  readonly runId: string;
  readonly task: string | null;
  readonly role: string | null;
  /** What was recorded (`--status`, or `running` for a manual task `migrate execute` picked), else null. */
  readonly marked: OperatorStatus | null;
  readonly by: string | null;
  /** The runbook written (relative to the project), else null. */
  readonly runbook: string | null;
  readonly message: string;
}

/**
 * `migrate execute`: operators (and agents outside the run) on the workspace's last run. With
 * `TASK --status`, marks a manual task `running`, `blocked` or `done` (through `control/execute.ts`:
 * the run lock, or the live run's inbox), with a journal row. Without, picks the next runnable
 * task (a manual one waiting, then a ready agent task), claims a manual one, and writes its
 * runbook `<workspace>/runs/<task>.md`. Exit 0; 2 for no workspace, no run, an unknown task or a
 * refused mark; 1 when the task's dependencies are not done.
 */
export async function migrateExecuteCommand(o: MigrateExecuteOptions, out: Output): Promise<number> {
  const root = projectRootOf(o.runsDir);
  const found = await findWorkspace(root, o.workspace, o.cwd);
  if (!found.ok) {
    out.info(renderWorkspaceFailure(found.error, o.cwd));
    return Exit.usage;
  }
  const { entry, files } = found.value;
  const last = entry.runs.at(-1);
  if (last === undefined) {
    out.info(`error: the workspace ${entry.path} has no run yet\n  hint: start one with: codex-orchestrator migrate run --workspace ${displayPath(files.dir, o.cwd)}`);
    return Exit.usage;
  }
  const runDir = RunLayout.runDir(o.runsDir, last as RunId);
  const state = await loadRunState(runDir);
  if (!state.ok) {
    out.info(`error: cannot read the workspace's run ${last}\n  hint: see it with: codex-orchestrator poll ${last}`);
    return Exit.usage;
  }
  const m = state.value.manifest;
  const by = o.by ?? operatorName(o.cwd);
  const emit = (doc: Omit<ExecuteDocument, 'schema' | 'runId'>, code: number): number => {
    if (o.json) out.data(JSON.stringify({ schema: MIGRATE_EXECUTE_SCHEMA, runId: last, ...doc }, null, 2));
    out.info(doc.message);
    return code;
  };

  if (o.status !== undefined) {
    if (o.task === undefined) throw new Error('Internal error: --status without a task');
    const request: OperatorRequest = { taskId: o.task, status: o.status, by, note: o.note };
    const marked = await markOnRun(o.runsDir, runDir, request);
    if (!marked.ok) return reportChangeFailure(marked.error, last, (never) => never, out);
    return reportMark(marked.value, request, m, files.journal, o, emit, out);
  }

  const task = o.task === undefined ? nextRunnable(m) : m.tasks.find((t) => t.id === o.task);
  if (o.task !== undefined && !task) {
    const failure: OperatorFailure = { reason: 'unknown-task', taskId: o.task, known: m.tasks.map((t) => t.id) };
    return emit(
      {
        task: o.task,
        role: null,
        marked: null,
        by: null,
        runbook: null,
        message: renderOperatorFailure(failure, { taskId: o.task, status: 'running' }).replace('cannot mark', 'no runbook for').replace(' running:', ':'),
      },
      Exit.usage,
    );
  }
  if (!task) return emit({ task: null, role: null, marked: null, by: null, runbook: null, message: nothingRunnable(m) }, Exit.ok);

  let claimed: { by: string; at: string } | undefined = task.operator?.status === 'running' ? { by: task.operator.by, at: task.operator.at } : undefined;
  let marked: OperatorStatus | null = null;
  // A manual task picked by `migrate execute` is the operator's now: claimed, unless it is already.
  if (o.task === undefined && task.role === 'manual' && task.operator?.status !== 'running') {
    const request: OperatorRequest = { taskId: task.id, status: 'running', by, note: o.note };
    const c = await markOnRun(o.runsDir, runDir, request);
    if (!c.ok) return reportChangeFailure(c.error, last, (never) => never, out);
    if (c.value.kind !== 'marked') return reportMark(c.value, request, m, files.journal, o, emit, out);
    claimed = { by, at: o.now().toISOString() };
    marked = 'running';
    await journal(files.journal, { at: o.now().toISOString(), who: by, task: task.id, status: 'running', note: o.note ?? 'claimed by migrate execute' }, o, out);
  }
  const file = path.join(files.runbooks, `${task.id}.md`);
  const graph = await readRunGraph(m, runDir);
  const prompt = graph.ok ? graph.value.tasks.find((t) => t.id === task.id)?.prompt : undefined;
  const promptOf = (id: string): string | undefined => (graph.ok ? graph.value.tasks.find((t) => t.id === id)?.prompt : undefined);
  const text = renderRunbook({
    runId: m.runId,
    task: { id: task.id, title: task.title, role: task.role, prompt },
    inputs: task.deps.map((d) => dependencyOf(m, d, promptOf)),
    criteria: m.tasks.filter((t) => t.role === 'gate' && t.deps.includes(task.id)).map((g) => ({ gate: g.id, criteria: g.approval?.criteria ?? [] })),
    claimed,
    at: o.now().toISOString(),
  });
  await mkdir(files.runbooks, { recursive: true });
  await writeFile(file, text);
  const shown = displayPath(file, o.cwd);
  const message =
    task.role === 'manual'
      ? `${task.id} (manual) is yours${claimed ? `: claimed by ${claimed.by}` : ''}; its runbook: ${shown}\n  done:    codex-orchestrator migrate execute ${task.id} --status done --note TEXT\n  blocked: codex-orchestrator migrate execute ${task.id} --status blocked --note TEXT`
      : `${task.id} (${task.role}) is ready; the orchestrator runs it: codex-orchestrator migrate run\n  its runbook (to read, or to do it in another agent): ${shown}`;
  return emit({ task: task.id, role: task.role, marked, by: marked ? by : null, runbook: path.relative(root, file).split(path.sep).join('/'), message }, Exit.ok);
}

async function reportMark(
  outcome: MarkOutcome,
  request: OperatorRequest,
  m: Readonly<Manifest>,
  journalFile: string,
  o: MigrateExecuteOptions,
  emit: (doc: Omit<ExecuteDocument, 'schema' | 'runId'>, code: number) => number,
  out: Output,
): Promise<number> {
  const base = { task: request.taskId, role: m.tasks.find((t) => t.id === request.taskId)?.role ?? null, runbook: null };
  switch (outcome.kind) {
    case 'answered':
      return emit({ ...base, marked: null, by: null, message: outcome.message }, outcome.ok ? Exit.ok : Exit.internal);
    case 'refused': {
      const f = outcome.failure;
      const code = f.reason === 'not-ready' || f.reason === 'not-markable' ? Exit.failed : Exit.usage;
      return emit({ ...base, marked: null, by: null, message: renderOperatorFailure(f, request) }, code);
    }
    case 'marked': {
      const e = outcome.event;
      await journal(journalFile, { at: o.now().toISOString(), who: e.by, task: e.task, status: e.status, note: e.note ?? '' }, o, out);
      const what = `${e.task} marked ${e.status} by ${e.by}${e.note ? ` (${e.note})` : ''}`;
      const next =
        e.status !== 'done'
          ? `; it still waits: mark it done with: codex-orchestrator migrate execute ${e.task} --status done`
          : outcome.live
            ? "; the run's orchestrator goes on with its dependents"
            : outcome.settled
              ? `; ${outcome.settled.replace(/^[^;]*; /, '')}`
              : '';
      const sealed = outcome.sealFailure ? '\nwarning: the run could not be sealed again: verify will report it changed' : '';
      return emit({ ...base, marked: e.status, by: e.by, message: `${what}${next}${sealed}` }, Exit.ok);
    }
    default:
      return assertNever(outcome, 'mark outcome');
  }
}

function journal(file: string, row: JournalRow, o: MigrateExecuteOptions, out: Output): Promise<void> {
  return appendJournalOrWarn(file, displayPath(file, o.cwd), row, out, 'the mark is recorded in the run');
}

const DONE: ReadonlySet<string> = new Set(['succeeded', 'approved']);

/** The next task to do: a manual task waiting for its operator (unclaimed first), then a ready builder or tester. */
export function nextRunnable(m: Readonly<Manifest>): TaskRecord | undefined {
  const depsDone = (t: TaskRecord): boolean => t.deps.every((d) => DONE.has(m.tasks.find((x) => x.id === d)?.status ?? 'pending'));
  const manual = m.tasks.filter((t) => t.role === 'manual' && (t.status === 'awaiting-approval' || (t.status === 'pending' && depsDone(t))));
  const first = manual.find((t) => t.operator === undefined) ?? manual[0];
  if (first) return first;
  return m.tasks.find((t) => (t.role === 'builder' || t.role === 'tester') && t.status === 'pending' && t.when !== 'failure' && depsDone(t));
}

/** Why nothing is runnable: the gates waiting, what runs, or that the run has ended. */
function nothingRunnable(m: Readonly<Manifest>): string {
  const gates = m.tasks.filter((t) => t.role === 'gate' && t.status === 'awaiting-approval').map((t) => t.id);
  const running = m.tasks.filter((t) => t.status === 'running').map((t) => t.id);
  const parts = [
    ...(gates.length > 0 ? [`gates waiting for a reviewer: ${gates.join(', ')} (codex-orchestrator review ${m.runId} --task ${gates[0]})`] : []),
    ...(running.length > 0 ? [`running: ${running.join(', ')}`] : []),
  ];
  return `nothing to execute in run ${m.runId} (${m.status})${parts.length > 0 ? `:\n  ${parts.join('\n  ')}` : ': no task is ready'}`;
}

function dependencyOf(m: Readonly<Manifest>, id: string, promptOf: (id: string) => string | undefined): RunbookDependency {
  const t = m.tasks.find((x) => x.id === id);
  if (!t) return { id, title: id, status: 'unknown', commit: undefined, artifacts: [] };
  if (t.role === 'gate' && t.approval?.artifact !== undefined) {
    const author = m.tasks.find((x) => x.id === t.approval?.author);
    return { id, title: t.title, status: t.status, commit: author?.resultCommit, artifacts: [t.approval.artifact] };
  }
  return { id, title: t.title, status: t.status, commit: t.resultCommit, artifacts: artifactBlocks(promptOf(id)).map((b) => b.path) };
}
