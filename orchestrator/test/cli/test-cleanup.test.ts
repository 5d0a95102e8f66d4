import { describe, expect, it } from 'vitest';
import { descendantsOf, isAlive } from '../../src/core/process-tree.js';
import { shellTask } from '../helpers/busy-run.js';
import { cli } from '../helpers/cli.js';
import { processesWith } from '../helpers/processes.js';
import { repoWithGraph } from '../helpers/run.js';

// A test that starts a background run and then fails must not leave that run (its orchestrator,
// its codex server, the commands its tasks run) behind: the test helpers end all of it after the
// test, before the next one starts. The first test fails on purpose (`it.fails`); the second
// checks that nothing it started is still alive.

const marker = `cleanup-marker-${process.pid}-${Date.now()}`;
let started: { pid: number; tree: number[] } | undefined;

describe('what a failed test started', () => {
  it.fails('a test that fails while its detached run works', { timeout: 120_000 }, async () => {
    const { repo } = repoWithGraph(`tasks:\n${shellTask('busy', `bash -c 'until false; do sleep 0.1; done; echo ${marker}'`)}`);
    const run = await cli(['run', 'graph.yaml', '--detach', '--json'], repo);
    const { pid } = JSON.parse(run.stdout) as { pid: number };
    await expect.poll(() => processesWith(marker).length, { timeout: 90_000, interval: 100 }).toBeGreaterThan(0);
    started = { pid, tree: [pid, ...descendantsOf(pid), ...processesWith(marker)] };
    expect('the test failed').toBe('on purpose');
  });

  it('is ended before the next test: the run, its Codex and its task commands', () => {
    expect(started?.tree.length).toBeGreaterThan(2);
    expect(started?.tree.filter(isAlive)).toEqual([]);
    expect(processesWith(marker)).toEqual([]);
  });
});
