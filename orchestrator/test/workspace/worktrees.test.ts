import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import type { RunId, TaskId } from '../../src/core/ids.js';
import { Worktrees } from '../../src/workspace/worktrees.js';
import { git, tempDir, tempRepo } from '../helpers/temp.js';

const RUN = '20260101-000000-abcd' as RunId;
const id = (s: string): TaskId => s as TaskId;

it('prepares task worktrees on their branches, commits results and measures diffs from the right base', async () => {
  const repo = tempRepo({ 'README.md': '# test\n', 'a.txt': 'a\n', 'b.txt': 'b\n' });
  const base = git(repo, 'rev-parse', 'HEAD');
  const w = new Worktrees(repo, RUN, base, path.join(tempDir(), 'worktrees'));

  // Two tasks from the base, in parallel.
  const [one, two] = await Promise.all([w.prepare(id('one'), 1, []), w.prepare(id('two'), 1, [])]);
  if (!one.ok || !two.ok) throw new Error('prepare failed');
  expect(one.value.baseCommit).toBe(base);
  expect(git(one.value.path, 'branch', '--show-current')).toBe(w.branchOf(id('one')));
  expect(readFileSync(path.join(one.value.path, 'a.txt'), 'utf8')).toBe('a\n');
  expect(git(one.value.path, 'status', '--porcelain')).toBe('');

  writeFileSync(path.join(one.value.path, 'a.txt'), 'a changed\n');
  writeFileSync(path.join(two.value.path, 'new.txt'), 'new\n');
  const oneResult = await w.commitResult(one.value.path, 'one (attempt 1)');
  const twoResult = await w.commitResult(two.value.path, 'two (attempt 1)');
  // The commit id comes from git's summary line: the same as the branch's tip.
  expect(oneResult).toMatch(/^[0-9a-f]{40}$/);
  expect(oneResult).toBe(git(repo, 'rev-parse', w.branchOf(id('one'))));
  expect(twoResult).toBe(git(repo, 'rev-parse', w.branchOf(id('two'))));
  // Nothing changed since: the result is the same commit.
  expect(await w.commitResult(one.value.path, 'one again')).toBe(oneResult);

  const diff = await w.diff(base, oneResult);
  expect(diff.stat).toMatchObject({ files: 1, insertions: 1, deletions: 1 });
  expect(diff.patch).toContain('+a changed');

  // One dependency: the worktree starts at its result. Two: at the merge of both.
  const after = await w.prepare(id('after-one'), 1, [{ taskId: id('one'), commit: oneResult }]);
  const both = await w.prepare(id('both'), 1, [
    { taskId: id('one'), commit: oneResult },
    { taskId: id('two'), commit: twoResult },
  ]);
  if (!after.ok || !both.ok) throw new Error('prepare failed');
  expect(after.value.baseCommit).toBe(oneResult);
  expect(both.value.baseCommit).toBe(git(both.value.path, 'rev-parse', 'HEAD'));
  expect(both.value.baseCommit).not.toBe(oneResult);
  expect(readFileSync(path.join(both.value.path, 'a.txt'), 'utf8')).toBe('a changed\n');
  expect(readFileSync(path.join(both.value.path, 'new.txt'), 'utf8')).toBe('new\n');

  // A retry starts its branch again from the base, in a folder of its own.
  const retry = await w.prepare(id('two'), 2, []);
  if (!retry.ok) throw new Error('prepare failed');
  expect(retry.value.path).not.toBe(two.value.path);
  expect(git(repo, 'rev-parse', w.branchOf(id('two')))).toBe(base);

  for (const p of [one, two, after, both, retry]) if (p.ok) await w.remove(p.value.path);
  await w.prune();
  expect(git(repo, 'worktree', 'list', '--porcelain').match(/^worktree /gm)).toHaveLength(1);
});

