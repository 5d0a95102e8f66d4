import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EventRecord } from '../../src/core/events.js';
import { Manifest } from '../../src/store/manifest.js';
import { shellTask, stopCli, whenRunning, type Stopped } from '../helpers/busy-run.js';
import { startCli } from '../helpers/cli.js';
import { repoWithGraph } from '../helpers/run.js';
import { duration, figure, scaled, timeLimitMs } from './battery.js';

// R12: SIGTERM to a run whose 4 tasks are all busy ends it within 1 s with exit 143 and leaves
// no process behind. The run is real: the built CLI, real Codex, the offline model carrying out
// each task's shell command. The commands resist in different ways: one ignores SIGTERM, one has
// a background child, one keeps starting new processes.

const RUNS = scaled({ ci: 1, full: 3 });
const LIMIT_MS = timeLimitMs(1000);

function busyGraph(marker: string): string {
  const commands = [
    `bash -c 'sleep 60; echo ${marker}-1'`,
    `bash -c 'trap "" TERM; sleep 60; echo ${marker}-2'`,
    `bash -c '(sleep 60; echo ${marker}-3b) & sleep 60; echo ${marker}-3'`,
    `bash -c 'while true; do sleep 0.1; done; echo ${marker}-4'`,
  ];
  return `tasks:\n${commands.map((c, i) => shellTask(`busy-${i + 1}`, c)).join('')}`;
}

/** The run's manifest and every task's events, read as pollers read them. */
function runState(runsDir: string): { manifest: Manifest | undefined; commandsBegun: number } {
  const runId = existsSync(runsDir) ? readdirSync(runsDir).find((n) => n.startsWith('20')) : undefined;
  if (runId === undefined) return { manifest: undefined, commandsBegun: 0 };
  const runDir = path.join(runsDir, runId);
  const file = path.join(runDir, 'manifest.json');
  if (!existsSync(file)) return { manifest: undefined, commandsBegun: 0 };
  const manifest = Manifest.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  let commandsBegun = 0;
  for (let i = 1; i <= 4; i++) {
    const events = path.join(runDir, 'tasks', `busy-${i}`, 'events.jsonl');
    if (!existsSync(events)) continue;
    const records = readFileSync(events, 'utf8')
      .split('\n')
      .filter((l) => l.trim().startsWith('{'))
      .map((l) => JSON.parse(l) as EventRecord);
    if (records.some((r) => r.event?.type === 'command-begin')) commandsBegun++;
  }
  return { manifest: manifest.success ? manifest.data : undefined, commandsBegun };
}

describe('R12 SIGTERM with 4 busy tasks', () => {
  it(`SIGTERM to a run of 4 busy tasks: exit 143 within ${duration(LIMIT_MS)}, 0 surviving processes (${RUNS} run(s))`, { timeout: 60_000 * RUNS }, async (context) => {
    const stops: Stopped[] = [];
    const finals: (Manifest | undefined)[] = [];
    for (let n = 0; n < RUNS; n++) {
      const marker = `r12-marker-${process.pid}-${Date.now()}-${n}`;
      const { repo, runsDir } = repoWithGraph(busyGraph(marker));
      const run = startCli(['run', 'graph.yaml'], repo);
      // All 4 commands are running: the manifest says so, their events say so, and /proc shows them.
      await expect.poll(() => runState(runsDir).manifest?.counts.running, { timeout: 90_000, interval: 50 }).toBe(4);
      await expect.poll(() => runState(runsDir).commandsBegun, { timeout: 90_000, interval: 50 }).toBe(4);
      await whenRunning([1, 2, 3, 4].map((i) => `${marker}-${i}`));
      stops.push(await stopCli(run, marker));
      finals.push(runState(runsDir).manifest);
    }

    const slowest = Math.max(...stops.map((s) => s.exitMs));
    const over = stops.filter((s) => s.exitMs > LIMIT_MS).length;
    const survivors = stops.reduce((n, s) => n + s.survivors.length, 0);
    const seen = stops.reduce((n, s) => n + s.tree.length, 0);
    figure(
      context,
      `R12 SIGTERM: ${RUNS} run(s) × 4 busy tasks, exit ${[...new Set(stops.map((s) => s.result.code))].join('/')} in ` +
        `${stops.map((s) => duration(s.exitMs)).join(', ')} (slowest ${duration(slowest)}; ${over} over ${duration(LIMIT_MS)}), ` +
        `${survivors} surviving processes of ${seen} in the process trees`,
    );

    for (const s of stops) {
      expect(s.result.code, s.result.stderr).toBe(143);
      expect(s.survivors).toEqual([]);
      // Codex, its shells and the commands were there to be stopped.
      expect(s.tree.length).toBeGreaterThanOrEqual(9);
    }
    expect(over).toBe(0);
    for (const m of finals) {
      expect(m?.status).toBe('stopped');
      expect(m?.tasks.map((t) => t.status)).toEqual(['cancelled', 'cancelled', 'cancelled', 'cancelled']);
    }
  });
});
