import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { isAlive } from '../../src/core/process-tree.js';
import { acquireRunLock, RUN_LOCK_STALE_MS, runLockPath } from '../../src/store/run-lock.js';
import { shellTask } from '../helpers/busy-run.js';
import { cli } from '../helpers/cli.js';
import { processesWith } from '../helpers/processes.js';
import { repoWithGraph } from '../helpers/run.js';
import { tempDir } from '../helpers/temp.js';
import { duration, figure, scaled, timeLimitMs } from './battery.js';
import { forkChild, nextMessage } from './children.js';

// R6: one writer per run. A second orchestrator (`resume`) on a running run is refused, exit 2,
// within 1 s; the lock of a holder that died is taken over at once when its owner file says it
// was a process of this host (now gone), and within the stale time + 1 s otherwise (a holder
// that left no usable owner file: only the lock's age tells).

const TRIES = scaled({ ci: 3, full: 20 });
const REFUSE_LIMIT_MS = timeLimitMs(1000);
const TAKEOVER_LIMIT_MS = timeLimitMs(1000);

/** Tries to take the lock every 20 ms; resolves with the time it took. */
async function takeOver(runDir: string, since: number): Promise<number> {
  for (;;) {
    const lock = await acquireRunLock(runDir, 'takeover');
    if (lock.ok) {
      const took = performance.now() - since;
      await lock.value.release();
      return took;
    }
    await sleep(20);
  }
}

describe('R6 one writer per run', () => {
  it(`refuses a second orchestrator within 1 s (${TRIES} tries) and takes over a dead holder's lock`, { timeout: 120_000 }, async (context) => {
    const marker = `r6-marker-${process.pid}-${Date.now()}`;
    const { repo } = repoWithGraph(`tasks:\n${shellTask('busy', `bash -c 'sleep 60; echo ${marker}'`)}`);
    const env = { CODEX_ORCHESTRATOR_KEYS_DIR: path.join(tempDir(), 'keys') };
    const started = await cli(['run', 'graph.yaml', '--detach', '--json'], repo, env);
    const { runId, pid } = JSON.parse(started.stdout) as { runId: string; pid: number };
    await expect.poll(() => processesWith(marker).length, { timeout: 90_000, interval: 50 }).toBeGreaterThan(0);

    const refusals: number[] = [];
    const codes: (number | null)[] = [];
    for (let i = 0; i < TRIES; i++) {
      const t0 = performance.now();
      const second = await cli(['resume', runId], repo, env);
      refusals.push(performance.now() - t0);
      codes.push(second.code);
      if (i === 0) expect(second.stderr).toContain(`is in use by process ${pid}`);
    }
    await cli(['stop', runId], repo, env);

    // A holder of this host that dies: its owner file names a dead process, so the lock is free at once.
    const runDir = tempDir();
    const holder = forkChild('lock-holder.mjs', [runDir]);
    await nextMessage(holder, 'held');
    let killedAt = performance.now();
    holder.kill('SIGKILL');
    while (isAlive(holder.pid as number)) await sleep(5);
    const deadOwner = await takeOver(runDir, killedAt);

    // A holder whose owner file is of no use (another host's): only the lock's age frees it.
    const stale = forkChild('lock-holder.mjs', [runDir]);
    await nextMessage(stale, 'held');
    writeFileSync(path.join(runLockPath(runDir), 'owner.json'), JSON.stringify({ pid: 1, hostname: 'another-host', purpose: 'run', since: new Date().toISOString() }));
    killedAt = performance.now();
    stale.kill('SIGKILL');
    const staleTakeover = await takeOver(runDir, killedAt);

    const slowest = Math.max(...refusals);
    figure(
      context,
      `R6 one writer: ${TRIES} second orchestrators refused (exit ${[...new Set(codes)].join('/')}) in ${duration(Math.min(...refusals))}–${duration(slowest)} ` +
        `(${refusals.filter((ms) => ms > REFUSE_LIMIT_MS).length} over ${duration(REFUSE_LIMIT_MS)}); dead holder's lock taken over in ${duration(deadOwner)}; ` +
        `lock without a usable owner taken over in ${duration(staleTakeover)} (stale time ${duration(RUN_LOCK_STALE_MS)})`,
    );
    expect(codes.every((c) => c === 2)).toBe(true);
    expect(refusals.filter((ms) => ms > REFUSE_LIMIT_MS)).toEqual([]);
    expect(deadOwner).toBeLessThan(TAKEOVER_LIMIT_MS);
    expect(staleTakeover).toBeLessThan(RUN_LOCK_STALE_MS + TAKEOVER_LIMIT_MS);
  });
});