it('builds the integration branch in the object store: fast-forward, merges, a conflict left out, no checkout made', async () => {
  const repo = tempRepo({ 'README.md': '# test\n', 'shared.txt': 'base\n' });
  const base = git(repo, 'rev-parse', 'HEAD');
  const dir = path.join(tempDir(), 'worktrees');
  const w = new Worktrees(repo, RUN, base, dir);
  const result = async (name: string, files: Record<string, string>, deps: { taskId: TaskId; commit: string }[] = []): Promise<string> => {
    const p = await w.prepare(id(name), 1, deps);
    if (!p.ok) throw new Error('prepare failed');
    for (const [f, text] of Object.entries(files)) writeFileSync(path.join(p.value.path, f), text);
    const commit = await w.commitResult(p.value.path, name);
    await w.remove(p.value.path);
    return commit;
  };
  const one = await result('one', { 'one.txt': '1\n' });
  const two = await result('two', { 'two.txt': '2\n' });
  const left = await result('left', { 'shared.txt': 'left\n' });
  const right = await result('right', { 'shared.txt': 'right\n' });
  const after = await result('after', { 'after.txt': 'a\n' }, [{ taskId: id('one'), commit: one }]);

  const integration = await w.integrate([
    { taskId: id('one'), commit: one },
    { taskId: id('two'), commit: two },
    { taskId: id('left'), commit: left },
    { taskId: id('right'), commit: right },
    { taskId: id('after'), commit: after },
  ]);
  expect(integration.merged).toEqual(['one', 'two', 'left', 'after']);
  expect(integration.skipped).toEqual([{ taskId: 'right', reason: 'conflicts with earlier results in shared.txt' }]);
  expect(git(repo, 'rev-parse', w.integrationBranch)).toBe(integration.commit);
  expect(git(repo, 'ls-tree', '--name-only', integration.commit).split('\n').sort()).toEqual(['README.md', 'after.txt', 'one.txt', 'shared.txt', 'two.txt']);
  expect(git(repo, 'show', `${integration.commit}:shared.txt`)).toBe('left');
  // The first result was fast-forwarded to, as `git merge` does; the others were merged, one commit each.
  expect(git(repo, 'rev-list', '--count', '--merges', `${base}..${integration.commit}`)).toBe('3');
  expect(git(repo, 'log', '-1', '--format=%s', integration.commit)).toBe('Merge results of task after');
  // Nothing was checked out for it, and the user's checkout is as it was.
  expect(git(repo, 'worktree', 'list', '--porcelain').match(/^worktree /gm)).toHaveLength(1);
  expect(git(repo, 'status', '--porcelain')).toBe('');
});

it('reuses a parked worktree: it holds exactly the new start (base plus dependencies), nothing of the task before it but what setup made', async () => {
  const repo = tempRepo({ 'README.md': '# test\n', '.gitignore': 'node_modules/\nbuild/\n', 'a.txt': 'a\n' });
  const base = git(repo, 'rev-parse', 'HEAD');
  const w = new Worktrees(repo, RUN, base, path.join(tempDir(), 'worktrees'));
  const dep = await w.prepare(id('dep'), 1, []);
  if (!dep.ok) throw new Error('prepare failed');
  writeFileSync(path.join(dep.value.path, 'dep.txt'), 'dep\n');
  const depResult = await w.commitResult(dep.value.path, 'dep');
  await w.remove(dep.value.path);

  const first = await w.prepare(id('first'), 1, []);
  if (!first.ok) throw new Error('prepare failed');
  const folder = first.value.path;
  mkdirSync(path.join(folder, 'node_modules', 'x'), { recursive: true });
  writeFileSync(path.join(folder, 'node_modules', 'x', 'index.js'), 'installed\n');
  mkdirSync(path.join(folder, 'build'));
  writeFileSync(path.join(folder, 'build', 'out.js'), 'built by first\n');
  writeFileSync(path.join(folder, 'a.txt'), 'changed by first\n');
  writeFileSync(path.join(folder, 'first.txt'), 'first\n');
  await w.commitResult(folder, 'first', ['node_modules']);
  writeFileSync(path.join(folder, 'stray.txt'), 'left after the commit\n');
  const parked = await w.park(folder, ['node_modules']);
  expect(parked).toBe(path.join(w.dir, '_parked-1'));
  expect(existsSync(folder)).toBe(false);
  // Parked off the task's branch: a retry of the task may check its branch out elsewhere meanwhile.
  expect(git(parked ?? '', 'branch', '--show-current')).toBe('');

  const next = await w.prepare(id('next'), 1, [{ taskId: id('dep'), commit: depResult }]);
  if (!next.ok) throw new Error('prepare failed');
  expect(next.value.reusedFrom).toBe(parked);
  const tree = next.value.path;
  expect(git(tree, 'branch', '--show-current')).toBe(w.branchOf(id('next')));
  expect(git(tree, 'rev-parse', 'HEAD')).toBe(depResult);
  expect(git(tree, 'status', '--porcelain', '--ignored')).toBe('!! node_modules/');
  expect(readdirSync(tree).sort()).toEqual(['.git', '.gitignore', 'README.md', 'a.txt', 'dep.txt', 'node_modules']);
  expect(readFileSync(path.join(tree, 'a.txt'), 'utf8')).toBe('a\n');
  expect(readFileSync(path.join(tree, 'node_modules', 'x', 'index.js'), 'utf8')).toBe('installed\n');
  const retry = await w.prepare(id('first'), 2, []);
  expect(retry.ok && retry.value.reusedFrom).toBeUndefined();
  expect(git(repo, 'rev-parse', w.branchOf(id('first')))).toBe(base);
});

