import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { RunId, TaskId } from '../core/ids.js';
import { err, ok, type Result } from '../core/result.js';
import { git, GitError, parseNumstat, runGit, runGitChecked, type DiffStat } from './git.js';

/**
 * One git worktree and branch per task. A task starts from the run's base commit merged with its
 * dependencies' results, so parallel builders never touch each other's files and a tester sees
 * what it tests. The user's own checkout is never touched: we only add worktrees and refs.
 */

/** A dependency's finished work, as a commit on its task branch. */
export interface DepResult {
  readonly taskId: TaskId;
  readonly commit: string;
}

export interface PreparedWorktree {
  readonly path: string;
  readonly branch: string;
  /** What the task's diff is measured against. */
  readonly baseCommit: string;
}

/** Two dependencies changed the same lines; the dependent task cannot start. */
export interface MergeConflict {
  readonly reason: 'merge-conflict';
  /** The dependency whose merge failed, and the ones merged before it that touched the same files. */
  readonly tasks: readonly TaskId[];
  readonly files: readonly string[];
  readonly message: string;
}

export interface IntegrationResult {
  readonly branch: string;
  readonly commit: string;
  readonly merged: readonly TaskId[];
  readonly skipped: readonly { readonly taskId: TaskId; readonly reason: string }[];
}

export class Worktrees {
  constructor(
    readonly repoRoot: string,
    readonly runId: RunId,
    readonly baseCommit: string,
    /** Where this run's worktrees live (inside the run folder). */
    readonly dir: string,
  ) {}

  /**
   * Adds a worktree: git's bookkeeping (`worktree add --no-checkout`) one at a time, the checkout
   * in parallel. Eight `worktree add`s at once took ~150 ms each on 2 cores (and race on
   * `.git/worktrees/`); this way ~60 ms.
   */
  private async add(args: readonly string[], worktree: string): Promise<void> {
    await this.admin(() => worktreeAdmin(this.repoRoot, ['add', '--quiet', '--no-checkout', ...args]));
    await git(worktree, ['checkout', '--quiet', '--force', 'HEAD']);
  }

  /** git's worktree bookkeeping of this run, one command at a time. */
  private adminQueue: Promise<unknown> = Promise.resolve();

  private admin<T>(work: () => Promise<T>): Promise<T> {
    const next = this.adminQueue.then(work, work);
    this.adminQueue = next.catch(() => undefined);
    return next;
  }

  branchOf(taskId: TaskId): string {
    return `codex-orchestrator/tasks/${this.runId}/${taskId}`;
  }

  get integrationBranch(): string {
    return `codex-orchestrator/${this.runId}`;
  }

  /**
   * `<task-id>` for the first attempt, `<task-id>@<n>` for later ones: `@` is not an id
   * character, so no task's folder is ever another task's retry (`a.2` and `a`'s second attempt).
   */
  pathOf(taskId: TaskId, attempt: number): string {
    return path.join(this.dir, attempt > 1 ? `${taskId}@${attempt}` : taskId);
  }

