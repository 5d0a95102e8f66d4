import { readdir } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { sweepRunTemps } from '../../src/store/temp-sweep.js';
import { readManifest } from '../../src/store/read.js';
import { createRunWriter, FIXTURE_RUN_ID } from '../helpers/manifests.js';
import { count, figure, random, scaled, seedFor } from './battery.js';
import { exited, forkChild, nextMessage } from './children.js';

// R5: killing the writer in the middle of writes never corrupts the manifest, and the next start
// leaves no temp file behind. A process rewrites a run's manifest in a loop with the project's
// writer and is SIGKILLed at a random moment; then the manifest must read as a valid manifest,
// and the start-up sweep (`sweepRunTemps`) must leave only the run's own files.

const KILLS = scaled({ ci: 20, full: 200 });
/** Kills land at a random moment up to this long after the writer started its loop. */
const MAX_KILL_DELAY_MS = 60;
/** What a run folder of this test holds when nothing was left behind. */
const RUN_FILES = ['events.ndjson', 'graph.yaml', 'manifest.json', 'runner.log'];

describe('R5 kill -9 mid-write', () => {
  it(`${KILLS} kills of a writer leave 0 corrupt manifests and 0 temp files after the next start`, { timeout: 60_000 + KILLS * 1000 }, async (context) => {
    const seed = seedFor('R5');
    const rng = random(seed);
    const { writer, runsDir, runDir } = await createRunWriter();
    await writer.flush();

    const corrupt: string[] = [];
    const leftAfterSweep: string[] = [];
    let killsLeavingTemp = 0;
    let tempFilesLeft = 0;
    let maxDelay = 0;
    for (let i = 0; i < KILLS; i++) {
      const child = forkChild('manifest-writer.mjs', [runsDir, runDir]);
      try {
        await nextMessage(child, 'writing');
        // The random moment of the kill (not a wait for some state): the writer is mid-loop throughout.
        const delay = rng.int(0, MAX_KILL_DELAY_MS);
        maxDelay = Math.max(maxDelay, delay);
        await sleep(delay);
      } finally {
        child.kill('SIGKILL');
        await exited(child);
      }

      const manifest = await readManifest(runDir);
      if (!manifest.ok) corrupt.push(`kill ${i + 1}: ${JSON.stringify(manifest.error)}`);
      const leftByKill = (await readdir(runDir)).filter((name) => !RUN_FILES.includes(name));
      tempFilesLeft += leftByKill.length;
      if (leftByKill.length > 0) killsLeavingTemp++;

      // The next start.
      await sweepRunTemps(runDir);
      const after = (await readdir(runDir)).filter((name) => !RUN_FILES.includes(name));
      leftAfterSweep.push(...after.map((name) => `kill ${i + 1}: ${name}`));
      if (!(await readManifest(runDir)).ok) corrupt.push(`kill ${i + 1}: the sweep broke the manifest`);
    }
    const runsEntries = (await readdir(runsDir)).sort();

    figure(
      context,
      `R5 kill -9 mid-write: ${count(KILLS)} kills 0–${maxDelay} ms into the write loop (seed ${seed}), ${corrupt.length} corrupt manifests, ` +
        `${count(tempFilesLeft)} temp files left by ${count(killsLeavingTemp)} kills, ${leftAfterSweep.length} after the next start`,
    );

    expect(corrupt).toEqual([]);
    expect(leftAfterSweep).toEqual([]);
    expect(runsEntries).toEqual([FIXTURE_RUN_ID, 'index.json']);
  });
});
