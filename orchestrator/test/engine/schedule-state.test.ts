import { describe, expect, it } from 'vitest';
import { scheduleStateOf } from '../../src/engine/run/schedule-state.js';
import type { FollowUp } from '../../src/store/manifest.js';

const followUp: FollowUp = { from: 'send', prompt: 'again', requestedAt: '2026-01-01T00:00:00.000Z' };

describe('scheduleStateOf', () => {
  it.each([
    // A task's status, as it is: what the scheduler reads.
    [{ status: 'succeeded', role: 'builder' }, 'succeeded'],
    [{ status: 'failed', role: 'tester' }, 'failed'],
    [{ status: 'awaiting-approval', role: 'gate' }, 'awaiting-approval'],
    [{ status: 'running', role: 'builder' }, 'running'],
    // `ready` (older runs) waits to start like `pending`.
    [{ status: 'ready', role: 'builder' }, 'pending'],
    // A follow-up waiting on a finished task: it runs again.
    [{ status: 'succeeded', role: 'builder', followUp }, 'pending'],
    [{ status: 'failed', role: 'builder', followUp }, 'pending'],
    [{ status: 'rejected', role: 'builder', followUp: { ...followUp, from: 'reject' } }, 'pending'],
    // A running task's follow-up is its next attempt (a fix, a retry): it is running.
    [{ status: 'running', role: 'builder', followUp: { ...followUp, from: 'fix' } }, 'running'],
    // A gate sent back to its author waits, pending, for the revision (the author holds the follow-up).
    [{ status: 'pending', role: 'gate' }, 'pending'],
    // Gates get no follow-ups; one would change nothing.
    [{ status: 'rejected', role: 'gate', followUp }, 'rejected'],
  ] as const)('%j → %s', (task, state) => {
    expect(scheduleStateOf(task)).toBe(state);
  });
});
