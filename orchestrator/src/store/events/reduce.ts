import { assertNever } from '../../core/result.js';
import { countTasks, MANIFEST_SCHEMA_VERSION, type Attempt, type GraphTaskObject, type Manifest, type TaskRecord } from '../manifest.js';
import { endRunWait } from '../timings.js';
import type { RunEvent } from './run-event.js';

/**
 * The one transition function of a run: `reduce(state, event)` folds an event of the run's log
 * into its state (the manifest). No other code assigns a task's or the run's status.
 *
 * A task:
 *
 *                 attempt-started                attempt-finished (next: end)
 *   pending ─────────────────────────► running ─────────────────────────► succeeded | failed | cancelled
 *    │  ▲                               │   ▲                               │
 *    │  │                               └───┘ attempt-finished              │ decided
 *    │  │                                  (next: retry | fix)              ▼
 *    │  │ task-reopened ◄──────────────────────────────────────────── approved | rejected | succeeded | failed
 *    │  └──── (resume, retry, a skipped task's dependency runs again, stale: a dependency's result changed)
 *    ├── task-skipped ──► skipped (a rollback's `not-needed` too)   running ── attempt-interrupted ──► resume
 *    ├── graph-expanded ──► pending (a fan-out, waiting for the steps it added; they start pending)
 *    ├── task-cancelled ──► cancelled      running ── fix-declined ──► failed
 *    └── gate-waiting ──► awaiting-approval ── decided ──► approved | rejected
 *                           │  (a manual task: operator-marked running | blocked keeps it waiting,
 *                           │   operator-marked done ──► succeeded)
 *                           ▲            └── decided (rejected, the approval has an author) ──► pending
 *                           └──────────── gate-waiting, once the author revised the artifact ◄──┘
 *
 * The run:
 *
 *   snapshot ──► running ── run-waiting ──► awaiting-approval ── run-busy ──► running
 *                   │ ▲                          │         (a tester's attempt-finished with next: rework → pending)
 *                   │ ▲                          │
 *                   │ └──── run-resumed ◄────────┤ (any ended state)
 *                   └── run-finished ──► succeeded | failed | stopped | awaiting-approval ── run-settled ──► …
 *
 * `apply` changes the state it is given (the run's writer keeps one state and folds each event
 * into it as it is appended); `reduce` leaves it alone and returns the next one. Both are
 * deterministic: the state depends on the events alone, so replaying the log gives it back.
 */
export function reduce(state: Readonly<Manifest>, event: RunEvent): Manifest {
  const next = structuredClone(state) as Manifest;
  apply(next, event);
  return next;
}

/** The state of a whole log (its first event is a snapshot). Undefined for an empty log. */
export function fold(events: readonly RunEvent[]): Manifest | undefined {
  let state: Manifest | undefined;
  for (const e of events) {
    if (e.kind === 'snapshot') state = structuredClone(e.manifest) as Manifest;
    else if (state) apply(state, e);
    else throw new Error(`Internal error: event ${e.seq} (${e.kind}) comes before the log's snapshot`);
    state.schemaVersion = MANIFEST_SCHEMA_VERSION;
    state.events = { seq: e.seq };
  }
  return state;
}

