import type { TaskId } from '../core/ids.js';
import { err, ok, type Result } from '../core/result.js';
import { git, GitError, runGit } from './git.js';
import type { DepResult, MergeConflict } from './worktrees.js';

/** The git commands worktrees are made, switched and merged with. */

/**
 * Merges the dependencies' results after the first (the worktree's start) into `worktree`, in
 * order. A conflict is aborted and reported with the earlier results that touched the same files.
 */
export async function mergeResults(worktree: string, repoRoot: string, baseCommit: string, deps: readonly DepResult[]): Promise<Result<DepResult[], MergeConflict>> {
  const [first, ...rest] = deps;
  const merged: DepResult[] = first ? [first] : [];
  for (const dep of rest) {
    const result = await runGit(worktree, ['merge', '--no-ff', '--no-edit', '-m', `Merge results of task ${dep.taskId}`, dep.commit]);
    if (result.code !== 0) {
      const files = (await git(worktree, ['diff', '--name-only', '--diff-filter=U'])).split('\n').filter(Boolean);
      await runGit(worktree, ['merge', '--abort']);
      const culprits: TaskId[] = [];
      for (const earlier of merged) {
        const touched = (await git(repoRoot, ['diff', '--name-only', baseCommit, earlier.commit])).split('\n');
        if (files.some((f) => touched.includes(f))) culprits.push(earlier.taskId);
      }
      const others = culprits.length > 0 ? culprits : merged.map((m) => m.taskId);
      const tasks = [...others, dep.taskId];
      const names = tasks.map((t) => `"${t}"`).join(' and ');
      return err({
        reason: 'merge-conflict',
        tasks,
        files,
        message: `the results of tasks ${names} conflict in ${files.join(', ') || 'some files'}; both results are kept on their branches. Make one task depend on the other, or split the work so they edit different lines`,
      });
    }
    merged.push(dep);
  }
  return ok(merged);
}

/**
 * `git worktree add/remove/prune` on one repository race when run in parallel: a command that
 * lists `.git/worktrees/` while another is half-written fails with "failed to read
 * .../commondir" (so does `checkout -B`, which checks the branch is not checked out elsewhere).
 * This run's worktree commands are queued (`admin`); others (the checkouts, another run on the
 * same repository) may still race with them, so that one error is retried.
 */
export async function retryingRaces(cwd: string, args: readonly string[], tries = 10): Promise<string> {
  for (let n = 1; ; n++) {
    const result = await runGit(cwd, args);
    if (result.code === 0) return result.stdout.trim();
    if (n >= tries || !RACE.test(result.stderr)) throw new GitError(args, result);
    await new Promise((r) => setTimeout(r, 5 + Math.random() * 20 * n));
  }
}

/**
 * `git checkout` writing files with 8 worker processes (for 100 files or more; git 2.32 and later,
 * older ones ignore it). Measured on 2 shared cores, ext4, worktrees of 5,000 files (80 MB): one
 * alone 7.6-11 s without, 4.6 s with 4 workers; 4 at once 8-14 s without, 4.9-5.5 s with 2
 * workers, 2.6-4.3 s with 8 (1.8-3.0 s from a packed repository). Most of the time without is
 * the kernel's, not git's.
 */
export const PARALLEL_CHECKOUT = ['-c', 'checkout.workers=8'];

/** A whole object id (SHA-1 or SHA-256), as opposed to a ref name or an abbreviation. */
export const FULL_ID = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

const RACE = /failed to read .*\/(commondir|gitdir)|could not lock|unable to create '[^']*\.lock'/;
