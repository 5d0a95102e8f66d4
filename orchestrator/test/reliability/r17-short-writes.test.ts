import { readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { atomicWriteWith } from '../../src/store/atomic.js';
import { AppendFile } from '../../src/store/append-file.js';
import { StoreError } from '../../src/store/store-failure.js';
import { nodeWriteIo, type WriteIo } from '../../src/store/write-all.js';
import { tempDir } from '../helpers/temp.js';
import { count, figure, random, scaled, seedFor } from './battery.js';

// R17: short writes. Many atomic replacements and appends through a disk that takes a random
// number of bytes per write, now and then fails with ENOSPC, and now and then stops taking bytes
// without an error; readers poll the file all the while. Every write either completes whole or
// fails cleanly (the old file kept, no temp file left); no reader ever sees a torn file.

const WRITES = scaled({ ci: 400, full: 4000 });
const APPENDS = scaled({ ci: 2000, full: 20_000 });

function enospc(): NodeJS.ErrnoException {
  return Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
}

describe('R17 short writes', () => {
  it(`${WRITES} atomic writes and ${APPENDS} appends with short counts and full disks: 0 torn files`, { timeout: 120_000 }, async (context) => {
    const seed = seedFor('R17');
    const rnd = random(seed);
    let shortCalls = 0;
    /** A disk that fails `failRate` of the writes (ENOSPC, or a count of 0 as often) and cuts most others short. */
    const disk = (failRate: number): WriteIo => ({
      write: (h, b, o, l) => {
        const roll = rnd.next();
        if (roll < failRate) return Promise.reject(enospc());
        if (roll < 2 * failRate) return Promise.resolve(0);
        const n = rnd.chance(0.6) ? rnd.int(1, l) : l;
        if (n < l) shortCalls++;
        return nodeWriteIo.write(h, b, o, n);
      },
      writeSync: nodeWriteIo.writeSync,
    });
    const write = atomicWriteWith(disk(0.01));
    const dir = tempDir('co-r17-');
    const file = path.join(dir, 'manifest.json');
    const versions = new Set<string>();
    const first = `${JSON.stringify({ v: 0 })}\n`;
    await atomicWriteWith(nodeWriteIo)(file, first);
    versions.add(first);

    let reading = true;
    let reads = 0;
    let torn = 0;
    const samples: string[] = [];
    const readers = Array.from({ length: 4 }, async () => {
      while (reading) {
        const text = await readFile(file, 'utf8');
        reads++;
        if (!versions.has(text)) {
          torn++;
          if (samples.length < 3) samples.push(text.slice(0, 80));
        }
      }
    });

    let completed = 0;
    let failed = 0;
    let unclean = 0;
    let current = first;
    try {
      for (let i = 1; i <= WRITES; i++) {
        const data = `${JSON.stringify({ v: i, pad: 'x'.repeat(rnd.int(0, 40_000)) })}\n`;
        versions.add(data);
        try {
          await write(file, data);
          completed++;
          current = data;
          if (readFileSync(file, 'utf8') !== data) unclean++;
        } catch (e) {
          failed++;
          const clean = e instanceof StoreError || (e as NodeJS.ErrnoException).code === 'ENOSPC';
          if (!clean || readFileSync(file, 'utf8') !== current) unclean++;
        }
      }
    } finally {
      reading = false;
      await Promise.all(readers);
    }
    const leftovers = readdirSync(dir).filter((n) => n !== 'manifest.json');

    // Appends: the file holds every line of the writes before the first failure, whole, or the log reports the failure.
    let appendsWhole = 0;
    let appendsFailed = 0;
    let appendsTorn = 0;
    for (let k = 0; k < 20; k++) {
      const logFile = path.join(dir, `log-${k}.txt`);
      const errors: unknown[] = [];
      const log = await AppendFile.open(dir, logFile, 'append', (e) => errors.push(e), disk(0.03));
      const lines = Array.from({ length: APPENDS / 20 }, (_, j) => `line ${j} ${'y'.repeat(rnd.int(0, 300))}\n`);
      // Lines come in bursts, as a turn's events do: each burst goes out as one write.
      for (const l of lines) {
        log.write(l);
        if (rnd.chance(0.2)) await new Promise((r) => setImmediate(r));
      }
      const size = await log.close();
      const text = readFileSync(logFile, 'utf8');
      if (errors.length === 0 && size === Buffer.byteLength(text) && text === lines.join('')) appendsWhole++;
      else if (errors.length === 1 && size === undefined && lines.join('').startsWith(text.slice(0, text.lastIndexOf('\n') + 1))) appendsFailed++;
      else appendsTorn++;
    }

    figure(
      context,
      `R17 short writes: ${count(WRITES)} atomic writes (${count(completed)} whole, ${count(failed)} failed cleanly, ${count(unclean)} not), ` +
        `${count(shortCalls)} short counts, ${count(reads)} reads, ${count(torn)} torn, ${leftovers.length} temp files left; ` +
        `20 logs of ${count(APPENDS / 20)} appends (${appendsWhole} whole, ${appendsFailed} failed and said so, ${appendsTorn} torn unreported) (seed ${seed})`,
    );
    expect(samples).toEqual([]);
    expect(torn).toBe(0);
    expect(unclean).toBe(0);
    expect(leftovers).toEqual([]);
    expect(appendsTorn).toBe(0);
    expect(appendsWhole).toBeGreaterThan(0);
    expect(appendsFailed).toBeGreaterThan(0);
    // The disk really misbehaved, and writes really went through it.
    expect(shortCalls).toBeGreaterThan(WRITES);
    expect(completed).toBeGreaterThan(0);
    expect(failed).toBeGreaterThan(0);
    expect(reads).toBeGreaterThan(WRITES);
  });
});
