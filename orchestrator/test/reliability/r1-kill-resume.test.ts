import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { isAlive } from '../../src/core/process-tree.js';
import { Manifest, type TaskRecord } from '../../src/store/manifest.js';
import { shellTask } from '../helpers/busy-run.js';
import { cli } from '../helpers/cli.js';
import { repoWithGraph } from '../helpers/run.js';
import { git, keptWorktrees, worktreesLeft } from '../helpers/temp.js';
import { count, duration, figure, random, scaled, seedFor } from './battery.js';

// R1: kill -9 the orchestrator at random moments of a many-task run, then resume, until the run
// is done; repeat. Nothing finished may be lost (its status and artifacts stay) or run again (no
// new attempt), no task may start before its dependencies finished, and every repetition must
// end with the same result (the integration branch's tree). Each repetition's repository had a
// run before, so the killed run starts from the worktrees that run kept (`kept-worktrees.ts`); at
// the end, every worktree git knows of is a kept one, clean.

const RUNS = scaled({ ci: 1, full: 10 });
const LAYERS = scaled({ ci: 4, full: 10 });
const WIDTH = 5;
/** Kills per repetition; each is followed by a resume (the last resume runs to the end). */
const KILLS = scaled({ ci: 1, full: 2 });
const MAX_KILL_DELAY_MS = scaled({ ci: 4000, full: 8000 });

/** Layers of WIDTH tasks; each task depends on one or two tasks of the layer before. */
function layeredGraph(): { yaml: string; tasks: number } {
  let yaml = 'settings:\n  concurrency: { builder: 4, tester: 2 }\ntasks:\n';
  for (let layer = 0; layer < LAYERS; layer++) {
    for (let i = 0; i < WIDTH; i++) {
      const id = `t${layer}-${i}`;
      const deps = layer === 0 ? [] : [...new Set([`t${layer - 1}-${i}`, `t${layer - 1}-${(i * 3 + 1) % WIDTH}`])];
      yaml += shellTask(id, `mkdir -p out && echo ${id} > out/${id}.txt`, deps);
    }
  }
  return { yaml, tasks: LAYERS * WIDTH };
}

function readManifest(runDir: string): Manifest {
  return Manifest.parse(JSON.parse(readFileSync(path.join(runDir, 'manifest.json'), 'utf8')));
}

/** What a finished task must keep: its attempts and its artifacts' digests. */
function finishedSnapshot(m: Manifest): Map<string, string> {
  const out = new Map<string, string>();
  for (const t of m.tasks) if (t.status === 'succeeded') out.set(t.id, JSON.stringify([t.attempts.length, t.artifacts]));
  return out;
}

/** Tasks whose successful attempt started before one of its dependencies' successful attempt ended. */
function orderViolations(m: Manifest): string[] {
  const byId = new Map(m.tasks.map((t) => [t.id, t]));
  const ok = (t: TaskRecord) => t.attempts.findLast((a) => a.status === 'succeeded');
  const out: string[] = [];
  for (const t of m.tasks) {
    const mine = ok(t);
    if (!mine) continue;
    for (const d of t.deps) {
      const theirs = byId.get(d) && ok(byId.get(d) as TaskRecord);
      if (!theirs?.finishedAt || new Date(mine.startedAt) < new Date(theirs.finishedAt)) out.push(`${t.id} before ${d}`);
    }
  }
  return out;
}

