import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countTasks, Manifest, type TaskRecord, type TaskStatus } from '../../src/store/manifest.js';
import { foldEventLog, readEventLog } from '../../src/store/events/event-log.js';
import { apply, fold, reduce } from '../../src/store/events/reduce.js';
import { RunEvent, type RunEventInput } from '../../src/store/events/run-event.js';
import { loadRunState } from '../../src/store/read.js';
import { RunWriter } from '../../src/store/run-writer.js';
import { createRunWriter, manifestFixture, tasksOf } from '../helpers/manifests.js';

/** Stamps events as the log would: version, consecutive sequence numbers, times a second apart. */
function stamped(inputs: readonly RunEventInput[]): RunEvent[] {
  return inputs.map((e, i) => RunEvent.parse({ v: 1, seq: i + 1, at: new Date(Date.parse('2026-12-01T10:00:00Z') + i * 1000).toISOString(), ...e }));
}

const DONE: ReadonlySet<TaskStatus> = new Set(['succeeded', 'approved']);

/**
 * A legal history of a run of `n` tasks (task i depends on the tasks `deps` names), driven by
 * `choices`: at each step one thing that may happen next happens, as the engine would do it.
 */
function history(tasks: readonly TaskRecord[], choices: readonly number[]): RunEventInput[] {
  const m = { ...manifestFixture(), schemaVersion: 2 as const, tasks: structuredClone(tasks as TaskRecord[]), counts: countTasks(tasks) };
  const events: RunEventInput[] = [{ kind: 'snapshot', from: 'start', manifest: structuredClone(m) }];
  const state = structuredClone(m);
  const status = (id: string): TaskStatus => state.tasks.find((t) => t.id === id)?.status as TaskStatus;
  for (const c of choices) {
    const moves: RunEventInput[] = [];
    for (const t of state.tasks) {
      const n = t.attempts.length;
      if (t.status === 'pending' && t.deps.every((d) => DONE.has(status(d)))) moves.push({ kind: 'attempt-started', task: t.id, n: n + 1 });
      if (t.status === 'pending' && t.deps.some((d) => ['failed', 'skipped', 'rejected'].includes(status(d)))) {
        moves.push({ kind: 'task-skipped', task: t.id, reason: 'dependency-failed', message: 'not run' });
      }
      if (t.status === 'running') {
        for (const outcome of ['succeeded', 'failed'] as const) {
          moves.push({ kind: 'attempt-finished', task: t.id, n, outcome: { status: outcome }, next: 'end', status: outcome, data: { finishedAt: 'x', artifacts: {} } });
        }
        moves.push({ kind: 'attempt-finished', task: t.id, n, outcome: { status: 'failed', reason: 'transport-error', retryable: true }, next: 'retry', status: 'running', data: {} });
        moves.push({ kind: 'attempt-data', task: t.id, n, data: { threadId: `thread-${t.id}` } });
      }
      // Reviewers decide on what ran (a manual task an operator marked done is never decided on).
      if (t.status === 'succeeded' && t.operator === undefined) {
        moves.push({ kind: 'decided', task: t.id, status: 'approved', review: { decision: 'approved', reviewer: 'r', at: 'x', attempt: n, digests: {} } });
        // Rejected for the task it depends on to revise (as a gate with an author): it waits again,
        // and so do its dependents, none of which has started (they wait for the gate).
        const author = t.deps[0];
        if (author !== undefined && state.tasks.every((x) => !x.deps.includes(t.id) || x.attempts.length === 0)) {
          const followUp = { from: 'reject' as const, prompt: 'revise it', by: 'r', requestedAt: 'x' };
          moves.push({
            kind: 'decided',
            task: t.id,
            status: 'pending',
            review: { decision: 'rejected', reviewer: 'r', at: 'x', reason: 'no', attempt: n, digests: {} },
            rework: { task: author, followUp },
          });
        }
      }
      if (t.status === 'failed' && t.deps.every((d) => DONE.has(status(d)))) moves.push({ kind: 'task-reopened', task: t.id, why: 'retry' });
      // Held at its readiness (a gate, a manual task), then marked by an operator: claimed, blocked, done.
      if (t.status === 'pending' && t.attempts.length === 0 && t.deps.every((d) => DONE.has(status(d)))) moves.push({ kind: 'gate-waiting', task: t.id });
      if (t.status === 'awaiting-approval') {
        for (const mark of ['running', 'blocked', 'done'] as const)
          moves.push({ kind: 'operator-marked', task: t.id, status: mark, by: 'op', ...(mark === 'blocked' ? { note: 'waiting for the DBA' } : {}) });
      }
      // A fan-out, once: a task that has not started grows the graph by a step it then waits for.
      if (t.status === 'pending' && t.attempts.length === 0 && state.expansions === undefined) {
        const step = `${t.id}-step-1`;
        moves.push({ kind: 'graph-expanded', task: t.id, steps: ['1. Do it'], tasks: [{ id: step, role: 'builder', deps: [...t.deps], prompt: 'Do it' }], deps: { [t.id]: [step] } });
      }
    }
    if (moves.length === 0) break;
    const move = moves[c % moves.length] as RunEventInput;
    // A started attempt's status follows from the model, so the model folds the same events.
    const [e] = stamped([move]);
    apply(state, e as RunEvent);
    events.push(move);
  }
  return events;
}