/** Every file below `dir` but git's, relative, sorted. */
function filesIn(dir: string, rel = ''): string[] {
  return readdirSync(path.join(dir, rel), { withFileTypes: true })
    .filter((e) => !(rel === '' && e.name === '.git'))
    .flatMap((e) => (e.isDirectory() ? filesIn(dir, path.join(rel, e.name)) : [path.join(rel, e.name)]))
    .sort();
}

it('warms a pool at the base for the first attempts: one worktree each, never two attempts in one; a reused one holds exactly its start', async () => {
  const repo = tempRepo({ 'README.md': '# test\n', '.gitignore': 'build/\n', 'a.txt': 'a\n', 'lib/b.txt': 'b\n' });
  const base = git(repo, 'rev-parse', 'HEAD');
  const w = new Worktrees(repo, RUN, base, path.join(tempDir(), 'worktrees'));
  w.warm(2);
  // Asked again (a resumed session, say): the pool is not made twice.
  w.warm(2);

  const [one, two, three] = await Promise.all([w.prepare(id('one'), 1, []), w.prepare(id('two'), 1, []), w.prepare(id('three'), 1, [])]);
  if (!one.ok || !two.ok || !three.ok) throw new Error('prepare failed');
  const pooled = [one.value.reusedFrom, two.value.reusedFrom, three.value.reusedFrom].filter((p) => p !== undefined);
  // Two attempts took the pool's two worktrees, one each; the third made its own.
  expect(new Set(pooled)).toEqual(new Set([path.join(w.dir, '_parked-1'), path.join(w.dir, '_parked-2')]));
  expect(readdirSync(w.dir).sort()).toEqual(['one', 'three', 'two']);
  for (const [name, p] of [
    ['one', one],
    ['two', two],
    ['three', three],
  ] as const) {
    expect(git(p.value.path, 'branch', '--show-current')).toBe(w.branchOf(id(name)));
    expect(p.value.baseCommit).toBe(base);
    expect(git(p.value.path, 'status', '--porcelain', '--ignored')).toBe('');
    expect(filesIn(p.value.path)).toEqual(['.gitignore', 'README.md', 'a.txt', 'lib/b.txt']);
  }

  // Each leaves a result, a file it did not commit and an ignored one; then its worktree is parked.
  const results: { taskId: TaskId; commit: string }[] = [];
  for (const [name, p] of [
    ['one', one],
    ['two', two],
    ['three', three],
  ] as const) {
    writeFileSync(path.join(p.value.path, `${name}.txt`), `${name}\n`);
    if (name === 'one') writeFileSync(path.join(p.value.path, 'a.txt'), 'a by one\n');
    results.push({ taskId: id(name), commit: await w.commitResult(p.value.path, name) });
    writeFileSync(path.join(p.value.path, `stray-${name}.txt`), 'left after the commit\n');
    mkdirSync(path.join(p.value.path, 'build'));
    writeFileSync(path.join(p.value.path, 'build', `${name}.js`), 'built\n');
    expect(await w.park(p.value.path, [])).toBeDefined();
  }

  // A task on the results of one and two, in whichever parked worktree it gets (three's, last parked):
  // the base with both results merged, nothing of three's, nothing untracked or ignored left.
  const next = await w.prepare(id('next'), 1, results.slice(0, 2));
  if (!next.ok) throw new Error('prepare failed');
  expect(next.value.reusedFrom).toBeDefined();
  const tree = next.value.path;
  expect(filesIn(tree)).toEqual(['.gitignore', 'README.md', 'a.txt', 'lib/b.txt', 'one.txt', 'two.txt']);
  expect(readFileSync(path.join(tree, 'a.txt'), 'utf8')).toBe('a by one\n');
  expect(git(tree, 'status', '--porcelain', '--ignored')).toBe('');
  expect(git(tree, 'rev-parse', 'HEAD^1', 'HEAD^2').split('\n')).toEqual([results[0]?.commit, results[1]?.commit]);
  // Its diff is measured against its own start, not against the worktree's last task.
  expect(next.value.baseCommit).toBe(git(tree, 'rev-parse', 'HEAD'));
  writeFileSync(path.join(tree, 'next.txt'), 'next\n');
  const nextResult = await w.commitResult(tree, 'next');
  expect((await w.diff(next.value.baseCommit, nextResult)).stat).toMatchObject({ files: 1, insertions: 1, deletions: 0 });
});

