import { describe, expect, it } from 'vitest';
import { toTaskId } from '../../src/core/ids.js';
import { nextStep, type AttemptOutcome, type NextStep } from '../../src/engine/attempt/next-step.js';
import type { Failure } from '../../src/engine/attempt/task-failure.js';

const NOW = new Date('2026-01-02T03:04:05.000Z');
const builder = { id: toTaskId('build'), role: 'builder', retries: 2, maxFixAttempts: 2, fix: undefined } as const;
const tester = { ...builder, id: toTaskId('test'), role: 'tester' } as const;

const transport: Failure = { reason: 'transport-error', message: 'stream disconnected', retryable: true };
const verify: Failure = { reason: 'verify-failed', message: 'verify failed: `npm test` exited 1', retryable: false };
const verdict: Failure = { reason: 'verdict-failed', message: "the tester's verdict is fail: no", retryable: false };
const timeout: Failure = { reason: 'timeout', message: 'the task did not finish within its timeout of 1s', retryable: false };
const cancelled: Failure = { reason: 'cancelled', message: 'the run was stopped', retryable: false };
const auth: Failure = { reason: 'auth-failed', message: 'unauthorized', retryable: false };

function outcome(o: Partial<AttemptOutcome>): AttemptOutcome {
  return {
    task: builder,
    failure: undefined,
    attempt: 1,
    local: 1,
    fixesUsed: 0,
    builders: [],
    roundsUsed: 0,
    hasResult: true,
    stopped: false,
    held: false,
    evidence: [],
    verdict: undefined,
    now: NOW,
    ...o,
  };
}

/** A decision without its fix prompt (pinned on its own below). */
function shape(n: NextStep): unknown {
  if (n.kind === 'fix') return { kind: 'fix', failure: n.failure, fix: n.followUp.fix, from: n.followUp.from, requestedAt: n.followUp.requestedAt };
  if (n.kind === 'rework') return { kind: 'rework', failure: n.failure, builders: n.builders, round: n.followUp.fix, from: n.followUp.from, by: n.followUp.by };
  return n;
}

const end = (failure: Failure, note = ''): NextStep => ({ kind: 'end', status: failure.reason === 'cancelled' ? 'cancelled' : 'failed', failure: { ...failure, message: failure.message + note } });
const rework = (failure: Failure, builders: string[], round: number) => ({ kind: 'rework', failure, builders, round, from: 'tester', by: 'test' });
const fix = (failure: Failure, k: number) => ({ kind: 'fix', failure, fix: k, from: 'fix', requestedAt: NOW.toISOString() });

