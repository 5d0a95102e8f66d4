import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { isAlive, terminateTree } from '../../src/core/process-tree.js';
import { processesWith } from '../helpers/processes.js';

// A tree that ignores SIGTERM and keeps starting children while it is being ended: the children
// it starts after the first look must end too, although their parent dies before them.

const marker = `${900 + (process.pid % 97)}.${Date.now() % 100_000}`;

afterEach(() => {
  for (const pid of processesWith(marker)) process.kill(pid, 'SIGKILL');
});

describe('terminateTree', () => {
  it('ends children started during the grace period, not only those seen first', async () => {
    const root = spawn('bash', ['-c', `trap '' TERM; while true; do sleep ${marker} & sleep 0.02; done`], { stdio: 'ignore' });
    const pid = root.pid as number;
    await expect.poll(() => processesWith(marker).length, { timeout: 10_000, interval: 20 }).toBeGreaterThan(2);
    await terminateTree(pid, 300);
    expect(isAlive(pid)).toBe(false);
    expect(processesWith(marker)).toEqual([]);
  });
});
