import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { RunLayout } from '../../src/store/layout.js';
import { Manifest } from '../../src/store/manifest.js';
import { readRunIndex } from '../../src/store/run-index.js';
import { churn, createRunWriter, FIXTURE_RUN_ID } from '../helpers/manifests.js';

describe('RunWriter', () => {
  it('never lets a concurrent reader see a torn manifest', async () => {
    const { writer, runDir } = await createRunWriter();
    const file = RunLayout.manifest(runDir);

    const writing = churn(writer);

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
      // Waves of 200 concurrent reads until the readers have seen the file change many times
      // (bounded in time, not in waves: on a busy machine a write can take longer than many waves).
      const deadline = Date.now() + 30_000;
      for (let wave = 0; wave < 2 || (versions.size < 20 && Date.now() < deadline); wave++) {
        await Promise.all(Array.from({ length: 200 }, readOnce));
      }
    } finally {
      await writing.stop();
    }

    expect(torn).toEqual([]);
    expect(reads).toBeGreaterThanOrEqual(200);
    expect(versions.size).toBeGreaterThanOrEqual(20);
    expect(sizes.size).toBeGreaterThan(1);
  });

  it('flush() leaves the latest state on disk and in the index', async () => {
    const { writer, runsDir, runDir } = await createRunWriter();
    for (let i = 1; i <= 50; i++) {
      writer.beat(new Date(Date.parse(writer.manifest.startedAt) + i * 1000).toISOString());
      writer.updateTask(`task-${i % 3}`, (t) => (t.branch = `branch-${i}`));
    }
    writer.apply({ kind: 'attempt-started', at: '2026-11-21T10:04:06.000Z', task: 'task-0', n: 1 });
    writer.apply({ kind: 'attempt-finished', at: '2026-11-21T10:04:09.000Z', task: 'task-0', n: 1, outcome: { status: 'succeeded' }, next: 'end', status: 'succeeded', data: { artifacts: {} } });
    writer.apply({ kind: 'run-finished', at: '2026-11-21T10:05:00.000Z', status: 'succeeded' });
    await writer.flush();

    const onDisk = Manifest.parse(JSON.parse(await readFile(RunLayout.manifest(runDir), 'utf8')));
    expect(onDisk).toEqual(JSON.parse(JSON.stringify(writer.manifest)));
    expect(onDisk.tasks.map((t) => t.branch)).toEqual(['branch-48', 'branch-49', 'branch-50']);
    expect(onDisk.tasks[0]?.attempts).toEqual([{ n: 1, status: 'succeeded', startedAt: '2026-11-21T10:04:06.000Z', finishedAt: '2026-11-21T10:04:09.000Z' }]);
    expect(onDisk.tasks[0]?.status).toBe('succeeded');
    expect(onDisk.counts.succeeded).toBe(1);
    expect(onDisk.counts.pending).toBe(onDisk.tasks.length - 1);

    const index = await readRunIndex(runsDir);
    expect(index.runs).toHaveLength(1);
    expect(index.runs[0]).toMatchObject({ id: FIXTURE_RUN_ID, status: 'succeeded', finishedAt: '2026-11-21T10:05:00.000Z', counts: onDisk.counts });
  });

  it('flush() reports a manifest that no longer matches its schema', async () => {
    const { writer, runDir } = await createRunWriter();
    const before = await readFile(RunLayout.manifest(runDir), 'utf8');
    writer.updateTask('task-0', (t) => ((t as { branch: unknown }).branch = 42));
    await expect(writer.flush()).rejects.toThrow(/does not match its schema/);
    expect(await readFile(RunLayout.manifest(runDir), 'utf8')).toBe(before);
  });
});