/** Random graphs: each task depends on some of the tasks before it. */
const graphs = fc
  .integer({ min: 1, max: 8 })
  .chain((n) =>
    fc.tuple(...Array.from({ length: n }, (_, i) => fc.subarray(Array.from({ length: i }, (_, j) => `task-${j}`)))).map((depsOf) => tasksOf(n).map((t, i) => ({ ...t, deps: depsOf[i] as string[] }))),
  );

describe('reduce: the one transition function', () => {
  it('folds random legal histories keeping the invariants: counts match, one status each, deps before dependents, attempts numbered in order', () => {
    fc.assert(
      fc.property(graphs, fc.array(fc.nat(), { maxLength: 60 }), (tasks, choices) => {
        const events = stamped(history(tasks, choices));
        let state = fold(events.slice(0, 1)) as Manifest;
        for (const e of events.slice(1)) {
          const before = JSON.stringify(state);
          const next = reduce(state, e);
          // reduce never changes the state it is given.
          expect(JSON.stringify(state)).toBe(before);
          state = next;
          expect(Manifest.safeParse(state).success).toBe(true);
          expect(state.counts).toEqual(countTasks(state.tasks));
          expect(Object.values(state.counts).reduce((a, b) => a + b, 0)).toBe(state.tasks.length);
          expect(state.tasks.length).toBe(tasks.length + (state.expansions?.flatMap((x) => x.tasks).length ?? 0));
          for (const t of state.tasks) {
            expect(t.attempts.map((a) => a.n)).toEqual(t.attempts.map((_, i) => i + 1));
            // Running or done: every dependency had succeeded when it started (nothing here reopens a done task).
            if (t.attempts.length > 0) for (const d of t.deps) expect(DONE.has(state.tasks.find((x) => x.id === d)?.status as TaskStatus)).toBe(true);
            if (t.status === 'pending') expect(t.attempts.every((a) => a.status !== 'running')).toBe(true);
            // Succeeded by its last attempt, or (a manual task) by an operator, without one.
            if (t.status === 'succeeded' && t.operator?.status === 'done') expect(t.attempts).toEqual([]);
            else if (t.status === 'succeeded') expect(t.attempts.at(-1)?.status).toBe('succeeded');
          }
        }
        // Replay is deterministic, and survives the log's JSON round trip (what resume reads).
        const replayed = fold(events.map((e) => RunEvent.parse(JSON.parse(JSON.stringify(e)))));
        expect({ ...replayed, events: undefined }).toEqual({ ...state, events: undefined });
      }),
      { numRuns: 300 },
    );
  });

  it('graph-expanded adds the tasks as the run starts them (a gate with its approval, a rollback) and the deps; fold gives the same', () => {
    const tasks = tasksOf(2).map((t, i) => ({ ...t, deps: i === 1 ? ['task-0'] : [] }));
    const m = { ...manifestFixture(), schemaVersion: 2 as const, tasks, counts: countTasks(tasks) };
    const expansion: RunEventInput = {
      kind: 'graph-expanded',
      task: 'task-1',
      steps: ['1. Add the table: create it (verify: npm test)'],
      tasks: [
        { id: 'task-1-step-1', title: 'step 1', role: 'builder', deps: ['task-0', 'task-0'], prompt: 'Step 1', verify: [] },
        {
          id: 'gate-task-1-step-1',
          role: 'gate',
          deps: ['task-1-step-1'],
          approval: { criteria: ['Done'], artifact: 'a/step-1.md', author: 'task-1-step-1', sections: ['What Changed'], revise: false },
        },
        { id: 'rollback-task-1-step-1', role: 'builder', deps: ['task-1-step-1', 'gate-task-1-step-1'], when: 'failure', prompt: 'Undo' },
      ],
      deps: { 'task-1': ['gate-task-1-step-1'] },
    };
    const events = stamped([{ kind: 'snapshot', from: 'start', manifest: m }, expansion, { kind: 'task-skipped', task: 'rollback-task-1-step-1', reason: 'not-needed', message: 'not needed' }]);
    const state = reduce(fold(events.slice(0, 1)) as Manifest, events[1] as RunEvent);
    expect(state.tasks.map((t) => [t.id, t.status, t.deps])).toEqual([
      ['task-0', 'pending', []],
      ['task-1', 'pending', ['task-0', 'gate-task-1-step-1']],
      ['task-1-step-1', 'pending', ['task-0']],
      ['gate-task-1-step-1', 'pending', ['task-1-step-1']],
      ['rollback-task-1-step-1', 'pending', ['task-1-step-1', 'gate-task-1-step-1']],
    ]);
    expect(state.tasks[2]).toEqual({ id: 'task-1-step-1', title: 'step 1', role: 'builder', deps: ['task-0'], status: 'pending', attempts: [], artifacts: {} });
    expect(state.tasks[3]?.approval).toEqual({ criteria: ['Done'], artifact: 'a/step-1.md', author: 'task-1-step-1', sections: ['What Changed'], revise: false });
    expect(state.tasks[4]?.when).toBe('failure');
    expect(state.tasks[1]?.expansion).toEqual({
      at: events[1]?.at,
      steps: ['1. Add the table: create it (verify: npm test)'],
      tasks: ['task-1-step-1', 'gate-task-1-step-1', 'rollback-task-1-step-1'],
    });
    expect(state.expansions).toEqual([{ task: 'task-1', at: events[1]?.at, tasks: (expansion as { tasks: unknown }).tasks, deps: { 'task-1': ['gate-task-1-step-1'] } }]);
    expect(state.counts.pending).toBe(5);
    expect(Manifest.safeParse(state).success).toBe(true);
    // The log's JSON round trip (what resume reads) folds to the same state.
    const replayed = fold(events.map((e) => RunEvent.parse(JSON.parse(JSON.stringify(e)))));
    expect({ ...replayed, events: undefined }).toEqual({ ...reduce(state, events[2] as RunEvent), events: undefined });
    expect(replayed?.tasks[4]?.status).toBe('skipped');
    expect(replayed?.counts.skipped).toBe(1);
  });

  it('never lets a data event change a status: the writer refuses it as a bug', async () => {
    const { writer } = await createRunWriter();
    expect(() => writer.updateTask('task-0', (t) => (t.status = 'succeeded'))).toThrow(/task task-0: status changes only through its events/);
    expect(() => writer.update((m) => (m.status = 'failed'))).toThrow(/the run: status changes only through its events/);
    expect(() => writer.updateTask('task-0', (t) => t.attempts.push({ n: 1, status: 'running', startedAt: 'x' }))).toThrow(/attempts change only through their events/);
    writer.updateTask('task-0', (t) => (t.branch = 'b'));
    expect(writer.manifest.tasks[0]?.branch).toBe('b');
    await writer.flush();
    writer.close();
  });
});

