import { checkCounts, type Manifest, type TaskStatus } from '../../store/manifest.js';
import { expansionLines, narrate, reviseLine } from '../../store/events/narrate.js';
import type { RunEvent } from '../../store/events/run-event.js';
import type { EngineEvent } from './events.js';

/**
 * What the observers (the console, tests, later the dashboard) are told of an event the run
 * recorded: derived from the event and the state it made, like the event's lines in `runner.log`,
 * so no stage tells them by hand. Not derived: the session's own news (`run-started`, notices of
 * its setup, the commands a turn runs) and `run-finished`, told once the run's lock is released.
 */
export function told(e: RunEvent, state: Readonly<Manifest>, was: TaskStatus | undefined, pid: number): EngineEvent[] {
  switch (e.kind) {
    case 'attempt-started': {
      const t = state.tasks.find((x) => x.id === e.task);
      const fix = e.followUp?.from === 'fix' ? { fix: { n: e.followUp.fix ?? 1, of: e.followUp.of ?? e.followUp.fix ?? 1 } } : {};
      return [{ type: 'task-started', taskId: e.task, role: t?.role ?? 'builder', attempt: e.n, ...fix }];
    }
    case 'attempt-finished': {
      const a = state.tasks.find((x) => x.id === e.task)?.attempts.find((x) => x.n === e.n);
      const o = e.outcome;
      return [
        {
          type: 'task-finished',
          taskId: e.task,
          status: o.status === 'succeeded' || o.status === 'cancelled' ? o.status : 'failed',
          reason: o.reason,
          message: o.reason !== undefined ? o.message : undefined,
          durationMs: a?.finishedAt ? Date.parse(a.finishedAt) - Date.parse(a.startedAt) : 0,
          diff: e.data.diffStat,
          checks: e.data.checks ? checkCounts(e.data.checks) : undefined,
          willRetry: e.next === 'retry',
          ...(e.next === 'fix' ? { willFix: true } : {}),
          ...(o.verdict ? { verdict: o.verdict.verdict } : {}),
        },
      ];
    }
    case 'task-skipped':
      // A rollback that was not needed is no casualty of a failure.
      if (e.reason === 'not-needed') return [{ type: 'notice', message: `${e.task}: ${e.message}` }];
      return [{ type: 'task-skipped', taskId: e.task, blockedBy: e.blockedBy ?? '?' }];
    case 'graph-expanded':
      return expansionLines(e).map((message) => ({ type: 'notice', message: message.trim() }));
    case 'gate-waiting':
      if (state.tasks.find((t) => t.id === e.task)?.role === 'manual')
        return [{ type: 'notice', message: `${e.task}: manual task awaits its operator (codex-orchestrator migrate execute ${e.task} --status done)` }];
      return [{ type: 'task-awaiting-approval', taskId: e.task }];
    case 'run-waiting': {
      const awaiting = e.awaiting ?? state.tasks.filter((t) => t.status === 'awaiting-approval').map((t) => t.id);
      const manual = awaiting.filter((id) => state.tasks.find((t) => t.id === id)?.role === 'manual');
      return [{ type: 'run-waiting', runId: state.runId, awaiting, ...(manual.length > 0 ? { manual } : {}), pid }];
    }
    case 'task-reopened':
      // A task that runs again because of what happened elsewhere is news; a retry or a resume was asked for.
      return e.why === 'dependency-again' || e.why === 'stale' ? narrate(e, state, was).map((message) => ({ type: 'notice', message })) : [];
    case 'operator-marked':
      return [{ type: 'notice', message: `${e.task}: marked ${e.status} by ${e.by}${e.note ? `: ${e.note}` : ''}` }];
    case 'decided':
      // A gate sent back to its author is news: work starts again.
      return e.rework ? [{ type: 'notice', message: reviseLine(e.task, e.rework, state) }] : [];
    case 'snapshot':
    case 'run-resumed':
    case 'run-busy':
    case 'run-finished':
    case 'run-settled':
    case 'budget-reached':
    case 'integration-built':
    case 'attempt-interrupted':
    case 'task-cancelled':
    case 'fix-declined':
    case 'approval-withdrawn':
    case 'follow-up-requested':
    case 'task-data':
    case 'attempt-data':
    case 'run-data':
      return [];
  }
}
