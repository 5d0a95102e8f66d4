import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { isAlive } from '../../src/core/process-tree.js';
import type { Manifest } from '../../src/store/manifest.js';
import { shellTask } from '../helpers/busy-run.js';
import { cli } from '../helpers/cli.js';
import { repoWithGraph, worktreesOf } from '../helpers/run.js';
import { git } from '../helpers/temp.js';
import { figure, random, scaled, seedFor } from './battery.js';

// R15: what a kill -9 of a run's process group leaves in git never wedges `resume`. Each run is
// killed at a random moment while its tasks work; then every lock file a git command killed
// mid-way could leave for the run is planted (index.lock and HEAD.lock in the admin folder of each
// of its worktrees, a lock on each of its task branches), and a lock on the user's own index too.
// One resume must finish the run, never exit 3, remove the run's locks and leave the user's alone.

const RUNS = scaled({ ci: 2, full: 8 });
const LAYERS = 3;
const WIDTH = 3;

function graph(): string {
  let yaml = 'settings:\n  concurrency: { builder: 3, tester: 1 }\ntasks:\n';
  for (let layer = 0; layer < LAYERS; layer++) {
    for (let i = 0; i < WIDTH; i++) {
      const deps = layer === 0 ? [] : [`t${layer - 1}-${i}`];
      yaml += shellTask(`t${layer}-${i}`, `mkdir -p out && sleep 0.3 && echo t${layer}-${i} > out/t${layer}-${i}.txt`, deps);
    }
  }
  return yaml;
}

function readManifest(runDir: string): Manifest | undefined {
  try {
    return JSON.parse(readFileSync(path.join(runDir, 'manifest.json'), 'utf8')) as Manifest;
  } catch {
    return undefined;
  }
}

/** The lock files a killed git could leave for the run: planted where the run's worktrees and branches are. */
function plantLocks(repo: string, runId: string, runDir: string): string[] {
  const planted: string[] = [];
  const admin = path.join(repo, '.git', 'worktrees');
  const worktrees = worktreesOf(runDir);
  for (const name of existsSync(admin) ? readdirSync(admin) : []) {
    const gitdir = readFileSync(path.join(admin, name, 'gitdir'), 'utf8').trim();
    if (!gitdir.startsWith(worktrees + path.sep)) continue;
    for (const lock of ['index.lock', 'HEAD.lock']) planted.push(path.join(admin, name, lock));
  }
  const branches = path.join(repo, '.git', 'refs', 'heads', 'codex-orchestrator', 'tasks', runId);
  for (const name of existsSync(branches) ? readdirSync(branches).filter((n) => !n.endsWith('.lock')) : []) planted.push(path.join(branches, `${name}.lock`));
  for (const file of planted) writeFileSync(file, '');
  return planted;
}

describe('R15 stale git locks after kill -9', () => {
  it(`${RUNS} run(s) killed mid-task with every stale git lock planted: one resume each finishes, none exits 3, the user's index lock is left`, { timeout: 120_000 * RUNS }, async (context) => {
    const seed = seedFor('R15');
    const rng = random(seed);
    let planted = 0;
    let removed = 0;
    const exits: (number | null)[] = [];
    const problems: string[] = [];
    for (let n = 0; n < RUNS; n++) {
      const { repo, runsDir } = repoWithGraph(graph());
      const env = { CODEX_ORCHESTRATOR_OFFLINE_LATENCY_MS: '20' };
      const started = await cli(['run', 'graph.yaml', '--detach', '--json'], repo, env);
      expect(started.code, started.stderr).toBe(0);
      const { runId, pid } = JSON.parse(started.stdout) as { runId: string; pid: number };
      const runDir = path.join(runsDir, runId);
      try {
        // Once a task works, a random moment within the next 1.5 s.
        await expect.poll(() => readManifest(runDir)?.tasks.some((t) => t.status === 'running') ?? false, { timeout: 60_000, interval: 20 }).toBe(true);
        await sleep(rng.int(0, 1500));
      } finally {
        if (isAlive(pid)) process.kill(-pid, 'SIGKILL');
      }
      while (isAlive(pid)) await sleep(10);
      const locks = plantLocks(repo, runId, runDir);
      planted += locks.length;
      const users = path.join(repo, '.git', 'index.lock');
      writeFileSync(users, '');
      const resumed = await cli(['resume', runId], repo, env);
      exits.push(resumed.code);
      removed += locks.filter((f) => resumed.stderr.includes(`removed git's lock ${f}`)).length;
      const m = readManifest(runDir);
      if (resumed.code !== 0 || m?.status !== 'succeeded') problems.push(`run ${n}: resume exited ${resumed.code}, status ${m?.status}: ${resumed.stderr.trim().split('\n').slice(-2).join(' / ')}`);
      if (!existsSync(users)) problems.push(`run ${n}: the user's .git/index.lock was removed`);
      const branch = m?.integration?.branch;
      const files = branch ? git(repo, 'ls-tree', '--name-only', `${branch}:out`).split('\n') : [];
      if (files.length !== LAYERS * WIDTH) problems.push(`run ${n}: integration branch holds ${files.length} of ${LAYERS * WIDTH} results`);
    }
    figure(
      context,
      `R15 stale git locks after kill -9: ${RUNS} run(s) × ${LAYERS * WIDTH} tasks (seed ${seed}), ${planted} stale lock(s) planted, ${removed} removed by resume; resume exits ${[...new Set(exits)].join(', ')}; ${problems.length} problem(s)`,
    );
    expect(problems.join('\n')).toBe('');
    expect(exits.filter((c) => c === 3)).toEqual([]);
    expect(removed).toBe(planted);
    expect(planted).toBeGreaterThan(0);
  });
});
