import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import type { RunId, TaskId } from '../../src/core/ids.js';
import { KEPT_DIR, MAX_AGE_MS } from '../../src/workspace/kept-worktrees.js';
import { Worktrees } from '../../src/workspace/worktrees.js';
import { git, tempDir, tempRepo } from '../helpers/temp.js';

const id = (s: string): TaskId => s as TaskId;
const run = (n: number): RunId => `20260101-00000${n}-abcd` as RunId;

/** Every file below `dir` but git's, relative, sorted. */
function filesIn(dir: string, rel = ''): string[] {
  return readdirSync(path.join(dir, rel), { withFileTypes: true })
    .filter((e) => !(rel === '' && e.name === '.git'))
    .flatMap((e) => (e.isDirectory() ? filesIn(dir, path.join(rel, e.name)) : [path.join(rel, e.name)]))
    .sort();
}

/** The repository's worktrees as git lists them: path, whether detached, whether locked. */
function listed(repo: string): { path: string; detached: boolean; locked: boolean }[] {
  return git(repo, 'worktree', 'list', '--porcelain')
    .split('\n\n')
    .slice(1)
    .map((block) => ({ path: /^worktree (.*)$/m.exec(block)?.[1] ?? '', detached: /^detached$/m.test(block), locked: /^locked/m.test(block) }));
}

/** A repository and the folder its runs' worktrees go in (as `runWorktreesDir` makes them). */
function setup(): { repo: string; repoDir: string; shelf: string } {
  const repo = tempRepo({ 'README.md': '# test\n', '.gitignore': 'build/\n', 'a.txt': 'a\n' });
  const repoDir = path.join(tempDir(), 'repo-0123456789');
  return { repo, repoDir, shelf: path.join(repoDir, KEPT_DIR) };
}

/** A run's attempt of `task` that writes, commits, leaves an untracked and an ignored file, and parks its worktree. */
async function attempt(w: Worktrees, task: string): Promise<string> {
  const p = await w.prepare(id(task), 1, []);
  if (!p.ok) throw new Error('prepare failed');
  writeFileSync(path.join(p.value.path, `${task}.txt`), `${task}\n`);
  await w.commitResult(p.value.path, task);
  writeFileSync(path.join(p.value.path, `stray-${task}.txt`), 'left after the commit\n');
  mkdirSync(path.join(p.value.path, 'build'), { recursive: true });
  writeFileSync(path.join(p.value.path, 'build', `${task}.js`), 'built\n');
  expect(await w.park(p.value.path, ['build'])).toBeDefined();
  return p.value.path;
}