describe('events.ndjson', () => {
  it('is appended before the manifest that reflects it, and folds back to the manifest the writer wrote', async () => {
    const { writer, runDir } = await createRunWriter();
    writer.apply({ kind: 'attempt-started', task: 'task-0', n: 1 });
    writer.updateTask('task-0', (t) => (t.branch = 'codex-orchestrator/x/task-0'));
    writer.apply({ kind: 'attempt-finished', task: 'task-0', n: 1, outcome: { status: 'succeeded' }, next: 'end', status: 'succeeded', data: { artifacts: {} } });
    writer.apply({ kind: 'task-skipped', task: 'task-1', reason: 'dependency-failed', message: 'not run' });
    await writer.flush();
    writer.close();
    const onDisk = Manifest.parse(JSON.parse(readFileSync(path.join(runDir, 'manifest.json'), 'utf8')));
    const folded = await foldEventLog(runDir);
    if (!folded.ok || !folded.value) throw new Error('no log');
    expect(folded.value.seq).toBe(5);
    expect(onDisk.events).toEqual({ seq: 5 });
    expect(folded.value.manifest).toEqual({ ...onDisk, heartbeatAt: folded.value.manifest.heartbeatAt });
    expect(onDisk.schemaVersion).toBe(2);
    expect(onDisk.tasks.map((t) => t.status)).toEqual(['succeeded', 'skipped', 'pending']);
  });

  it('drops a last line a crash cut off, says so, and the next writer cuts it off the file before it appends', async () => {
    const { writer, runDir, runsDir } = await createRunWriter();
    writer.apply({ kind: 'attempt-started', task: 'task-0', n: 1 });
    await writer.flush();
    writer.close();
    const file = path.join(runDir, 'events.ndjson');
    const whole = readFileSync(file, 'utf8');
    appendFileSync(file, '{"v":1,"seq":3,"at":"2026-12-01T10:00:00Z","kind":"attempt-fin');
    const read = await readEventLog(runDir);
    if (!read.ok || !read.value) throw new Error('unreadable');
    expect(read.value.events.map((e) => e.kind)).toEqual(['snapshot', 'attempt-started']);
    expect(read.value.torn).toEqual({ line: 3, bytes: Buffer.byteLength(readFileSync(file, 'utf8')) - Buffer.byteLength(whole) });
    const state = await loadRunState(runDir);
    if (!state.ok) throw new Error('unreadable');
    expect(state.value.torn?.line).toBe(3);
    const opened = await RunWriter.open(runsDir, runDir, state.value.manifest);
    if (!opened.ok) throw new Error('not opened');
    expect(opened.value.droppedTail?.line).toBe(3);
    opened.value.apply({ kind: 'task-skipped', task: 'task-1', reason: 'dependency-failed', message: 'not run' });
    await opened.value.flush();
    opened.value.close();
    const after = await readEventLog(runDir);
    if (!after.ok || !after.value) throw new Error('unreadable');
    expect(after.value.torn).toBeUndefined();
    expect(after.value.events.map((e) => [e.seq, e.kind])).toEqual([
      [1, 'snapshot'],
      [2, 'attempt-started'],
      [3, 'task-skipped'],
    ]);
  });

  it('refuses a log damaged before its last line, naming the line', async () => {
    const { writer, runDir } = await createRunWriter();
    writer.apply({ kind: 'attempt-started', task: 'task-0', n: 1 });
    await writer.flush();
    writer.close();
    const file = path.join(runDir, 'events.ndjson');
    const lines = readFileSync(file, 'utf8').split('\n');
    writeFileSync(file, ['{"not": "an event"}', ...lines.slice(1)].join('\n'));
    const read = await loadRunState(runDir);
    expect(read.ok).toBe(false);
    if (read.ok) return;
    expect(read.error).toMatchObject({ reason: 'manifest-unreadable', file: `${file}:1` });
  });

  it('a run from before the log (schemaVersion 1) loads from its manifest, and its first change starts a log with a snapshot of it', async () => {
    const { writer, runDir, runsDir } = await createRunWriter();
    await writer.flush();
    writer.close();
    // What today's code left: a v1 manifest, no log.
    const v1 = { ...manifestFixture(), schemaVersion: 1 };
    writeFileSync(path.join(runDir, 'manifest.json'), JSON.stringify(v1));
    const { rmSync } = await import('node:fs');
    rmSync(path.join(runDir, 'events.ndjson'));
    const state = await loadRunState(runDir);
    if (!state.ok) throw new Error('unreadable');
    expect(state.value.seq).toBe(0);
    expect(state.value.manifest.schemaVersion).toBe(1);
    const recorded = await RunWriter.record(runsDir, runDir, state.value.manifest, [{ kind: 'task-reopened', task: 'task-0', why: 'retry' }], undefined as never);
    expect(recorded.ok).toBe(true);
    const read = await readEventLog(runDir);
    if (!read.ok || !read.value) throw new Error('no log');
    expect(read.value.events.map((e) => e.kind)).toEqual(['snapshot', 'task-reopened']);
    const snapshot = read.value.events[0];
    expect(snapshot?.kind === 'snapshot' && snapshot.from).toBe('import');
  });
});

