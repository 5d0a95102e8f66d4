import { describe, expect, it } from 'vitest';
import { SpacedWrites } from '../../src/store/spaced-writes.js';

// The manifest's writes: coalesced, spaced by how long the last one took, and never lost.

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('SpacedWrites', () => {
  it('takes a burst of changes into few writes, spaced by what a write costs, and flush writes the last state', async () => {
    let value = 0;
    const written: number[] = [];
    const writes = new SpacedWrites(
      async () => {
        const v = value;
        await sleep(10);
        written.push(v);
      },
      3,
      1000,
      0,
    );
    const until = Date.now() + 300;
    while (Date.now() < until) {
      value++;
      writes.schedule();
      await sleep(1);
    }
    await writes.flush();
    expect(written.at(-1)).toBe(value);
    // A write of ~10 ms is followed by ~30 ms without one: a write in every ~40 ms at most.
    expect(written.length).toBeLessThanOrEqual(300 / 40 + 3);
    expect(written.length).toBeGreaterThanOrEqual(3);
    expect([...written].sort((a, b) => a - b)).toEqual(written);
  });

  it('writes at once when nothing is under way, and flush goes past a held-back write', async () => {
    const times: number[] = [];
    const started = Date.now();
    const writes = new SpacedWrites(
      async () => {
        times.push(Date.now() - started);
        await sleep(20);
      },
      50,
      10_000,
      0,
    );
    writes.schedule();
    expect(times).toHaveLength(1);
    // Asked for while the first is under way: after it (~20 ms) this one is held back ~1 s, unless flushed.
    writes.schedule();
    await sleep(60);
    expect(writes.held).toBe(true);
    await writes.flush();
    expect(times).toHaveLength(2);
    expect(times[1]).toBeLessThan(500);
  });

  it('throws a bug of a write from flush', async () => {
    const writes = new SpacedWrites(async () => {
      throw new Error('a bug');
    });
    writes.schedule();
    await expect(writes.flush()).rejects.toThrow('a bug');
  });
});

describe('SpacedWrites, changes that come one by one', () => {
  it('keeps the gap after a write even when the next change comes once it is done', async () => {
    let writes = 0;
    const spaced = new SpacedWrites(
      async () => {
        writes++;
        return 1;
      },
      20,
      5000,
      100,
    );
    // A change every 10 ms, each after the write before it ended: without the gap, one write each.
    for (let i = 0; i < 30; i++) {
      spaced.schedule();
      await sleep(10);
    }
    await spaced.flush();
    // ~300 ms of changes with writes at least 100 ms apart: 3 or 4 writes, and the last state flushed.
    expect(writes).toBeGreaterThanOrEqual(2);
    expect(writes).toBeLessThanOrEqual(6);
  });
});