it('a run leaves its free worktrees for the next run: cleaned, detached, locked; the next run takes one and it holds exactly its own start', async () => {
  const { repo, repoDir, shelf } = setup();
  const base = git(repo, 'rev-parse', 'HEAD');
  const first = new Worktrees(repo, run(1), base, path.join(repoDir, run(1)), 2);
  await Promise.all([attempt(first, 'one'), attempt(first, 'two')]);
  await first.removeAll();
  expect(existsSync(first.dir)).toBe(false);
  const kept = readdirSync(shelf).map((n) => path.join(shelf, n));
  expect(kept).toHaveLength(2);
  for (const k of kept) {
    expect(git(k, 'status', '--porcelain', '--ignored')).toBe('');
    expect(listed(repo)).toContainEqual({ path: k, detached: true, locked: true });
  }
  // Locked: git's own pruning leaves them be.
  git(repo, 'worktree', 'prune');
  expect(listed(repo)).toHaveLength(2);

  // The user commits; the next run starts from there, with its first worktree taken from the shelf.
  writeFileSync(path.join(repo, 'a.txt'), 'a, later\n');
  git(repo, 'commit', '-qam', 'later');
  const later = git(repo, 'rev-parse', 'HEAD');
  const second = new Worktrees(repo, run(2), later, path.join(repoDir, run(2)), 2);
  second.warm(1);
  const next = await second.prepare(id('next'), 1, []);
  if (!next.ok) throw new Error('prepare failed');
  expect(next.value.reusedFrom).toBeDefined();
  expect(readdirSync(shelf)).toHaveLength(1);
  // Nothing of the earlier run's tasks: neither their commits nor what they left untracked or ignored.
  expect(filesIn(next.value.path)).toEqual(['.gitignore', 'README.md', 'a.txt']);
  expect(readFileSync(path.join(next.value.path, 'a.txt'), 'utf8')).toBe('a, later\n');
  expect(git(next.value.path, 'rev-parse', 'HEAD')).toBe(later);
  expect(git(next.value.path, 'branch', '--show-current')).toBe(second.branchOf(id('next')));
  expect(git(next.value.path, 'status', '--porcelain', '--ignored')).toBe('');
  expect(listed(repo)).toContainEqual({ path: next.value.path, detached: false, locked: false });
  // An attempt that finds no parked worktree takes the shelf's last one too.
  const other = await second.prepare(id('other'), 1, []);
  expect(other.ok && other.value.reusedFrom).toBeDefined();
  expect(readdirSync(shelf)).toHaveLength(0);

  for (const p of [next, other]) if (p.ok) expect(await second.park(p.value.path, [])).toBeDefined();
  await second.removeAll();
  expect(readdirSync(shelf)).toHaveLength(2);
  expect(listed(repo).every((w) => w.locked && w.detached && path.dirname(w.path) === shelf)).toBe(true);
});

it("two runs never take the same kept worktree, and one of them gets it (8 times over: git meets the other runs' half-written records)", async () => {
  for (let round = 0; round < 8; round++) {
    const { repo, repoDir, shelf } = setup();
    const base = git(repo, 'rev-parse', 'HEAD');
    const first = new Worktrees(repo, run(1), base, path.join(repoDir, run(1)), 1);
    await attempt(first, 'one');
    await first.removeAll();
    expect(readdirSync(shelf)).toHaveLength(1);
    const runs = [2, 3, 4].map((n) => new Worktrees(repo, run(n), base, path.join(repoDir, run(n)), 0));
    const prepared = await Promise.all(runs.map((w) => w.prepare(id('t'), 1, [])));
    expect(prepared.filter((p) => p.ok && p.value.reusedFrom !== undefined)).toHaveLength(1);
    for (const p of prepared) {
      if (!p.ok) throw new Error('prepare failed');
      expect(filesIn(p.value.path)).toEqual(['.gitignore', 'README.md', 'a.txt']);
      expect(git(p.value.path, 'rev-parse', '--show-toplevel')).toBe(p.value.path);
    }
    for (const w of runs) await w.removeAll();
    // `keptWorktrees: 0` keeps none: the shelf and git's records are empty again.
    expect(readdirSync(shelf)).toHaveLength(0);
    expect(listed(repo)).toEqual([]);
  }
});

it('a run that ends removes kept worktrees beyond its limit and those unused for 14 days, and one whose git record is gone', async () => {
  const { repo, repoDir, shelf } = setup();
  const base = git(repo, 'rev-parse', 'HEAD');
  const first = new Worktrees(repo, run(1), base, path.join(repoDir, run(1)), 3);
  await Promise.all(['one', 'two', 'three'].map((t) => attempt(first, t)));
  await first.removeAll();
  const [newest, middle, oldest] = readdirSync(shelf).sort().reverse();
  if (!newest || !middle || !oldest) throw new Error('expected three kept worktrees');
  const old = (Date.now() - MAX_AGE_MS - 60_000) / 1000;
  utimesSync(path.join(shelf, oldest), old, old);
  // One whose record git lost (its `.git/worktrees/<name>` removed by hand).
  const record = git(path.join(shelf, newest), 'rev-parse', '--absolute-git-dir');
  rmSync(record, { recursive: true, force: true });

  const second = new Worktrees(repo, run(2), base, path.join(repoDir, run(2)), 3);
  const taken = await second.prepare(id('t'), 1, []);
  // The broken one is removed, the next taken.
  expect(taken.ok && taken.value.reusedFrom).toBeDefined();
  expect(readdirSync(shelf)).toEqual([oldest]);
  if (taken.ok) await second.park(taken.value.path, []);
  await second.removeAll();
  // The old one is gone; the one just used is kept.
  expect(readdirSync(shelf)).toHaveLength(1);
  expect(readdirSync(shelf)).not.toContain(oldest);
  expect(listed(repo)).toHaveLength(1);

  const third = new Worktrees(repo, run(3), base, path.join(repoDir, run(3)), 0);
  await third.removeAll();
  expect(readdirSync(shelf)).toEqual([]);
  expect(listed(repo)).toEqual([]);
});

