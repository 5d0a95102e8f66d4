import type { FollowUp, Manifest, Review, TaskStatus } from '../manifest.js';
import type { RunEvent } from './run-event.js';

/**
 * What an event says in `runner.log`: the run writer writes these lines for every event it
 * records, so the log tells the run's history exactly as the event log holds it (the session's
 * own notes — model, worktrees, Codex's stderr — are written beside them). Pure: the event, the
 * state it made, and the status its task had before.
 */
export function narrate(e: RunEvent, state: Readonly<Manifest>, was: TaskStatus | undefined): string[] {
  switch (e.kind) {
    case 'attempt-started':
      return [`task ${e.task}: attempt ${e.n} started${e.followUp ? ` (${describeFollowUp(e.followUp)})` : ''}`];
    case 'attempt-finished': {
      const o = e.outcome;
      const failure = o.reason !== undefined ? ` (${o.reason}): ${o.message ?? ''}` : '';
      const verdict = o.verdict ? `; verdict ${o.verdict.verdict}` : '';
      const fix = e.next === 'fix' && e.followUp ? `; fix ${ofMax(e.followUp)} follows` : '';
      const rework = e.rework ? `; its findings go to ${e.rework.to.join(', ')}: round ${e.rework.round} of ${e.rework.of}, then it runs again` : '';
      return [`task ${e.task}: attempt ${e.n} ${o.status}${failure}${verdict}${fix}${rework}`];
    }
    case 'task-skipped':
      return [`task ${e.task}: skipped, ${e.message}`];
    case 'task-cancelled':
      return [`task ${e.task}: cancelled, ${e.message}`];
    case 'gate-waiting':
      return [state.tasks.find((t) => t.id === e.task)?.role === 'manual' ? `task ${e.task}: manual task awaits its operator` : `task ${e.task}: gate awaits approval`];
    case 'operator-marked':
      return [`task ${e.task}: marked ${e.status} by ${e.by}${e.note ? `: ${e.note}` : ''}`];
    case 'run-waiting':
      return [e.message];
    case 'run-finished':
      return [`run ${state.runId} ${e.status}${e.message ? `: ${e.message}` : ''}`];
    case 'integration-built': {
      const i = e.integration;
      return [`integration branch ${i.branch} at ${i.commit}: ${i.merged.length} task(s) merged${i.skipped.length ? `, ${i.skipped.length} left out` : ''}`];
    }
    case 'task-reopened':
      switch (e.why) {
        case 'dependency-again':
          return [`task ${e.task}: no longer skipped: the dependency that did not succeed runs again`];
        case 'stale':
          return [`task ${e.task}: stale (was ${was ?? '?'}): ${(e.because ?? []).join(', ')} changed after it ran; it runs again`];
        case 'retry':
          return [`task ${e.task}: retry requested${e.changes?.length ? ` (${e.changes.join(', ')})` : ''}`];
        case 'resume':
          // Resume says what it reopens, and why, in its own notes.
          return [];
      }
      return [];
    case 'approval-withdrawn':
      return [`task ${e.task}: approval withdrawn: ${e.reason}`];
    case 'decided':
      return [decisionLine(e.task, e.review, was), ...(e.rework ? [reviseLine(e.task, e.rework, state)] : [])];
    case 'follow-up-requested':
      return e.followUp.from === 'send' ? [`task ${e.task}: follow-up received (send)`] : [];
    case 'graph-expanded':
      return expansionLines(e);
    case 'snapshot':
    case 'run-resumed':
    case 'run-busy':
    case 'run-settled':
    case 'budget-reached':
    case 'attempt-interrupted':
    case 'fix-declined':
    case 'task-data':
    case 'attempt-data':
    case 'run-data':
      return [];
  }
}

/** `mig-4-execute fanned out into 2 steps: 1. …; 2. …`, and what it added (for `runner.log` and the console). */
export function expansionLines(e: Extract<RunEvent, { kind: 'graph-expanded' }>): string[] {
  const n = e.steps.length;
  const waits = e.deps[e.task] ?? [];
  return [
    `${e.task} fanned out into ${n} step${n === 1 ? '' : 's'}: ${e.steps.join('; ')}`,
    `  added ${e.tasks.length} tasks: ${e.tasks.map((t) => t.id).join(', ')}${waits.length > 0 ? `; ${e.task} runs after ${waits.join(', ')}` : ''}`,
  ];
}

/** A follow-up in a few words: which fix, whose rejection or findings, a resume. */
export function describeFollowUp(f: FollowUp): string {
  switch (f.from) {
    case 'fix':
      return `fix ${ofMax(f)}`;
    case 'reject':
    case 'send':
      return `${f.from}${f.by ? ` by ${f.by}` : ''}`;
    case 'resume':
      return 'continued after the session running it ended';
    case 'tester':
      return `findings of tester ${f.by ?? '?'}`;
  }
}

/** `2 of 3`: a fix's number and how many the task may have (runs before that number was kept say `2`). */
function ofMax(f: FollowUp): string {
  return `${f.fix ?? 1}${f.of ? ` of ${f.of}` : ''}`;
}

/** A gate rejected for its author to revise: who revises what, and that the gate waits again. */
export function reviseLine(gate: string, rework: { readonly task: string; readonly followUp: FollowUp }, state: Readonly<Manifest>): string {
  const artifact = state.tasks.find((t) => t.id === gate)?.approval?.artifact;
  return `task ${rework.task}: revises ${artifact ?? 'its artifact'} for gate ${gate} (${describeFollowUp(rework.followUp)}); then ${gate} awaits approval again`;
}

/** The line that records a decision: who, on which attempt, what the task was, and what they said. */
export function decisionLine(taskId: string, r: Review, was: TaskStatus | undefined): string {
  const oneLine = (text: string): string => text.replace(/\s+/g, ' ').trim();
  const said = r.decision === 'approved' ? (r.note ? `: ${oneLine(r.note)}` : '') : `: ${oneLine(r.reason ?? '')}`;
  return `task ${taskId} ${r.decision} by ${r.reviewer} (attempt ${r.attempt}, was ${was ?? '?'})${said}`;
}
