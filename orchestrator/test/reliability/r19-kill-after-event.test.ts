import { readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { isAlive } from '../../src/core/process-tree.js';
import type { Manifest } from '../../src/store/manifest.js';
import type { RunEvent } from '../../src/store/events/run-event.js';
import { shellTask } from '../helpers/busy-run.js';
import { cli } from '../helpers/cli.js';
import { repoWithGraph } from '../helpers/run.js';
import { figure, scaled } from './battery.js';

// R19: kill -9 between appending an event and writing the manifest that reflects it. The run's
// log is its source of truth: the manifest on disk is one step behind, and `resume` must fold the
// log, so the attempt that had finished is kept (never run again) and the run ends as it would have.

const WIDTH = 3;
/** Which attempt-finished events the kill lands after (one run each). */
const KILLS = scaled({ ci: [1, 3], full: [1, 2, 3, 4, 5] });

function graph(): string {
  let yaml = 'settings:\n  concurrency: { builder: 1, tester: 1 }\ntasks:\n';
  for (let i = 0; i < WIDTH; i++) yaml += shellTask(`t${i}`, `mkdir -p out && echo t${i} > out/t${i}.txt`, i === 0 ? [] : [`t${i - 1}`]);
  yaml += shellTask('t3', 'mkdir -p out && echo t3 > out/t3.txt', ['t0']);
  yaml += shellTask('t4', 'mkdir -p out && echo t4 > out/t4.txt', ['t2', 't3']);
  return yaml;
}

const events = (runDir: string): RunEvent[] =>
  readFileSync(path.join(runDir, 'events.ndjson'), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as RunEvent);
const manifest = (runDir: string): Manifest => JSON.parse(readFileSync(path.join(runDir, 'manifest.json'), 'utf8')) as Manifest;

describe('R19 kill -9 between an event and its manifest', () => {
  it(`killed right after the attempt-finished event ${KILLS.join(', ')}: the manifest is behind the log, and resume keeps the finished attempt`, {
    timeout: 90_000 * KILLS.length,
  }, async (context) => {
    const behind: number[] = [];
    for (const nth of KILLS) {
      const { repo, runsDir } = repoWithGraph(graph());
      const env = { CODEX_ORCHESTRATOR_KEYS_DIR: path.join(repo, '..', 'keys') };
      const started = await cli(['run', 'graph.yaml', '--detach', '--json'], repo, { ...env, CODEX_ORCHESTRATOR_KILL_AFTER_EVENT: `attempt-finished:${nth}` });
      expect(started.code, started.stderr).toBe(0);
      const { runId, pid } = JSON.parse(started.stdout) as { runId: string; pid: number };
      const runDir = path.join(runsDir, runId);
      const deadline = Date.now() + 60_000;
      try {
        while (isAlive(pid) && Date.now() < deadline) await sleep(20);
      } finally {
        // The run's process group: what it started (Codex) goes with it.
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // Already gone, all of it.
        }
      }
      // The log ends in the finished attempt; the manifest on disk has not seen it.
      const log = events(runDir);
      const last = log.at(-1) as RunEvent;
      expect(last.kind).toBe('attempt-finished');
      const finished = last.kind === 'attempt-finished' ? last.task : '';
      const onDisk = manifest(runDir);
      expect(onDisk.events?.seq ?? 0).toBeLessThan(last.seq);
      expect(onDisk.tasks.find((t) => t.id === finished)?.status).toBe('running');
      behind.push(last.seq - (onDisk.events?.seq ?? 0));

      const resumed = await cli(['resume', runId], repo, env);
      expect(resumed.code, resumed.stderr).toBe(0);
      const after = manifest(runDir);
      expect(after.status).toBe('succeeded');
      const t = after.tasks.find((x) => x.id === finished) as Manifest['tasks'][number];
      // Never run again: the one attempt, finished before the kill.
      expect(t.attempts.map((a) => a.status)).toEqual(['succeeded']);
      expect(after.tasks.every((x) => x.status === 'succeeded')).toBe(true);
      expect(events(runDir).filter((e) => e.kind === 'attempt-started' && e.task === finished)).toHaveLength(1);
      const verified = await cli(['verify', runId], repo, env);
      expect(verified.code, verified.stdout).toBe(0);
    }
    figure(
      context,
      `R19 kill -9 between an event and its manifest: ${KILLS.length} run(s) killed after attempt-finished ${KILLS.join(', ')}; the manifest was ${behind.join(', ')} event(s) behind the log; every finished attempt kept by resume, none run again`,
    );
  });
});
