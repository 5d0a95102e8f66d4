import { describe, expect, it } from 'vitest';
import { countTasks, type Manifest, type TaskRecord } from '../../src/store/manifest.js';
import { fold } from '../../src/store/events/reduce.js';
import { RunEvent, type RunEventInput } from '../../src/store/events/run-event.js';
import { markTask, renderOperatorFailure } from '../../src/review/operator.js';
import { manifestFixture } from '../helpers/manifests.js';

function stamped(inputs: readonly RunEventInput[]): RunEvent[] {
  return inputs.map((e, i) => RunEvent.parse({ v: 1, seq: i + 1, at: new Date(Date.parse('2026-12-01T10:00:00Z') + i * 1000).toISOString(), ...e }));
}

function run(): Manifest {
  const base = manifestFixture();
  const [a, b, c] = base.tasks as [TaskRecord, TaskRecord, TaskRecord];
  const tasks: TaskRecord[] = [
    { ...a, id: 'prep', role: 'builder', status: 'succeeded' },
    { ...b, id: 'cutover', role: 'manual', deps: ['prep'] },
    { ...c, id: 'after', role: 'builder', deps: ['cutover'] },
  ];
  return { ...base, schemaVersion: 2, tasks, counts: countTasks(tasks) };
}

describe('operator-marked: a manual task marked by its operator', () => {
  it('folds: waiting (gate-waiting), claimed and blocked keep it waiting, done succeeds it', () => {
    const m = run();
    const log = stamped([
      { kind: 'snapshot', from: 'start', manifest: m },
      { kind: 'gate-waiting', task: 'cutover' },
      { kind: 'operator-marked', task: 'cutover', status: 'running', by: 'ada' },
      { kind: 'operator-marked', task: 'cutover', status: 'blocked', by: 'ada', note: 'DBA away' },
    ]);
    const blocked = fold(log)!;
    const t = blocked.tasks.find((x) => x.id === 'cutover')!;
    expect(t).toMatchObject({ status: 'awaiting-approval', operator: { status: 'blocked', by: 'ada', at: '2026-12-01T10:00:03.000Z', note: 'DBA away' }, message: 'blocked (ada): DBA away' });
    const done = fold([...log, ...stamped([{ kind: 'operator-marked', task: 'cutover', status: 'done', by: 'bob' }]).map((e) => ({ ...e, seq: 5 }))])!;
    const d = done.tasks.find((x) => x.id === 'cutover')!;
    expect(d.status).toBe('succeeded');
    expect(d.operator).toEqual({ status: 'done', by: 'bob', at: '2026-12-01T10:00:00.000Z' });
    expect(d.message).toBeUndefined();
    expect(done.counts.succeeded).toBe(2);
  });

  it('markTask: dependencies enforced, manual only, done once, unknown tasks named', () => {
    const m = run();
    expect(markTask(m, { taskId: 'cutover', status: 'done', by: 'ada' })).toEqual({ ok: true, value: { kind: 'operator-marked', task: 'cutover', status: 'done', by: 'ada' } });
    const waiting = structuredClone(m);
    waiting.tasks[0]!.status = 'running';
    const notReady = markTask(waiting, { taskId: 'cutover', status: 'running', by: 'ada' });
    expect(!notReady.ok && renderOperatorFailure(notReady.error, { taskId: 'cutover', status: 'running' })).toBe(
      'error: cannot mark cutover running: it waits for prep\n  hint: its dependencies must be done first (see codex-orchestrator migrate status)',
    );
    const gate = markTask(m, { taskId: 'after', status: 'done', by: 'ada' });
    expect(!gate.ok && gate.error.reason).toBe('not-manual');
    const unknown = markTask(m, { taskId: 'nope', status: 'done', by: 'ada' });
    expect(!unknown.ok && renderOperatorFailure(unknown.error, { taskId: 'nope', status: 'done' })).toBe(
      'error: cannot mark nope done: the run has no task "nope"\n  hint: its tasks are: prep, cutover, after',
    );
    const twice = structuredClone(m);
    Object.assign(twice.tasks[1]!, { status: 'succeeded', operator: { status: 'done', by: 'ada', at: '2026-12-01T10:00:00Z' } });
    const again = markTask(twice, { taskId: 'cutover', status: 'done', by: 'bob' });
    expect(!again.ok && renderOperatorFailure(again.error, { taskId: 'cutover', status: 'done' })).toBe(
      'error: cannot mark cutover done: it was marked done by ada at 2026-12-01T10:00:00Z\n  hint: a manual task is done once; nothing to change',
    );
    expect(markTask(m, { taskId: 'cutover', status: 'done', by: ' ' }).ok).toBe(false);
  });
});
