import { describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/store/manifest.js';
import { narrate } from '../../src/store/events/narrate.js';
import { RUN_EVENT_VERSION, type RunEvent, type RunEventInput } from '../../src/store/events/run-event.js';

// What events say in runner.log: one table, the lines a reader of the log sees.

const state = { runId: '20261201-000000-abcd', tasks: [{ id: 'g', approval: { criteria: [], artifact: 'docs/a.md', author: 'a', sections: ['Risk'] } }] } as unknown as Manifest;
const at = '2026-12-01T00:00:00.000Z';
const ev = (e: RunEventInput): RunEvent => ({ v: RUN_EVENT_VERSION, seq: 1, at, ...e }) as RunEvent;

describe('narrate', () => {
  it.each<[string, RunEventInput, string | undefined, string[]]>([
    ['an attempt', { kind: 'attempt-started', task: 'a', n: 1 }, undefined, ['task a: attempt 1 started']],
    ['a fix', { kind: 'attempt-started', task: 'a', n: 2, followUp: { from: 'fix', fix: 1, of: 3, prompt: 'p', requestedAt: at } }, undefined, ['task a: attempt 2 started (fix 1 of 3)']],
    [
      'a fix of a run before `of` was kept',
      { kind: 'attempt-started', task: 'a', n: 2, followUp: { from: 'fix', fix: 2, prompt: 'p', requestedAt: at } },
      undefined,
      ['task a: attempt 2 started (fix 2)'],
    ],
    [
      'a failed attempt with a fix next',
      {
        kind: 'attempt-finished',
        task: 'a',
        n: 1,
        outcome: { status: 'failed', reason: 'verify-failed', message: '1 of 1 check failed' },
        next: 'fix',
        status: 'running',
        followUp: { from: 'fix', fix: 1, of: 2, prompt: 'p', requestedAt: at },
        data: {},
      },
      'running',
      ['task a: attempt 1 failed (verify-failed): 1 of 1 check failed; fix 1 of 2 follows'],
    ],
    [
      "a tester's rework",
      {
        kind: 'attempt-finished',
        task: 't',
        n: 1,
        outcome: { status: 'failed', reason: 'verdict-failed', message: 'no', verdict: { verdict: 'fail', summary: 'no', findings: 1, overridden: false } },
        next: 'rework',
        status: 'pending',
        rework: { to: ['a', 'b'], round: 1, of: 2 },
        data: {},
      },
      'running',
      ['task t: attempt 1 failed (verdict-failed): no; verdict fail; its findings go to a, b: round 1 of 2, then it runs again'],
    ],
    [
      'a skip',
      { kind: 'task-skipped', task: 'b', reason: 'dependency-failed', message: 'not run: dependency "a" did not succeed (failed)', blockedBy: 'a' },
      'pending',
      ['task b: skipped, not run: dependency "a" did not succeed (failed)'],
    ],
    ['a stale task', { kind: 'task-reopened', task: 'c', why: 'stale', because: ['a'] }, 'approved', ['task c: stale (was approved): a changed after it ran; it runs again']],
    ['a retry with changes', { kind: 'task-reopened', task: 'c', why: 'retry', changes: ['timeout 1.0s → 2m'] }, 'failed', ['task c: retry requested (timeout 1.0s → 2m)']],
    ['a resume (its notes say it)', { kind: 'task-reopened', task: 'c', why: 'resume' }, 'running', []],
    [
      'a decision',
      { kind: 'decided', task: 'g', review: { decision: 'rejected', reviewer: 'ana', at, attempt: 0, digests: {}, reason: 'not\nyet' }, status: 'rejected' },
      'awaiting-approval',
      ['task g rejected by ana (attempt 0, was awaiting-approval): not yet'],
    ],
    [
      'a gate sent back to its author',
      {
        kind: 'decided',
        task: 'g',
        review: { decision: 'rejected', reviewer: 'ana', at, attempt: 0, digests: {}, reason: 'fill in the risk' },
        status: 'pending',
        rework: { task: 'a', followUp: { from: 'reject', by: 'ana', prompt: 'p', requestedAt: at } },
      },
      'awaiting-approval',
      ['task g rejected by ana (attempt 0, was awaiting-approval): fill in the risk', 'task a: revises docs/a.md for gate g (reject by ana); then g awaits approval again'],
    ],
    ['a send', { kind: 'follow-up-requested', task: 'a', followUp: { from: 'send', prompt: 'p', requestedAt: at } }, 'succeeded', ['task a: follow-up received (send)']],
    ["a tester's findings on a builder (the tester's line says it)", { kind: 'follow-up-requested', task: 'a', followUp: { from: 'tester', by: 't', prompt: 'p', requestedAt: at } }, 'succeeded', []],
    ['the end', { kind: 'run-finished', status: 'failed', message: '1 task failed' }, undefined, ['run 20261201-000000-abcd failed: 1 task failed']],
    ['data', { kind: 'task-data', task: 'a', data: { branch: 'x' } }, 'running', []],
  ])('%s', (_name, input, was, lines) => {
    expect(narrate(ev(input), state, was as never)).toEqual(lines);
  });
});
