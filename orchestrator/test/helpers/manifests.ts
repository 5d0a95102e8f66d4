import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { countTasks, type Manifest, type TaskRecord } from '../../src/store/manifest.js';
import { RunWriter } from '../../src/store/run-writer.js';
import type { RunEvent } from '../../src/store/events/run-event.js';
import { tempDir } from './temp.js';

/** Manifests for store tests: a valid run, a writer on it, and a loop that keeps rewriting it. */

export const FIXTURE_RUN_ID = '2026-11-21T10-04-05Z-7f3a';

export function taskRecord(i: number): TaskRecord {
  return {
    id: `task-${i}`,
    title: `Task number ${i}`,
    role: i % 3 === 2 ? 'tester' : 'builder',
    deps: i > 0 ? [`task-${i - 1}`] : [],
    status: 'pending',
    attempts: [],
    artifacts: {},
  };
}

export function tasksOf(n: number): TaskRecord[] {
  return Array.from({ length: n }, (_, i) => taskRecord(i));
}

/** A running run's manifest with three pending tasks. */
export function manifestFixture(): Manifest {
  const tasks = tasksOf(3);
  return {
    schemaVersion: 1,
    runId: FIXTURE_RUN_ID,
    status: 'running',
    graph: { path: '/repo/tasks/demo.yaml', sha256: 'a'.repeat(64), name: 'demo', copy: 'graph.yaml' },
    repo: { root: '/repo', baseRef: 'HEAD', baseCommit: 'b'.repeat(40) },
    settings: { backend: 'codex-mcp', concurrency: { builder: 4, tester: 2 } },
    model: { kind: 'offline', name: 'offline-scripted' },
    tools: { orchestrator: '0.1.0', codex: '0.153.4', node: process.version },
    process: { pid: process.pid, hostname: 'test-host' },
    startedAt: '2026-11-21T10:04:05.000Z',
    heartbeatAt: '2026-11-21T10:04:05.000Z',
    counts: countTasks(tasks),
    usage: { input: 0, cachedInput: 0, output: 0, reasoning: 0, total: 0 },
    runnerLog: 'runner.log',
    tasks,
  };
}

/** A run folder (in a fresh temporary runs folder) with its first manifest written by the run's writer. */
export async function createRunWriter(): Promise<{ writer: RunWriter; runsDir: string; runDir: string }> {
  const runsDir = tempDir('co-runs-');
  const runDir = path.join(runsDir, FIXTURE_RUN_ID);
  const created = await RunWriter.create(runsDir, runDir, manifestFixture(), 'graph source');
  if (!created.ok) throw new Error(`could not create the run: ${JSON.stringify(created.error)}`);
  return { writer: created.value, runsDir, runDir };
}

/**
 * Change `n` of a churning run: an event whose message length varies, so consecutive manifests
 * differ in size, and a new heartbeat (so readers can tell versions apart).
 */
export function churnStep(writer: RunWriter, n: number): void {
  writer.apply({ kind: 'run-settled', status: 'running', message: `update ${n} ${'x'.repeat((n * 37) % 500)}` });
  writer.beat(new Date(Date.parse(writer.manifest.startedAt) + n * 1000).toISOString());
}

/**
 * Rewrites the writer's manifest until `stop()`, which resolves with the number of changes once
 * the last one is on disk. By default one change per turn of the event loop, as fast as they
 * come (the writer coalesces them); with `waitForDisk` each change is written before the next,
 * so every change is a new file on disk and no CPU goes to changes that are never written.
 */
export function churn(writer: RunWriter, options: { waitForDisk?: boolean } = {}): { stop(): Promise<number> } {
  let stopped = false;
  let updates = 0;
  const loop = (async () => {
    while (!stopped) {
      const n = ++updates;
      churnStep(writer, n);
      if (options.waitForDisk) await writer.flush();
      else await new Promise<void>((r) => setImmediate(r));
    }
    await writer.flush();
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return updates;
    },
  };
}

/**
 * Rewrites a run's event log (`events.ndjson`) as `edit` says: how tests make the state a kill
 * leaves (events cut off the end, a dead process's pid). Sequence numbers are made consecutive again.
 */
export function editEventLog(runDir: string, edit: (events: RunEvent[]) => RunEvent[]): RunEvent[] {
  const file = path.join(runDir, 'events.ndjson');
  const events = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as RunEvent);
  const edited = edit(events).map((e, i) => ({ ...e, seq: i + 1 }));
  writeFileSync(file, edited.map((e) => `${JSON.stringify(e)}\n`).join(''));
  return edited;
}
