import { gateId, PHASES, type Phase } from './phases.js';

/**
 * Where a migration workspace stands, from its graph and (once it has one) its run's task states:
 * the current phase, the gates awaiting a reviewer, and the parallel workstreams ready to start.
 * Pure: the caller reads the run.
 */

/** A task as the status needs it: the graph's id, role and deps, and its state in the run (none before a run). */
export interface TaskState {
  readonly id: string;
  readonly role: string;
  readonly deps: readonly string[];
  readonly status: string | undefined;
}

export interface PhaseState {
  readonly tag: string;
  readonly name: string;
  readonly task: string;
  readonly gate: string;
  /** The phase task's status (`pending` before a run). */
  readonly status: string;
  /** The gate's status. */
  readonly gateStatus: string;
}

export interface WorkspaceState {
  readonly phases: readonly PhaseState[];
  /** The first phase whose gate is not approved; undefined when all are. */
  readonly current: PhaseState | undefined;
  readonly gatesWaiting: readonly string[];
  /** `parallel-*` tasks not started whose dependencies are done. */
  readonly readyParallel: readonly string[];
}

const DONE: ReadonlySet<string> = new Set(['succeeded', 'approved']);

export function workspaceState(tasks: readonly TaskState[]): WorkspaceState {
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const statusOf = (id: string): string => byId.get(id)?.status ?? 'pending';
  const phases = PHASES.filter((p: Phase) => byId.has(p.taskId)).map(
    (p): PhaseState => ({ tag: p.tag, name: p.name, task: p.taskId, gate: gateId(p), status: statusOf(p.taskId), gateStatus: statusOf(gateId(p)) }),
  );
  return {
    phases,
    current: phases.find((p) => p.gateStatus !== 'approved'),
    gatesWaiting: tasks.filter((t) => t.role === 'gate' && t.status === 'awaiting-approval').map((t) => t.id),
    readyParallel: tasks.filter((t) => t.id.startsWith('parallel-') && statusOf(t.id) === 'pending' && t.deps.every((d) => DONE.has(statusOf(d)))).map((t) => t.id),
  };
}
