import type { TaskId } from '../core/ids.js';
import { git, GitError, runGit } from './git.js';
import type { DepResult } from './worktrees.js';

/** The integration branch of a run: every succeeded task's result merged, in graph order. */

export interface IntegrationResult {
  readonly branch: string;
  readonly commit: string;
  readonly merged: readonly TaskId[];
  readonly skipped: readonly { readonly taskId: TaskId; readonly reason: string }[];
}

/** Where the integration is made: the repository, the run's base, the branch, and a scratch folder for an old git. */
export interface IntegrationPlace {
  readonly repoRoot: string;
  readonly baseCommit: string;
  readonly branch: string;
  readonly scratch: string;
}

/** Making and removing the scratch worktree (the run's own worktree commands, queued with the others). */
export interface ScratchWorktrees {
  add(worktree: string, start: string): Promise<void>;
  remove(worktree: string): Promise<void>;
}

/**
 * Builds `codex-orchestrator/<run-id>`: the base commit with every given result merged in the
 * given (graph) order. A result that conflicts is left out and reported, never forced.
 *
 * Merged in git's object store alone (`merge-tree --write-tree`, then `commit-tree`): no
 * checkout of the repository, whose cost grows with its size, not with what the tasks changed.
 * A git without `--write-tree` (before 2.38) merges in a scratch worktree instead.
 */
export async function integrate(at: IntegrationPlace, results: readonly DepResult[], scratch: ScratchWorktrees): Promise<IntegrationResult> {
  const inStore = await integrateInStore(at, results);
  if (inStore) {
    await git(at.repoRoot, ['branch', '--force', at.branch, inStore.commit]);
    return inStore;
  }
  return integrateInWorktree(at, results, scratch);
}

/** The integration made with `merge-tree`, or undefined when this git cannot. */
async function integrateInStore(at: IntegrationPlace, results: readonly DepResult[]): Promise<IntegrationResult | undefined> {
  let head = at.baseCommit;
  const merged: TaskId[] = [];
  const skipped: { taskId: TaskId; reason: string }[] = [];
  const ancestry = await Ancestry.load(
    at.repoRoot,
    at.baseCommit,
    results.map((r) => r.commit),
  );
  for (const r of results) {
    if (await ancestry.contains(head, r.commit)) {
      merged.push(r.taskId);
      continue;
    }
    // As `git merge` does: a result that holds everything merged so far is fast-forwarded to.
    if (await ancestry.contains(r.commit, head)) {
      head = r.commit;
      merged.push(r.taskId);
      continue;
    }
    const m = await runGit(at.repoRoot, ['merge-tree', '--write-tree', '--name-only', '--no-messages', head, r.commit]);
    const lines = m.stdout.split('\n').filter(Boolean);
    if (m.code === 0 && lines[0]) {
      const parents = [head, r.commit];
      head = await git(at.repoRoot, ['commit-tree', lines[0], '-p', head, '-p', r.commit, '-m', `Merge results of task ${r.taskId}`]);
      ancestry.add(head, parents);
      merged.push(r.taskId);
    } else if (m.code === 1 && lines[0]) {
      skipped.push({ taskId: r.taskId, reason: `conflicts with earlier results in ${[...new Set(lines.slice(1))].join(', ')}` });
    } else if (merged.length === 0 && skipped.length === 0) {
      return undefined;
    } else {
      throw new GitError(['merge-tree', '--write-tree', head, r.commit], m);
    }
  }
  return { branch: at.branch, commit: head, merged, skipped };
}

/**
 * Which commits hold which: the commits above the run's base that the results are made of, with
 * their parents, read with one `git rev-list` instead of a `merge-base` per result. A commit that
 * is not above the base (none of the run's results, normally) is asked of git.
 */
class Ancestry {
  private readonly parents = new Map<string, readonly string[]>();

  private constructor(
    private readonly repoRoot: string,
    private readonly base: string,
  ) {}

  static async load(repoRoot: string, base: string, commits: readonly string[]): Promise<Ancestry> {
    const a = new Ancestry(repoRoot, base);
    const tips = [...new Set(commits)].filter((c) => c !== base);
    if (tips.length === 0) return a;
    const listed = await git(repoRoot, ['rev-list', '--parents', ...tips, `^${base}`]);
    for (const line of listed.split('\n')) {
      const [commit, ...parents] = line.split(' ');
      if (commit) a.parents.set(commit, parents);
    }
    return a;
  }

  /** A commit made meanwhile (a merge), with its parents. */
  add(commit: string, parents: readonly string[]): void {
    this.parents.set(commit, parents);
  }

  /** Whether `ancestor` is `commit` or one of its ancestors (`merge-base --is-ancestor`). */
  async contains(commit: string, ancestor: string): Promise<boolean> {
    if (ancestor === commit || ancestor === this.base) return true;
    // A commit above the base is not one of the base's ancestors.
    if (commit === this.base && this.parents.has(ancestor)) return false;
    if (!this.parents.has(ancestor) || !this.parents.has(commit)) {
      return (await runGit(this.repoRoot, ['merge-base', '--is-ancestor', ancestor, commit])).code === 0;
    }
    const seen = new Set<string>();
    const queue = [commit];
    while (queue.length > 0) {
      const c = queue.pop() as string;
      if (c === ancestor) return true;
      if (seen.has(c)) continue;
      seen.add(c);
      for (const p of this.parents.get(c) ?? []) queue.push(p);
    }
    return false;
  }
}

async function integrateInWorktree(at: IntegrationPlace, results: readonly DepResult[], worktrees: ScratchWorktrees): Promise<IntegrationResult> {
  const scratch = at.scratch;
  await worktrees.add(scratch, at.baseCommit);
  const merged: TaskId[] = [];
  const skipped: { taskId: TaskId; reason: string }[] = [];
  try {
    for (const r of results) {
      const contained = await runGit(scratch, ['merge-base', '--is-ancestor', r.commit, 'HEAD']);
      if (contained.code === 0) {
        merged.push(r.taskId);
        continue;
      }
      const m = await runGit(scratch, ['merge', '--no-edit', '-m', `Merge results of task ${r.taskId}`, r.commit]);
      if (m.code === 0) {
        merged.push(r.taskId);
      } else {
        const files = (await git(scratch, ['diff', '--name-only', '--diff-filter=U'])).split('\n').filter(Boolean);
        await runGit(scratch, ['merge', '--abort']);
        skipped.push({ taskId: r.taskId, reason: `conflicts with earlier results in ${files.join(', ')}` });
      }
    }
    const commit = await git(scratch, ['rev-parse', 'HEAD']);
    await git(at.repoRoot, ['branch', '--force', at.branch, commit]);
    return { branch: at.branch, commit, merged, skipped };
  } finally {
    await worktrees.remove(scratch);
  }
}