describe('a gate rejected for its author to revise', () => {
  const gateRun = (): Manifest => {
    const m = { ...manifestFixture(), schemaVersion: 2 as const };
    const [build] = tasksOf(1);
    const gate: TaskRecord = {
      id: 'gate',
      title: 'gate',
      role: 'gate',
      deps: ['task-0'],
      status: 'pending',
      attempts: [],
      artifacts: {},
      approval: { criteria: ['Named'], artifact: 'docs/a.md', author: 'task-0', sections: ['Risk'] },
    };
    const ship: TaskRecord = { ...tasksOf(1)[0]!, id: 'ship', deps: ['gate'] };
    m.tasks = [build!, gate, ship];
    m.counts = countTasks(m.tasks);
    return m;
  };
  const rejected = { decision: 'rejected' as const, reviewer: 'rita', at: 'x', reason: 'fill in the risk', attempt: 0, digests: {} };
  const followUp = { from: 'reject' as const, prompt: 'Revise docs/a.md', by: 'rita', requestedAt: 'x' };
  const done = { kind: 'attempt-finished' as const, task: 'task-0', outcome: { status: 'succeeded' as const }, next: 'end' as const, status: 'succeeded' as const, data: {} };

  it('waits again: pending (no wait, no message), the review kept, the author holding the follow-up; after the revision it awaits approval again', () => {
    const events = stamped([
      { kind: 'snapshot', from: 'start', manifest: gateRun() },
      { kind: 'attempt-started', task: 'task-0', n: 1 },
      { ...done, n: 1 },
      { kind: 'gate-waiting', task: 'gate' },
      { kind: 'decided', task: 'gate', status: 'pending', review: rejected, rework: { task: 'task-0', followUp } },
    ]);
    const state = fold(events) as Manifest;
    const [build, gate, ship] = state.tasks;
    expect(gate).toMatchObject({ status: 'pending', reviews: [rejected] });
    expect(gate?.awaitingSince).toBeUndefined();
    expect(gate?.message).toBeUndefined();
    expect(build).toMatchObject({ status: 'succeeded', followUp });
    expect(ship?.status).toBe('pending');
    expect(state.counts).toMatchObject({ pending: 2, succeeded: 1, rejected: 0 });

    const again = fold(stamped([...events, { kind: 'attempt-started', task: 'task-0', n: 2, followUp }, { ...done, n: 2 }, { kind: 'gate-waiting', task: 'gate' }])) as Manifest;
    expect(again.tasks[0]).toMatchObject({ status: 'succeeded', attempts: [{ n: 1 }, { n: 2, followUp }] });
    expect(again.tasks[0]?.followUp).toBeUndefined();
    // The new wait starts at the second gate-waiting (the 8th event, a second apart from the first).
    expect(again.tasks[1]).toMatchObject({ status: 'awaiting-approval', awaitingSince: '2026-12-01T10:00:07.000Z' });
    // The log's JSON round trip (what resume reads) folds to the same state.
    expect(fold(events.map((e) => RunEvent.parse(JSON.parse(JSON.stringify(e)))))).toEqual(state);
  });

  it('a rejection without rework still rejects the gate, as before', () => {
    const state = fold(
      stamped([
        { kind: 'snapshot', from: 'start', manifest: gateRun() },
        { kind: 'gate-waiting', task: 'gate' },
        { kind: 'decided', task: 'gate', status: 'rejected', review: rejected },
      ]),
    ) as Manifest;
    expect(state.tasks[1]).toMatchObject({ status: 'rejected', message: 'rejected by rita: fill in the risk', awaitingSince: '2026-12-01T10:00:01.000Z' });
    expect(state.tasks[0]?.followUp).toBeUndefined();
  });
});
