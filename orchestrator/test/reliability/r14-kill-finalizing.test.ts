import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { isAlive } from '../../src/core/process-tree.js';
import type { Manifest } from '../../src/store/manifest.js';
import { shellTask } from '../helpers/busy-run.js';
import { cli } from '../helpers/cli.js';
import { repoWithGraph, worktreesOf } from '../helpers/run.js';
import { git } from '../helpers/temp.js';
import { figure, scaled } from './battery.js';

// R14: kill -9 in the finalization window: every task has finished, the run has not yet recorded
// its end (integration branch, final status, seal). One `resume` must finish the run: status
// `succeeded`, the integration branch holding every task's result, a seal that verifies, no
// worktree left, and no task run again.

const RUNS = scaled({ ci: 2, full: 10 });
const WIDTH = 8;

function graph(): string {
  let yaml = 'settings:\n  concurrency: { builder: 8, tester: 1 }\ntasks:\n';
  for (let i = 0; i < WIDTH; i++) yaml += shellTask(`t${i}`, `mkdir -p out && echo t${i} > out/t${i}.txt`);
  return yaml;
}

function readManifest(runDir: string): Manifest | undefined {
  try {
    return JSON.parse(readFileSync(path.join(runDir, 'manifest.json'), 'utf8')) as Manifest;
  } catch {
    return undefined;
  }
}

/** Every task finished, the run's end not yet recorded. */
function inWindow(m: Manifest | undefined): boolean {
  return m !== undefined && m.status === 'running' && m.tasks.every((t) => t.status === 'succeeded');
}

describe('R14 kill -9 in the finalization window', () => {
  it(`${RUNS} run(s) of ${WIDTH} tasks killed once every task has finished: one resume finishes each (status, integration, seal, cleanup), nothing run again`, {
    timeout: 120_000 * RUNS,
  }, async (context) => {
    let landed = 0;
    let missed = 0;
    const stuck: string[] = [];
    const problems: string[] = [];
    for (let n = 0; n < RUNS; n++) {
      const { repo, runsDir } = repoWithGraph(graph());
      const env = { CODEX_ORCHESTRATOR_OFFLINE_LATENCY_MS: '20', CODEX_ORCHESTRATOR_KEYS_DIR: path.join(repo, '..', `keys-${n}`) };
      const started = await cli(['run', 'graph.yaml', '--detach', '--json'], repo, env);
      expect(started.code, started.stderr).toBe(0);
      const { runId, pid } = JSON.parse(started.stdout) as { runId: string; pid: number };
      const runDir = path.join(runsDir, runId);
      // Watch the manifest closely and kill the run's process group the moment the window opens.
      const deadline = Date.now() + 90_000;
      try {
        while (isAlive(pid) && Date.now() < deadline && !inWindow(readManifest(runDir))) await sleep(2);
      } finally {
        if (isAlive(pid)) process.kill(-pid, 'SIGKILL');
      }
      while (isAlive(pid)) await sleep(10);
      const atKill = readManifest(runDir);
      if (inWindow(atKill)) landed++;
      else missed++;
      const attemptsAtKill = atKill?.tasks.map((t) => t.attempts.length);

      const resumed = await cli(['resume', runId], repo, env);
      const m = readManifest(runDir);
      if (resumed.code !== 0 || m?.status !== 'succeeded') {
        stuck.push(`run ${n}: resume exited ${resumed.code}, status ${m?.status}: ${resumed.stderr.trim().split('\n').at(-1)}`);
        continue;
      }
      const branch = m.integration?.branch;
      const files = branch ? git(repo, 'ls-tree', '--name-only', `${branch}:out`).split('\n') : [];
      if (files.length !== WIDTH) problems.push(`run ${n}: integration branch holds ${files.length} of ${WIDTH} results`);
      if (JSON.stringify(m.tasks.map((t) => t.attempts.length)) !== JSON.stringify(attemptsAtKill)) problems.push(`run ${n}: a task ran again`);
      if (existsSync(worktreesOf(runDir))) problems.push(`run ${n}: worktrees left`);
      const verified = await cli(['verify', runId], repo, env);
      if (verified.code !== 0) problems.push(`run ${n}: verify exited ${verified.code}: ${verified.stdout.trim().split('\n')[0]}`);
    }
    figure(
      context,
      `R14 kill -9 in the finalization window: ${RUNS} run(s) × ${WIDTH} tasks, ${landed} kill(s) landed in the window (${missed} after the run had ended); ${stuck.length} run(s) left unfinished by one resume, ${problems.length} problem(s)`,
    );
    expect(stuck).toEqual([]);
    expect(problems.join('\n')).toBe('');
    expect(landed).toBeGreaterThan(0);
  });
});