export function apply(m: Manifest, e: RunEvent): void {
  switch (e.kind) {
    case 'snapshot':
      Object.assign(m, structuredClone(e.manifest));
      break;
    case 'run-resumed':
      m.status = 'running';
      delete m.message;
      // The time it waited for reviewers since it ended at its gates.
      endRunWait(m, Date.parse(e.at));
      delete m.finishedAt;
      delete m.durationMs;
      m.process = { pid: e.pid, hostname: e.hostname };
      m.heartbeatAt = e.at;
      m.resumes = [...(m.resumes ?? []), { at: e.at, pid: e.pid, from: e.from }];
      break;
    case 'run-waiting':
      m.status = 'awaiting-approval';
      m.message = e.message;
      m.heartbeatAt = e.at;
      m.waitingSince ??= e.at;
      break;
    case 'run-busy':
      m.status = 'running';
      delete m.message;
      endRunWait(m, Date.parse(e.at));
      break;
    case 'run-finished':
      m.status = e.status;
      if (e.reason) m.reason = e.reason;
      else delete m.reason;
      if (e.message) m.message = e.message;
      else delete m.message;
      m.finishedAt = e.at;
      m.heartbeatAt = e.at;
      m.durationMs = Date.parse(e.at) - Date.parse(m.startedAt);
      // Ended at gates, the run waits for reviewers until it is resumed.
      if (e.status === 'awaiting-approval') m.waitingSince ??= e.at;
      else endRunWait(m, Date.parse(e.at));
      break;
    case 'run-settled':
      // A decision on a run that ended at its gates: what it changed, and the run's end once nothing is left.
      m.status = e.status;
      if (e.reason) m.reason = e.reason;
      if (e.message) m.message = e.message;
      else delete m.message;
      if (e.waitEnded) endRunWait(m, Date.parse(e.at));
      break;
    case 'budget-reached':
      if (m.budget) m.budget.reachedAt = e.at;
      break;
    case 'integration-built':
      m.integration = structuredClone(e.integration);
      break;
    case 'attempt-started': {
      const t = taskOf(m, e.task);
      t.status = 'running';
      t.startedAt ??= e.at;
      delete t.reason;
      delete t.message;
      delete t.followUp;
      // The last attempt's verdict and triage stay in its history (and files in attempt-<n>/).
      delete t.verdict;
      delete t.triage;
      delete t.stale;
      t.attempts.push({ n: e.n, status: 'running', startedAt: e.at, ...(e.followUp ? { followUp: structuredClone(e.followUp) } : {}) });
      break;
    }
    case 'attempt-finished': {
      const t = taskOf(m, e.task);
      const a = t.attempts.find((x) => x.n === e.n);
      if (a) {
        Object.assign(a, withoutUndefined(e.outcome));
        a.finishedAt = e.at;
        if (t.threadId) a.threadId = t.threadId;
      }
      t.status = e.status;
      if (e.outcome.reason !== undefined) {
        t.reason = e.outcome.reason;
        if (e.outcome.message !== undefined) t.message = e.outcome.message;
      }
      if (e.followUp) t.followUp = structuredClone(e.followUp);
      patch(t, e.data, e.unset);
      break;
    }
    case 'attempt-interrupted': {
      const a = attemptOf(m, e.task, e.n);
      if (a) {
        a.status = 'interrupted';
        a.finishedAt = e.at;
        a.message = e.message;
      }
      break;
    }
    case 'task-reopened': {
      const t = taskOf(m, e.task);
      t.status = 'pending';
      delete t.reason;
      delete t.message;
      if (e.why === 'retry') {
        delete t.followUp;
        if (e.overrides) t.overrides = structuredClone(e.overrides);
      }
      if (e.why === 'stale') {
        const because = e.because ?? [];
        t.message = `stale: ${because.join(', ')} changed after it ran; it runs again`;
        // The verdict was for the old work: its attempt keeps it, the task no longer shows it as current.
        delete t.verdict;
        t.stale = { because: [...because], at: e.at };
      }
      break;
    }
    case 'approval-withdrawn': {
      const last = taskOf(m, e.task).reviews?.at(-1);
      if (last?.decision === 'approved') last.withdrawn = { at: e.at, reason: e.reason };
      break;
    }
    case 'task-skipped':
    case 'task-cancelled': {
      const t = taskOf(m, e.task);
      t.status = e.kind === 'task-skipped' ? 'skipped' : 'cancelled';
      t.reason = e.reason;
      t.message = e.message;
      break;
    }
    case 'fix-declined': {
      const t = taskOf(m, e.task);
      t.status = 'failed';
      if (t.followUp?.from === 'fix') delete t.followUp;
      break;
    }
    case 'gate-waiting': {
      const t = taskOf(m, e.task);
      t.status = 'awaiting-approval';
      t.awaitingSince ??= e.at;
      break;
    }
    case 'decided': {
      const t = taskOf(m, e.task);
      t.reviews = [...(t.reviews ?? []), structuredClone(e.review)];
      t.status = e.status;
      if (e.rework) {
        // A gate rejected for its author to revise: it waits for the revision, then for a reviewer again.
        delete t.awaitingSince;
        delete t.message;
        taskOf(m, e.rework.task).followUp = structuredClone(e.rework.followUp);
      } else if (e.review.decision === 'rejected') t.message = `rejected by ${e.review.reviewer}: ${e.review.reason ?? ''}`;
      if (e.followUp) t.followUp = structuredClone(e.followUp);
      break;
    }
    case 'operator-marked': {
      const t = taskOf(m, e.task);
      t.operator = { status: e.status, by: e.by, at: e.at, ...(e.note !== undefined ? { note: e.note } : {}) };
      if (e.status === 'done') {
        t.status = 'succeeded';
        t.finishedAt = e.at;
        delete t.message;
      } else if (e.status === 'blocked') t.message = `blocked (${e.by})${e.note ? `: ${e.note}` : ''}`;
      else delete t.message;
      break;
    }
    case 'follow-up-requested':
      taskOf(m, e.task).followUp = structuredClone(e.followUp);
      break;
    case 'graph-expanded': {
      // The added tasks start as the run's start makes its tasks; the deps join those there were.
      // A new list (as a snapshot makes), so what indexes the old one knows it changed.
      m.tasks = [...m.tasks, ...e.tasks.filter((t) => !m.tasks.some((x) => x.id === t.id)).map(taskRecordOf)];
      for (const [id, deps] of Object.entries(e.deps)) {
        const t = taskOf(m, id);
        t.deps = [...new Set([...t.deps, ...deps])];
      }
      taskOf(m, e.task).expansion = { at: e.at, steps: [...e.steps], tasks: e.tasks.map((t) => t.id) };
      m.expansions = [...(m.expansions ?? []), { task: e.task, at: e.at, tasks: structuredClone(e.tasks), deps: structuredClone(e.deps) }];
      break;
    }
    case 'task-data':
      patch(taskOf(m, e.task), e.data, e.unset);
      break;
    case 'attempt-data': {
      const a = attemptOf(m, e.task, e.n);
      if (a) Object.assign(a, structuredClone(withoutUndefined(e.data)));
      break;
    }
    case 'run-data':
      patch(m, e.data, e.unset);
      break;
    default:
      assertNever(e);
  }
  m.counts = countTasks(m.tasks);
}

