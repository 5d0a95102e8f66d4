import { describe, expect, it } from 'vitest';
import { describeWaiting, waitingReasons, type Waiting, type WaitingRun, type WaitingTask } from '../../src/views/waiting.js';

const t = (id: string, status: string, deps: string[] = [], role = 'builder', reason?: string): WaitingTask => ({ id, role, status, deps, ...(reason ? { reason } : {}) });
const run = (tasks: WaitingTask[], extra: Partial<WaitingRun> = {}): WaitingRun => ({ settings: { concurrency: { builder: 2, tester: 1 } }, usage: { total: 100 }, tasks, ...extra });
/** The reason of the last task. */
const last = (r: WaitingRun, status = 'running'): Waiting | null => waitingReasons(r, status).at(-1) ?? null;

describe('why a task is not running', () => {
  const cases: [string, WaitingRun, string, Waiting | null][] = [
    ['a running task has none', run([t('a', 'running')]), 'running', null],
    ['nor a finished one', run([t('a', 'succeeded'), t('b', 'failed'), t('c', 'approved'), t('d', 'rejected')]), 'failed', null],
    ['nor one cancelled by a stop', run([t('a', 'cancelled', [], 'builder', 'cancelled')]), 'stopped', null],
    ['dependencies not done', run([t('a', 'running'), t('b', 'pending'), t('c', 'succeeded'), t('d', 'pending', ['a', 'b', 'c'])]), 'running', { kind: 'waiting-for', tasks: ['a', 'b'] }],
    ['an approved gate is done', run([t('g', 'approved', [], 'gate'), t('d', 'pending', ['g'])]), 'running', { kind: 'ready' }],
    ['a cancelled dependency runs again on resume', run([t('a', 'cancelled'), t('d', 'pending', ['a'])]), 'stopped', { kind: 'waiting-for', tasks: ['a'] }],
    ['a gate awaiting a decision', run([t('g', 'awaiting-approval', [], 'gate')]), 'awaiting-approval', { kind: 'gate' }],
    [
      'a gate sent back to its author waits for the revision',
      run([{ ...t('a', 'succeeded'), followUp: { from: 'reject' } }, t('g', 'pending', ['a'], 'gate')]),
      'awaiting-approval',
      { kind: 'waiting-for', tasks: ['a'] },
    ],
    ['a pending gate whose dependencies are done', run([t('a', 'succeeded'), t('g', 'pending', ['a'], 'gate')]), 'running', { kind: 'gate' }],
    ['its role pool is full', run([t('a', 'running'), t('b', 'running'), t('c', 'ready')]), 'running', { kind: 'pool-full', role: 'builder', running: 2, limit: 2 }],
    ['the other role has room', run([t('a', 'running'), t('b', 'running'), t('c', 'ready', [], 'tester')]), 'running', { kind: 'ready' }],
    ['a tester pool of one', run([t('a', 'running', [], 'tester'), t('c', 'pending', [], 'tester')]), 'running', { kind: 'pool-full', role: 'tester', running: 1, limit: 1 }],
    ['the budget is reached', run([t('a', 'succeeded'), t('b', 'pending', ['a'])], { budget: { maxTokens: 100 } }), 'running', { kind: 'budget' }],
    ['the budget was reached earlier', run([t('b', 'pending')], { budget: { maxTokens: 1000, reachedAt: 'x' } }), 'running', { kind: 'budget' }],
    ['a budget not reached holds nothing', run([t('b', 'pending')], { budget: { maxTokens: 101 } }), 'running', { kind: 'ready' }],
    ['cancelled for the budget', run([t('b', 'cancelled', [], 'builder', 'budget-exceeded')], { budget: { maxTokens: 100 } }), 'failed', { kind: 'budget' }],
    [
      'a dependency failed or was rejected',
      run([t('a', 'failed'), t('g', 'rejected', [], 'gate'), t('c', 'running'), t('d', 'pending', ['a', 'g', 'c'])]),
      'running',
      { kind: 'blocked', by: ['a', 'g'] },
    ],
    ['blocked comes before the budget', run([t('a', 'skipped'), t('d', 'pending', ['a'])], { budget: { maxTokens: 1 } }), 'running', { kind: 'blocked', by: ['a'] }],
    [
      'skipped, by the dependencies that did not succeed',
      run([t('a', 'failed'), t('b', 'succeeded'), t('d', 'skipped', ['a', 'b'], 'builder', 'dependency-failed')]),
      'failed',
      { kind: 'skipped', by: ['a'] },
    ],
    ['the run is not running', run([t('a', 'succeeded'), t('d', 'pending', ['a'])]), 'stopped', { kind: 'run-not-running', status: 'stopped' }],
    ['nor when it died', run([t('d', 'ready')]), 'died', { kind: 'run-not-running', status: 'died' }],
    ['a run waiting at gates still starts what is ready', run([t('g', 'awaiting-approval', [], 'gate'), t('d', 'pending')]), 'awaiting-approval', { kind: 'ready' }],
    ['nothing holds it', run([t('d', 'pending')]), 'running', { kind: 'ready' }],
    [
      'stale: a dependency changed after it ran, and it is ready to run again',
      run([t('a', 'succeeded'), { ...t('d', 'pending', ['a']), stale: { because: ['a'] } }]),
      'running',
      { kind: 'stale', because: ['a'] },
    ],
    ['stale, but its changed dependency is not done yet', run([t('a', 'running'), { ...t('d', 'pending', ['a']), stale: { because: ['a'] } }]), 'running', { kind: 'waiting-for', tasks: ['a'] }],
  ];
  it.each(cases)('%s', (_name, r, status, expected) => {
    expect(last(r, status)).toEqual(expected);
  });

  it('gives one reason per task, in order', () => {
    const r = run([t('a', 'running'), t('b', 'pending', ['a']), t('g', 'awaiting-approval', ['a'], 'gate')]);
    expect(waitingReasons(r, 'running')).toEqual([null, { kind: 'waiting-for', tasks: ['a'] }, { kind: 'gate' }]);
  });

  it('says each reason in a few words', () => {
    const all: Waiting[] = [
      { kind: 'waiting-for', tasks: ['a', 'b'] },
      { kind: 'gate' },
      { kind: 'pool-full', role: 'builder', running: 4, limit: 4 },
      { kind: 'budget' },
      { kind: 'blocked', by: ['a'] },
      { kind: 'skipped', by: ['a'] },
      { kind: 'run-not-running', status: 'stopped' },
      { kind: 'ready' },
      { kind: 'stale', because: ['a'] },
    ];
    expect(all.map(describeWaiting)).toEqual([
      'waiting for a, b',
      'awaiting a decision',
      'pool full: builder 4/4',
      'token budget reached',
      'blocked by a',
      'skipped: a did not succeed',
      'run stopped',
      'ready to start',
      'stale: a changed; runs again',
    ]);
  });
});