describe('nextStep', () => {
  const rows: [string, Partial<AttemptOutcome>, unknown][] = [
    ['a success ends succeeded', {}, { kind: 'end', status: 'succeeded' }],
    ['a success ends succeeded, even while held', { held: true }, { kind: 'end', status: 'succeeded' }],
    ['a retryable failure with retries left is retried', { failure: transport }, { kind: 'retry', failure: transport, retry: 1, of: 2 }],
    ['the last retry of the bound is still one', { failure: transport, local: 2 }, { kind: 'retry', failure: transport, retry: 2, of: 2 }],
    ['past the bound a retryable failure ends failed', { failure: transport, local: 3 }, end(transport)],
    ['retries 0: never retried', { failure: transport, task: { ...builder, retries: 0 } }, end(transport)],
    ['a fatal failure is never retried', { failure: auth }, end(auth)],
    ['a stop: no retry, and the message stays', { failure: transport, stopped: true }, end(transport)],
    ['held: not retried, and the message says so', { failure: transport, held: true }, end(transport, '; not retried: the run reached its token budget')],
    ['held past the bound: plain end', { failure: transport, held: true, local: 3 }, end(transport)],
    ['a fix attempt that fails retryably is retried (not a fix)', { failure: transport, fixesUsed: 1 }, { kind: 'retry', failure: transport, retry: 1, of: 2 }],
    ["a builder's failed verify is fixed", { failure: verify }, fix(verify, 1)],
    ["a builder's fail verdict is fixed", { failure: verdict }, fix(verdict, 1)],
    ['the second fix follows the first', { failure: verify, fixesUsed: 1, attempt: 2 }, fix(verify, 2)],
    ['fixes used up: failed, after k fix attempts', { failure: verify, fixesUsed: 2, attempt: 3 }, end(verify, '; after 2 fix attempts')],
    ['one fix used of one: after 1 fix attempt', { failure: verify, fixesUsed: 1, task: { ...builder, maxFixAttempts: 1 } }, end(verify, '; after 1 fix attempt')],
    ['maxFixAttempts 0: no fix, no note', { failure: verify, task: { ...builder, maxFixAttempts: 0 } }, end(verify)],
    ['held with a fix left: no fix, and the message says so', { failure: verify, held: true }, end(verify, '; no fix attempt: the run reached its token budget')],
    ['held with the fixes used up: after k fix attempts', { failure: verify, held: true, fixesUsed: 2 }, end(verify, '; after 2 fix attempts')],
    ['no result committed: nothing to fix', { failure: verify, hasResult: false }, end(verify)],
    ['stopped: no fix', { failure: verify, stopped: true }, end(verify)],
    ['a tester without builders to send to does not fix: it reports', { failure: verify, task: tester }, end(verify)],
    ["a tester's failed checks go to its builders, who rework them", { failure: verify, task: tester, builders: ['a', 'b'] }, rework(verify, ['a', 'b'], 1)],
    ["a tester's fail verdict goes to its builders", { failure: verdict, task: tester, builders: ['a'] }, rework(verdict, ['a'], 1)],
    ['the second round follows the first', { failure: verdict, task: tester, builders: ['a'], roundsUsed: 1, attempt: 2 }, rework(verdict, ['a'], 2)],
    ['rounds used up: failed, after k rounds of rework', { failure: verdict, task: tester, builders: ['a'], roundsUsed: 2, attempt: 3 }, end(verdict, '; after 2 rounds of rework')],
    ['a tester held by the budget: no rework, and the message says so', { failure: verify, task: tester, builders: ['a'], held: true }, end(verify, '; no rework: the run reached its token budget')],
    ['a stopped tester: no rework', { failure: verify, task: tester, builders: ['a'], stopped: true }, end(verify)],
    ['a tester whose failure is not a failed check: no rework', { failure: auth, task: tester, builders: ['a'] }, end(auth)],
    ['a tester with maxFixAttempts 0: no rework, no note', { failure: verify, task: { ...tester, maxFixAttempts: 0 }, builders: ['a'] }, end(verify)],
    ['a failure that is not a failed check is not fixed', { failure: auth, fixesUsed: 1 }, end(auth)],
    ["the task's timeout ends it failed (fatal, never fixed)", { failure: timeout, stopped: true }, end(timeout)],
    ['a stop or the run timeout ends it cancelled', { failure: cancelled, stopped: true }, end(cancelled)],
  ];
  it.each(rows)('%s', (_name, o, want) => {
    expect(shape(nextStep(outcome(o)))).toEqual(want);
  });

  it('a fix carries the follow-up to send: the failed checks, the findings and the fix number', () => {
    const n = nextStep(
      outcome({
        failure: verify,
        attempt: 3,
        fixesUsed: 1,
        evidence: [{ command: 'npm test', exitCode: 1, outputPath: 'tasks/build/checks/1.log', output: 'expected 2' }],
      }),
    );
    expect(n.kind).toBe('fix');
    if (n.kind !== 'fix') return;
    expect(n.followUp).toMatchObject({ from: 'fix', fix: 2, requestedAt: NOW.toISOString() });
    expect(n.followUp.prompt).toContain('did not pass verification after attempt 3, so this is fix 2 of 2');
    expect(n.followUp.prompt).toContain('(whole output: tasks/build/attempt-3/checks/1.log)');
    expect(n.followUp.prompt).toContain('expected 2');
  });
});