it('ends the pool with the run: worktrees still being made are waited for, then removed with the others', async () => {
  const repo = tempRepo({ 'README.md': '# test\n', 'a.txt': 'a\n' });
  const base = git(repo, 'rev-parse', 'HEAD');
  const dir = path.join(tempDir(), 'worktrees');
  const w = new Worktrees(repo, RUN, base, dir);
  w.warm(3);
  await w.removeAll();
  expect(existsSync(dir)).toBe(false);
  expect(git(repo, 'worktree', 'list', '--porcelain').match(/^worktree /gm)).toHaveLength(1);
  // None is made after the end, and an attempt then makes its own.
  w.warm(1);
  const late = await w.prepare(id('late'), 1, []);
  expect(late.ok && late.value.reusedFrom).toBeUndefined();
  await w.removeAll();
});

it('takes the worktrees an ended session left into the pool once their work is kept: reset, cleaned, never the checkout around a half-made one', async () => {
  const repo = tempRepo({ 'README.md': '# test\n', '.gitignore': 'build/\n.runs/\n', 'a.txt': 'a\n' });
  const base = git(repo, 'rev-parse', 'HEAD');
  const dir = path.join(tempDir(), 'worktrees');
  const ended = new Worktrees(repo, RUN, base, dir);
  const left = await ended.prepare(id('one'), 1, []);
  if (!left.ok) throw new Error('prepare failed');
  writeFileSync(path.join(left.value.path, 'a.txt'), 'half done\n');
  writeFileSync(path.join(left.value.path, 'new.txt'), 'new\n');
  mkdirSync(path.join(left.value.path, 'build'));
  writeFileSync(path.join(left.value.path, 'build', 'x.js'), 'built\n');
  // A worktree of the pool the ended session was still making: its folder, no git file yet.
  mkdirSync(path.join(dir, '_parked-1'));
  writeFileSync(path.join(dir, '_parked-1', 'a.txt'), 'partial\n');

  // The next session: the interrupted attempt's work is kept on its ref (as resume does), then the folders are taken.
  const next = new Worktrees(repo, RUN, base, dir);
  const kept = await next.commitResult(left.value.path, 'one (interrupted)');
  git(repo, 'branch', 'interrupted-one', kept);
  await next.adopt(left.value.path);
  await next.adopt(path.join(dir, '_parked-1'));
  // The half-made one is gone, the other moved into the pool under a free name.
  expect(readdirSync(dir)).toEqual(['_parked-2']);

  const again = await next.prepare(id('one'), 2, []);
  if (!again.ok) throw new Error('prepare failed');
  expect(again.value.reusedFrom).toBe(path.join(dir, '_parked-2'));
  expect(filesIn(again.value.path)).toEqual(['.gitignore', 'README.md', 'a.txt']);
  expect(readFileSync(path.join(again.value.path, 'a.txt'), 'utf8')).toBe('a\n');
  expect(git(again.value.path, 'status', '--porcelain', '--ignored')).toBe('');
  expect(git(repo, 'show', 'interrupted-one:a.txt')).toBe('half done');
  expect(git(repo, 'show', 'interrupted-one:new.txt')).toBe('new');

  // Worktrees inside the repository (runs made before they moved out): a folder without its git
  // file is removed, and the user's checkout around it is never reset.
  const inside = new Worktrees(repo, RUN, base, path.join(repo, '.runs', 'r', 'worktrees'));
  const stray = path.join(inside.dir, 'two');
  mkdirSync(stray, { recursive: true });
  writeFileSync(path.join(stray, 'x.txt'), 'x\n');
  writeFileSync(path.join(repo, 'a.txt'), 'the user is editing\n');
  await inside.adopt(stray);
  expect(existsSync(stray)).toBe(false);
  expect(readFileSync(path.join(repo, 'a.txt'), 'utf8')).toBe('the user is editing\n');
  expect(git(repo, 'status', '--porcelain')).toBe('M a.txt');
});