it('a session killed after taking a kept worktree, before telling git: resume takes the worktree in, and git records it where it is', async () => {
  const { repo, repoDir, shelf } = setup();
  const base = git(repo, 'rev-parse', 'HEAD');
  const first = new Worktrees(repo, run(1), base, path.join(repoDir, run(1)), 1);
  await attempt(first, 'one');
  await first.removeAll();
  const [name] = readdirSync(shelf);
  if (!name) throw new Error('expected a kept worktree');
  // What the claim's rename did before the kill; git still records it on the shelf, locked.
  const runDir = path.join(repoDir, run(2));
  mkdirSync(runDir, { recursive: true });
  renameSync(path.join(shelf, name), path.join(runDir, '_parked-1'));
  expect(listed(repo)).toEqual([{ path: path.join(shelf, name), detached: true, locked: true }]);

  const resumed = new Worktrees(repo, run(2), base, runDir, 0);
  await resumed.adopt(path.join(runDir, '_parked-1'));
  expect(listed(repo)).toEqual([{ path: path.join(runDir, '_parked-1'), detached: true, locked: false }]);
  const next = await resumed.prepare(id('next'), 1, []);
  expect(next.ok && next.value.reusedFrom).toBe(path.join(runDir, '_parked-1'));
  await resumed.removeAll();
  expect(listed(repo)).toEqual([]);
});

it("a run that ends removes other repositories' kept worktrees unused for 14 days, and unlocks them in their repository's records", async () => {
  const { repo, repoDir } = setup();
  const base = git(repo, 'rev-parse', 'HEAD');
  // Another repository below the same root, its last run 15 days ago.
  const other = tempRepo({ 'README.md': '# other\n' });
  const otherDir = path.join(path.dirname(repoDir), 'other-9876543210');
  const old = new Worktrees(other, run(1), git(other, 'rev-parse', 'HEAD'), path.join(otherDir, run(1)), 1);
  await attempt(old, 'one');
  await old.removeAll();
  const [name] = readdirSync(path.join(otherDir, KEPT_DIR));
  if (!name) throw new Error('expected a kept worktree');
  const days15 = (Date.now() - MAX_AGE_MS - 24 * 3600 * 1000) / 1000;
  utimesSync(path.join(otherDir, KEPT_DIR, name), days15, days15);
  // And a third one, recent: left alone.
  const recent = tempRepo({ 'README.md': '# recent\n' });
  const recentDir = path.join(path.dirname(repoDir), 'recent-1111111111');
  const last = new Worktrees(recent, run(1), git(recent, 'rev-parse', 'HEAD'), path.join(recentDir, run(1)), 1);
  await attempt(last, 'one');
  await last.removeAll();

  const w = new Worktrees(repo, run(2), base, path.join(repoDir, run(2)), 1);
  await w.removeAll();
  expect(existsSync(otherDir)).toBe(false);
  expect(listed(other).map((x) => x.locked)).toEqual([false]);
  git(other, 'worktree', 'prune');
  expect(listed(other)).toEqual([]);
  expect(readdirSync(path.join(recentDir, KEPT_DIR))).toHaveLength(1);
  expect(listed(recent)).toHaveLength(1);
});