describe('R1 kill -9 and resume', () => {
  it(`${RUNS} run(s) of ${LAYERS * WIDTH} tasks, killed ${KILLS} time(s) each at random moments: nothing finished lost or re-run, order kept, one result`, {
    timeout: 120_000 * RUNS,
  }, async (context) => {
    const seed = seedFor('R1');
    const rng = random(seed);
    const { yaml, tasks } = layeredGraph();
    let kills = 0;
    let finishedAtKills = 0;
    let lost = 0;
    let rerun = 0;
    const violations: string[] = [];
    const results = new Set<string>();
    const statuses: string[] = [];
    let resumes = 0;
    let keptBefore = 0;
    let keptAfter = 0;
    const left: string[] = [];
    for (let n = 0; n < RUNS; n++) {
      const warmUp = `settings:\n  concurrency: { builder: 4, tester: 2 }\ntasks:\n${[0, 1, 2, 3].map((i) => shellTask(`w${i}`, `echo ${i} > w${i}.txt`)).join('')}`;
      const { repo, runsDir } = repoWithGraph(yaml, { 'warm.yaml': warmUp });
      const env = { CODEX_ORCHESTRATOR_OFFLINE_LATENCY_MS: '20', CODEX_ORCHESTRATOR_KEYS_DIR: path.join(repo, '..', `keys-${n}`) };
      const before = await cli(['run', 'warm.yaml'], repo, env);
      expect(before.code, before.stderr).toBe(0);
      keptBefore += keptWorktrees(repo).length;
      const started = await cli(['run', 'graph.yaml', '--detach', '--json'], repo, env);
      expect(started.code, started.stderr).toBe(0);
      const { runId, pid: firstPid } = JSON.parse(started.stdout) as { runId: string; pid: number };
      const runDir = path.join(runsDir, runId);
      const kept = new Map<string, string>();
      let pid = firstPid;
      for (let k = 0; k < KILLS; k++) {
        // A random moment of the run (not a wait for some state).
        await sleep(rng.int(200, MAX_KILL_DELAY_MS));
        if (isAlive(pid)) {
          process.kill(pid, 'SIGKILL');
          kills++;
          while (isAlive(pid)) await sleep(10);
        }
        const snapshot = finishedSnapshot(readManifest(runDir));
        finishedAtKills += snapshot.size;
        for (const [id, value] of snapshot) kept.set(id, value);
        if (k < KILLS - 1) {
          const again = await cli(['resume', runId, '--detach', '--json'], repo, env);
          resumes++;
          if (again.code !== 0 || again.stdout.trim() === '') break; // it had nothing left to do
          pid = (JSON.parse(again.stdout) as { pid: number }).pid;
        }
      }
      const last = await cli(['resume', runId], repo, env);
      resumes++;
      expect(last.code, last.stderr).toBe(0);
      const final = readManifest(runDir);
      statuses.push(final.status);
      const now = finishedSnapshot(final);
      for (const [id, before] of kept) {
        const after = now.get(id);
        if (after === undefined) lost++;
        else if (JSON.parse(after)[0] !== JSON.parse(before)[0]) rerun++;
        else if (after !== before) lost++;
      }
      violations.push(...orderViolations(final));
      left.push(...worktreesLeft(repo));
      for (const k of keptWorktrees(repo)) if (git(k, 'status', '--porcelain', '--ignored') !== '') left.push(`${k} (not clean)`);
      keptAfter += keptWorktrees(repo).length;
      const branch = final.integration?.branch;
      // The same result as an uninterrupted run: every task's file, with its own content.
      const files = branch ? git(repo, 'ls-tree', '--name-only', `${branch}:out`).split('\n') : [];
      if (files.length !== tasks || files.some((f) => git(repo, 'show', `${branch}:out/${f}`) !== f.replace(/\.txt$/, ''))) results.add(`incomplete-${n}`);
      else results.add(branch && existsSync(runDir) ? git(repo, 'rev-parse', `${branch}^{tree}`) : 'none');
    }
    figure(
      context,
      `R1 kill -9 and resume: ${RUNS} run(s) × ${tasks} tasks (seed ${seed}), ${kills} kills at random moments (${count(finishedAtKills)} finished tasks on disk at the kills), ${resumes} resumes; ` +
        `${lost} finished lost, ${rerun} finished re-run, ${violations.length} order violations, ${results.size} distinct final result(s); statuses ${[...new Set(statuses)].join(', ')}; kills up to ${duration(MAX_KILL_DELAY_MS)} in; ` +
        `kept worktrees ${keptBefore} before, ${keptAfter} after, ${left.length} other or unclean worktrees left`,
    );
    expect(lost).toBe(0);
    expect(rerun).toBe(0);
    expect(violations).toEqual([]);
    expect(results.size).toBe(1);
    expect(keptBefore).toBeGreaterThan(0);
    expect(left).toEqual([]);
    expect(new Set(statuses)).toEqual(new Set(['succeeded']));
  });
});
