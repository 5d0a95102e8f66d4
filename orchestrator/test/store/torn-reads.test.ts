import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunLayout } from '../../src/store/layout.js';
import { countTasks, Manifest, type TaskRecord } from '../../src/store/manifest.js';
import { readRunIndex } from '../../src/store/run-index.js';
import { RunWriter } from '../../src/store/run-writer.js';
import { tempDir } from '../helpers/temp.js';

const RUN_ID = '2026-11-21T10-04-05Z-7f3a';

function taskRecord(i: number): TaskRecord {
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

function tasksOf(n: number): TaskRecord[] {
  return Array.from({ length: n }, (_, i) => taskRecord(i));
}

function newManifest(): Manifest {
  const tasks = tasksOf(3);
  return {
    schemaVersion: 1,
    runId: RUN_ID,
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

async function createWriter(): Promise<{ writer: RunWriter; runsDir: string; runDir: string }> {
  const runsDir = tempDir('co-runs-');
  const runDir = path.join(runsDir, RUN_ID);
  const created = await RunWriter.create(runsDir, runDir, newManifest(), 'graph source');
  if (!created.ok) throw new Error(`could not create the run: ${JSON.stringify(created.error)}`);
  return { writer: created.value, runsDir, runDir };
}

describe('RunWriter', () => {
  it('never lets a concurrent reader see a torn manifest', async () => {
    const { writer, runDir } = await createWriter();
    const file = RunLayout.manifest(runDir);

    let stop = false;
    let updates = 0;
    const writing = (async () => {
      while (!stop) {
        updates++;
        const n = updates;
        writer.update((m) => {
          m.heartbeatAt = new Date(Date.parse(m.startedAt) + n * 1000).toISOString();
          m.message = `update ${n} ${'x'.repeat((n * 37) % 500)}`;
          // Grow and shrink the task list so consecutive files differ in size.
          m.tasks = tasksOf(1 + ((n * 7) % 40));
          const first = m.tasks[0] as TaskRecord;
          first.status = n % 2 === 0 ? 'running' : 'succeeded';
        });
        await new Promise<void>((r) => setImmediate(r));
      }
      await writer.flush();
    })();

    let reads = 0;
    const torn: string[] = [];
    const versions = new Set<string>();
    const sizes = new Set<number>();
    const readOnce = async (): Promise<void> => {
      const text = await readFile(file, 'utf8');
      reads++;
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (e) {
        torn.push(`not JSON (${text.length} bytes): ${(e as Error).message}`);
        return;
      }
      const parsed = Manifest.safeParse(json);
      if (!parsed.success) {
        torn.push(`not a manifest: ${parsed.error.message}`);
        return;
      }
      versions.add(parsed.data.heartbeatAt);
      sizes.add(text.length);
    };

    try {
      // Waves of 200 concurrent reads until the readers have seen the file change many times.
      for (let wave = 0; wave < 100 && (wave < 2 || versions.size < 20); wave++) {
        await Promise.all(Array.from({ length: 200 }, readOnce));
      }
    } finally {
      stop = true;
      await writing;
    }

    expect(torn).toEqual([]);
    expect(reads).toBeGreaterThanOrEqual(200);
    expect(versions.size).toBeGreaterThanOrEqual(20);
    expect(sizes.size).toBeGreaterThan(1);
  });

  it('flush() leaves the latest state on disk and in the index', async () => {
    const { writer, runsDir, runDir } = await createWriter();
    for (let i = 1; i <= 50; i++) {
      writer.update((m) => {
        m.heartbeatAt = new Date(Date.parse(m.startedAt) + i * 1000).toISOString();
        m.tasks = tasksOf(i % 7 + 1);
      });
    }
    writer.updateTask('task-0', (t) => {
      t.status = 'succeeded';
      t.attempts = [{ n: 1, status: 'succeeded', startedAt: '2026-11-21T10:04:06.000Z', finishedAt: '2026-11-21T10:04:09.000Z' }];
    });
    writer.update((m) => {
      m.status = 'succeeded';
      m.finishedAt = '2026-11-21T10:05:00.000Z';
    });
    await writer.flush();

    const onDisk = Manifest.parse(JSON.parse(await readFile(RunLayout.manifest(runDir), 'utf8')));
    expect(onDisk).toEqual(JSON.parse(JSON.stringify(writer.manifest)));
    expect(onDisk.tasks).toHaveLength((50 % 7) + 1);
    expect(onDisk.tasks[0]?.status).toBe('succeeded');
    expect(onDisk.counts.succeeded).toBe(1);
    expect(onDisk.counts.pending).toBe(onDisk.tasks.length - 1);

    const index = await readRunIndex(runsDir);
    expect(index.runs).toHaveLength(1);
    expect(index.runs[0]).toMatchObject({ id: RUN_ID, status: 'succeeded', finishedAt: '2026-11-21T10:05:00.000Z', counts: onDisk.counts });
  });

  it('flush() reports a manifest that no longer matches its schema', async () => {
    const { writer, runDir } = await createWriter();
    const before = await readFile(RunLayout.manifest(runDir), 'utf8');
    writer.update((m) => {
      (m as { status: string }).status = 'not-a-status';
    });
    await expect(writer.flush()).rejects.toThrow(/does not match its schema/);
    expect(await readFile(RunLayout.manifest(runDir), 'utf8')).toBe(before);
  });
});