  /** Creates the task's worktree on a fresh branch, merging its dependencies' results in order. */
  async prepare(taskId: TaskId, attempt: number, deps: readonly DepResult[]): Promise<Result<PreparedWorktree, MergeConflict>> {
    await mkdir(this.dir, { recursive: true });
    const worktree = this.pathOf(taskId, attempt);
    // A folder left by a session that ended abruptly (its task had not been recorded as started).
    if (existsSync(worktree)) await this.remove(worktree);
    const branch = this.branchOf(taskId);
    const [first, ...rest] = deps;
    const start = first?.commit ?? this.baseCommit;
    // -B: a retried attempt starts the branch again from its base.
    await this.add(['-B', branch, worktree, start], worktree);
    const merged: DepResult[] = first ? [first] : [];
    for (const dep of rest) {
      const result = await runGit(worktree, ['merge', '--no-ff', '--no-edit', '-m', `Merge results of task ${dep.taskId}`, dep.commit]);
      if (result.code !== 0) {
        const files = (await git(worktree, ['diff', '--name-only', '--diff-filter=U'])).split('\n').filter(Boolean);
        await runGit(worktree, ['merge', '--abort']);
        const culprits: TaskId[] = [];
        for (const earlier of merged) {
          const touched = (await git(this.repoRoot, ['diff', '--name-only', this.baseCommit, earlier.commit])).split('\n');
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
    const baseCommit = await git(worktree, ['rev-parse', 'HEAD']);
    return ok({ path: worktree, branch, baseCommit });
  }

  /**
   * A worktree for a follow-up on the task's thread: the folder of the attempt that started the
   * thread (Codex keeps working where the thread began), on the task branch at its last result.
   * The diff stays measured against the task's original base.
   */
  async prepareFrom(taskId: TaskId, attempt: number, commit: string, base: string): Promise<Result<PreparedWorktree, MergeConflict>> {
    await mkdir(this.dir, { recursive: true });
    const worktree = this.pathOf(taskId, attempt);
    if (existsSync(worktree)) await this.remove(worktree);
    const branch = this.branchOf(taskId);
    await this.add(['-B', branch, worktree, commit], worktree);
    return ok({ path: worktree, branch, baseCommit: base });
  }

  /** Commits everything the agent changed (respecting .gitignore); returns the result commit. */
  async commitResult(worktree: string, message: string): Promise<string> {
    await git(worktree, ['add', '--all']);
    const commit = await runGit(worktree, ['commit', '--quiet', '--no-verify', '-m', message]);
    if (commit.code !== 0 && !/nothing (added )?to commit|working tree clean/.test(commit.stdout)) {
      throw new GitError(['commit', '--quiet', '--no-verify', '-m', message], commit);
    }
    return git(worktree, ['rev-parse', 'HEAD']);
  }

  /** The patch from `base` to `result` and its counts, from one `git diff`. */
  async diff(base: string, result: string): Promise<{ patch: string; stat: DiffStat }> {
    const out = (await runGitChecked(this.repoRoot, ['diff', '--numstat', '--binary', '--patch', base, result])).stdout;
    // --numstat lines come first, then the patch.
    const marker = out.startsWith('diff --git ') ? 0 : out.indexOf('\ndiff --git ');
    const split = marker < 0 ? out.length : marker === 0 ? 0 : marker + 1;
    return { patch: out.slice(split), stat: parseNumstat(out.slice(0, split)) };
  }

  /** Removes a worktree (its branch keeps the committed result). */
  async remove(worktree: string): Promise<void> {
    try {
      await this.admin(() => worktreeAdmin(this.repoRoot, ['remove', '--force', worktree]));
    } catch {
      await rm(worktree, { recursive: true, force: true });
    }
  }

  async prune(): Promise<void> {
    await this.admin(() => worktreeAdmin(this.repoRoot, ['prune'])).catch(() => undefined);
  }

  /**
   * Builds `codex-orchestrator/<run-id>`: the base commit with every given result merged in the
   * given (graph) order. A result that conflicts is left out and reported, never forced.
   */
  async integrate(results: readonly DepResult[]): Promise<IntegrationResult> {
    const scratch = path.join(this.dir, '_integration');
    await this.add(['--detach', scratch, this.baseCommit], scratch);
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
      await git(this.repoRoot, ['branch', '--force', this.integrationBranch, commit]);
      return { branch: this.integrationBranch, commit, merged, skipped };
    } finally {
      await this.remove(scratch);
    }
  }
}

/**
 * `git worktree add/remove/prune` on one repository race when run in parallel: a command that
 * lists `.git/worktrees/` while another is half-written fails with "failed to read
 * .../commondir". This run's own commands are queued (`admin`); other processes (another run on
 * the same repository) may still race with them, so that one error is retried.
 */
async function worktreeAdmin(repoRoot: string, args: readonly string[], tries = 10): Promise<string> {
  for (let n = 1; ; n++) {
    const result = await runGit(repoRoot, ['worktree', ...args]);
    if (result.code === 0) return result.stdout.trim();
    if (n >= tries || !RACE.test(result.stderr)) throw new GitError(['worktree', ...args], result);
    await new Promise((r) => setTimeout(r, 5 + Math.random() * 20 * n));
  }
}

const RACE = /failed to read .*\/(commondir|gitdir)|could not lock|unable to create '[^']*\.lock'/;