/** A task's first record, from its graph object: what `execute.ts` makes of an analyzed task at the run's start. */
export function taskRecordOf(t: GraphTaskObject): TaskRecord {
  const a = t.approval;
  return {
    id: t.id,
    title: t.title ?? t.id,
    role: t.role,
    deps: [...new Set(t.deps ?? [])],
    status: 'pending',
    attempts: [],
    artifacts: {},
    ...(t.role === 'gate' && a
      ? {
          approval: {
            criteria: [...(a.criteria ?? [])],
            ...(a.artifact !== undefined && a.author !== undefined ? { artifact: a.artifact, author: a.author, sections: [...(a.sections ?? [])] } : {}),
            ...(a.revise === false ? { revise: false } : {}),
          },
        }
      : {}),
    ...(t.when === 'failure' && t.role !== 'gate' ? { when: 'failure' as const } : {}),
  };
}

function taskOf(m: Manifest, id: string): TaskRecord {
  const t = m.tasks.find((x) => x.id === id);
  if (!t) throw new Error(`Internal error: an event names task ${id}, which the run does not have`);
  return t;
}

/** A task's attempt by its number; undefined when the log names one the state does not have (nothing to change). */
function attemptOf(m: Manifest, task: string, n: number): Attempt | undefined {
  return taskOf(m, task).attempts.find((x) => x.n === n);
}

function patch(target: object, data: object, unset: readonly string[] | undefined): void {
  Object.assign(target, structuredClone(withoutUndefined(data)));
  for (const key of unset ?? []) delete (target as Record<string, unknown>)[key];
}

function withoutUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
