import { mkdirSync, readdirSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempNameFor } from '../../src/store/atomic.js';
import { countTasks } from '../../src/store/manifest.js';
import { readRunIndex, settledRuns, upsertIndexEntry } from '../../src/store/run-index.js';
import { isAtomicTemp, sweepAbandonedTemps, sweepRunTemps } from '../../src/store/temp-sweep.js';
import { tempDir } from '../helpers/temp.js';

const RUN = '2026-11-21T10-04-05Z-7f3a';

function touch(file: string, ageMs = 0): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, 'x');
  if (ageMs) {
    const t = (Date.now() - ageMs) / 1000;
    utimesSync(file, t, t);
  }
}

function tree(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).map((f) => f.split(path.sep).join('/')).sort();
}

describe('sweeping temp files of interrupted atomic writes', () => {
  it("recognises the atomic write's own temp names, and only next to our files", () => {
    // The names the store's atomic write gives its temp files, exactly.
    for (let i = 0; i < 50; i++) expect(isAtomicTemp(path.basename(tempNameFor('/x/manifest.json')), ['manifest.json'])).toBe(true);
    expect(isAtomicTemp('manifest.json.1234567890', ['manifest.json'])).toBe(true);
    for (const name of ['manifest.json', 'manifest.json.bak', 'manifest.json.12345678901', 'notes.json.123', 'manifest.json.12.3', 'manifest.json.']) {
      expect(isAtomicTemp(name, ['manifest.json']), name).toBe(false);
    }
  });

  it('sweeps a run folder, its tasks and earlier attempts, and leaves everything else alone', async () => {
    const runDir = path.join(tempDir(), RUN);
    const outside = tempDir();
    for (const f of [
      'manifest.json',
      'manifest.json.3012214441',
      'graph.yaml.12',
      'runner.log',
      'runner.log.123', // not written atomically: not ours to sweep
      'notes.txt.123',
      'tasks/a/checks.json.55',
      'tasks/a/diff.patch.4242',
      'tasks/a/log.txt',
      'tasks/a/checks/1.log',
      'tasks/a/attempt-1/checks.json.9',
      'tasks/a/attempt-1/diff.patch',
      'worktrees/a/manifest.json.77', // a user's worktree: never looked at
      'inbox/mf3k2x-1a2b3c4d.request.json.123',
      'inbox/mf3k2x-1a2b3c4d.request.json',
      'inbox/notes.json.5',
    ]) {
      touch(path.join(runDir, f));
    }
    touch(path.join(outside, 'checks.json.66'));
    symlinkSync(outside, path.join(runDir, 'tasks', 'linked')); // a planted link: never followed

    const removed = await sweepRunTemps(runDir);
    expect(removed.map((f) => path.relative(runDir, f).split(path.sep).join('/')).sort()).toEqual([
      'graph.yaml.12',
      'inbox/mf3k2x-1a2b3c4d.request.json.123',
      'manifest.json.3012214441',
      'tasks/a/attempt-1/checks.json.9',
      'tasks/a/checks.json.55',
      'tasks/a/diff.patch.4242',
    ]);
    expect(tree(outside)).toEqual(['checks.json.66']);
    expect(tree(runDir)).toContain('runner.log.123');
    expect(tree(runDir)).toContain('worktrees/a/manifest.json.77');
  });

  it("sweeps other runs' folders only of temp files old enough to be abandoned, and not settled runs", async () => {
    const runsDir = tempDir();
    const settled = '2026-11-21T09-00-00Z-0001';
    touch(path.join(runsDir, RUN, 'manifest.json.111'), 5 * 60_000);
    touch(path.join(runsDir, RUN, 'manifest.json.222')); // a write of a run working right now
    touch(path.join(runsDir, 'not-a-run', 'manifest.json.333'), 5 * 60_000);
    touch(path.join(runsDir, settled, 'manifest.json.444'), 5 * 60_000); // finished: not looked into
    await upsertIndexEntry(runsDir, { id: settled, graph: '/g.yaml', status: 'succeeded', startedAt: '2026-11-21T09:00:00.000Z', counts: countTasks([]) });
    await upsertIndexEntry(runsDir, { id: RUN, graph: '/g.yaml', status: 'awaiting-approval', startedAt: '2026-11-21T10:04:05.000Z', counts: countTasks([]) });
    const removed = await sweepAbandonedTemps(runsDir, settledRuns(await readRunIndex(runsDir)));
    expect(removed.map((f) => path.relative(runsDir, f))).toEqual([path.join(RUN, 'manifest.json.111')]);
    expect(tree(runsDir)).toEqual([settled, `${settled}/manifest.json.444`, RUN, `${RUN}/manifest.json.222`, 'index.json', 'not-a-run', 'not-a-run/manifest.json.333']);
  });

  it('sweeps index temp files while holding the index lock', async () => {
    const runsDir = tempDir();
    touch(path.join(runsDir, 'index.json.987654321'));
    await upsertIndexEntry(runsDir, { id: RUN, graph: '/g.yaml', status: 'running', startedAt: '2026-11-21T10:04:05.000Z', counts: countTasks([]) });
    expect(tree(runsDir)).toEqual(['index.json']);
  });
});
