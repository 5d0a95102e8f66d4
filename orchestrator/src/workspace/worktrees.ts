import { existsSync } from 'node:fs';
import { mkdir, rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import type { RunId, TaskId } from '../core/ids.js';
import { ok, type Result } from '../core/result.js';
import { git, parseNumstat, runGit, runGitChecked, type DiffStat } from './git.js';
import { integrate, type IntegrationResult } from './integration.js';
import { KeptWorktrees } from './kept-worktrees.js';
import { FULL_ID, mergeResults, PARALLEL_CHECKOUT, retryingRaces } from './worktree-git.js';

export type { IntegrationResult } from './integration.js';

/**
 * One git worktree and branch per task. A task starts from the run's base commit merged with its
 * dependencies' results, so parallel builders never touch each other's files and a tester sees
 * what it tests. The user's own checkout is never touched: we only add worktrees and refs.
 * The git commands behind it (merging dependencies, retried races) are in `worktree-git.ts`; the
 * run's integration branch in `integration.ts`.
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
  /** The folder was there already, set up (a fix in the same session); else it is new. */
  readonly reused: boolean;
  /**
   * The parked worktree this one was made from (`park`): an earlier attempt's folder, moved here
   * and switched to this task's start; what its setup made is still in it (`keep`).
   */
  readonly reusedFrom?: string;
}

/** A worktree an attempt is done with, waiting for the next attempt of the run. */
interface Parked {
  readonly path: string;
  /** What its setup made (relative paths): kept when it is reused. */
  readonly keep: readonly string[];
}

/** Two dependencies changed the same lines; the dependent task cannot start. */
export interface MergeConflict {
  readonly reason: 'merge-conflict';
  /** The dependency whose merge failed, and the ones merged before it that touched the same files. */
  readonly tasks: readonly TaskId[];
  readonly files: readonly string[];
  readonly message: string;
}

export class Worktrees {
  constructor(
    readonly repoRoot: string,
    readonly runId: RunId,
    readonly baseCommit: string,
    /** Where this run's worktrees live (`worktree-root.ts`; inside the run folder in runs made before). */
    readonly dir: string,
    /**
     * How many free worktrees the run leaves for the next run of the repository
     * (`kept-worktrees.ts`); 0: none. Undefined: no kept worktree is taken or left (a run whose
     * worktrees are inside its run folder, from before they moved out of the repository).
     */
    readonly keep?: number,
  ) {
    this.kept = keep === undefined ? undefined : new KeptWorktrees(repoRoot, dir, (work) => this.admin(work));
  }

  /** Worktrees earlier runs of the repository left: taken before a new one is made. */
  private readonly kept: KeptWorktrees | undefined;

  /**
   * Adds a worktree at `start`: git's bookkeeping (`worktree add --no-checkout --detach`) one at a
   * time, then the checkout (and the branch, with `checkout -B`) in parallel. Eight `worktree
   * add -B`s at once took ~150 ms each on 2 cores (and race on `.git/worktrees/`). A detached
   * `add` runs one git process fewer than `add -B`, which keeps the part done one at a time short.
   */
  private async add(worktree: string, start: string, branch?: string): Promise<void> {
    await this.admin(() => retryingRaces(this.repoRoot, ['worktree', 'add', '--quiet', '--no-checkout', '--detach', worktree, start]));
    await retryingRaces(worktree, [...PARALLEL_CHECKOUT, 'checkout', '--quiet', '--force', ...(branch ? ['-B', branch] : []), start]);
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

  /** Worktrees attempts are done with: the next attempts take them instead of checking the repository out again. */
  private readonly parked: Parked[] = [];
  private parkedCount = 0;
  /** Worktrees being made for the first attempts (`warm`), oldest first; undefined: making it failed. */
  private readonly warming: Promise<Parked | undefined>[] = [];
  /** Set by `removeAll`: no worktree is made for the pool any more. */
  private closed = false;

  /**
   * Starts making worktrees at the run's base, up to `count` in the pool (parked and being made),
   * for the first attempts to take (`prepare`): made from the run's start, while Codex starts and
   * the manifest is written, so a first attempt waits only for what is left of its checkout.
   *
   * One after another, each with parallel checkout: the first is ready after a fraction of the
   * time all of them take together, and an attempt takes the oldest.
   */
  warm(count: number): void {
    for (let n = this.parked.length + this.warming.length; n < count; n++) {
      const previous = this.warming.at(-1) ?? Promise.resolve(undefined);
      this.warming.push(previous.then(() => this.makePooled()));
    }
  }

  private async makePooled(): Promise<Parked | undefined> {
    if (this.closed) return undefined;
    let to: string | undefined;
    try {
      await mkdir(this.dir, { recursive: true });
      // A kept one is switched to its attempt's start when taken (`unpark`).
      const taken = await this.kept?.take(() => this.nextParked());
      if (taken !== undefined) return { path: taken, keep: [] };
      to = this.nextParked();
      await this.add(to, this.baseCommit);
      return { path: to, keep: [] };
    } catch {
      if (to !== undefined) await this.remove(to);
      return undefined;
    }
  }

  /** A free `_parked-<n>` folder (an earlier session's may be there, taken in by `adopt`). */
  private nextParked(): string {
    for (;;) {
      const to = path.join(this.dir, `_parked-${++this.parkedCount}`);
      if (!existsSync(to)) return to;
    }
  }

  /**
   * Takes a worktree an earlier session of the run left into the pool (`resume`, after the
   * interrupted attempt's work was kept on its ref): reset to its commit, off any branch, every
   * other file removed, setup's outputs too (which task set it up is not known any more). Removed
   * instead when it is not a whole worktree of its own (killed while being made: git then finds
   * the folder's parent, which must never be reset).
   */
  async adopt(worktree: string): Promise<void> {
    try {
      // One taken from the kept ones when the session ended may still be recorded (and locked) there.
      await this.kept?.settle(worktree);
      const top = await git(worktree, ['rev-parse', '--show-toplevel']);
      if (path.resolve(top) !== path.resolve(worktree)) throw new Error('not a worktree of its own');
      await git(worktree, [...PARALLEL_CHECKOUT, 'reset', '--quiet', '--hard']);
      await git(worktree, ['checkout', '--quiet', '--detach']);
      await git(worktree, ['clean', '-ffdxq']);
      let at = worktree;
      if (!/^_parked-\d+$/.test(path.basename(worktree))) {
        at = this.nextParked();
        await this.admin(() => retryingRaces(this.repoRoot, ['worktree', 'move', worktree, at]));
      }
      this.parked.push({ path: at, keep: [] });
    } catch {
      await this.remove(worktree);
    }
  }

  /**
   * The next worktree of the pool: a parked one, else the oldest being made (waited for), else one
   * an earlier run kept; undefined when there is none.
   */
  private async takePooled(): Promise<Parked | undefined> {
    for (;;) {
      const parked = this.parked.pop();
      if (parked) return parked;
      const making = this.warming.shift();
      if (!making) break;
      const made = await making;
      if (made) return made;
    }
    if (this.closed) return undefined;
    const taken = await this.kept?.take(() => this.nextParked());
    return taken === undefined ? undefined : { path: taken, keep: [] };
  }

  /**
   * Parks a worktree its attempt is done with (its work committed): moved to `_parked-<n>`, for
   * the next attempt to take (`prepare`, `prepareFrom`). Switching a worktree to another commit
   * rewrites only the files that differ, where a new one writes the whole repository. Returns
   * the parked folder; a worktree that cannot be moved is removed instead (undefined).
   */
  async park(worktree: string, keep: readonly string[]): Promise<string | undefined> {
    const to = this.nextParked();
    try {
      // Off the task's branch: another worktree may check it out (a retry of the task) meanwhile.
      // HEAD set to its commit directly: `checkout --detach` would look at every file (~80 ms at 20,000).
      await git(worktree, ['update-ref', '--no-deref', 'HEAD', await git(worktree, ['rev-parse', 'HEAD'])]);
      await this.admin(() => retryingRaces(this.repoRoot, ['worktree', 'move', worktree, to]));
    } catch {
      await this.remove(worktree);
      return undefined;
    }
    this.parked.push({ path: to, keep });
    return to;
  }

  /**
   * A parked worktree moved to `worktree` and switched to `start` on `branch`: everything the
   * last attempt left that is not in `start` removed (its files, untracked and ignored ones),
   * except what its setup made. Undefined when none is parked (or moving one failed).
   */
  private async unpark(worktree: string, start: string, branch: string): Promise<Parked | undefined> {
    for (let p = await this.takePooled(); p !== undefined; p = await this.takePooled()) {
      const taken = p;
      try {
        await this.admin(() => retryingRaces(this.repoRoot, ['worktree', 'move', taken.path, worktree]));
        await retryingRaces(worktree, [...PARALLEL_CHECKOUT, 'checkout', '--quiet', '--force', '-B', branch, start]);
        await git(worktree, ['clean', '-ffdxq', ...taken.keep.flatMap((k) => ['-e', `/${k}`])]);
        return taken;
      } catch {
        await this.remove(existsSync(worktree) ? worktree : taken.path);
      }
    }
    return undefined;
  }

  /**
   * Creates the task's worktree on a fresh branch, merging its dependencies' results in order:
   * a parked worktree switched to the task's start when there is one, else a new one.
   */
  async prepare(taskId: TaskId, attempt: number, deps: readonly DepResult[]): Promise<Result<PreparedWorktree, MergeConflict>> {
    await mkdir(this.dir, { recursive: true });
    const worktree = this.pathOf(taskId, attempt);
    // A folder left by a session that ended abruptly (its task had not been recorded as started).
    if (existsSync(worktree)) await this.remove(worktree);
    const branch = this.branchOf(taskId);
    const start = deps[0]?.commit ?? this.baseCommit;
    // -B: a retried attempt starts the branch again from its base.
    const unparked = await this.unpark(worktree, start, branch);
    if (!unparked) await this.add(worktree, start, branch);
    const from = unparked ? { reusedFrom: unparked.path } : {};
    const merged = await mergeResults(worktree, this.repoRoot, this.baseCommit, deps);
    if (!merged.ok) return merged;
    // Without merges the worktree starts at `start` itself: no need to ask git.
    const baseCommit = merged.value.length <= 1 && FULL_ID.test(start) ? start : await git(worktree, ['rev-parse', 'HEAD']);
    return ok({ path: worktree, branch, baseCommit, reused: false, ...from });
  }

  /**
   * A worktree for a follow-up on the task's thread: the folder of the attempt that started the
   * thread (Codex keeps working where the thread began), on the task branch at its last result.
   * When that folder is still there (a fix follows its attempt in the same session), it is moved
   * to the result and kept, with what its setup installed (`reused`); otherwise made anew. The
   * diff stays measured against the task's original base.
   */
  async prepareFrom(taskId: TaskId, attempt: number, commit: string, base: string, keep: readonly string[] = []): Promise<Result<PreparedWorktree, MergeConflict>> {
    await mkdir(this.dir, { recursive: true });
    const worktree = this.pathOf(taskId, attempt);
    const branch = this.branchOf(taskId);
    if (existsSync(worktree)) {
      const moved = await runGit(worktree, ['checkout', '--quiet', '--force', '-B', branch, commit]);
      if (moved.code === 0) {
        // What the agent left untracked after its commit (nothing, normally); setup's outputs stay.
        await git(worktree, ['clean', '-fdq', ...keep.flatMap((k) => ['-e', `/${k}`])]);
        return ok({ path: worktree, branch, baseCommit: base, reused: true });
      }
      await this.remove(worktree);
    }
    const unparked = await this.unpark(worktree, commit, branch);
    if (!unparked) await this.add(worktree, commit, branch);
    return ok({ path: worktree, branch, baseCommit: base, reused: false, ...(unparked ? { reusedFrom: unparked.path } : {}) });
  }

  /**
   * Commits everything the agent changed (respecting .gitignore), except `exclude` (what setup
   * made: paths relative to the worktree); returns the result commit.
   */
  async commitResult(worktree: string, message: string, exclude: readonly string[] = []): Promise<string> {
    // git refuses a pathspec naming an ignored path, even to exclude it: those stay out anyway.
    const ignored = exclude.length === 0 ? [] : (await runGit(worktree, ['check-ignore', '--', ...exclude])).stdout.split('\n');
    const excluded = exclude.filter((p) => !ignored.includes(p));
    await git(worktree, ['add', '--all', '--', '.', ...excluded.map((p) => `:(exclude,literal)${p}`)]);
    // The index as a commit, with plumbing: `git commit` would look at every file of the worktree
    // again (~90 ms at 20,000 files), after `add` just did.
    const tree = await git(worktree, ['write-tree']);
    const [head = '', headTree] = (await git(worktree, ['rev-parse', 'HEAD', 'HEAD^{tree}'])).split('\n');
    // Nothing changed: the result is the commit the worktree is at.
    if (tree === headTree) return head;
    const commit = await git(worktree, ['commit-tree', tree, '-p', head, '-m', message]);
    // HEAD names the task's branch: the branch moves, from `head` only.
    await git(worktree, ['update-ref', '-m', `commit: ${message}`, 'HEAD', commit, head]);
    return commit;
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
      // Twice: also when locked (one an ended session took from the kept ones and had not unlocked).
      await this.admin(() => retryingRaces(this.repoRoot, ['worktree', 'remove', '--force', '--force', worktree]));
    } catch {
      await rm(worktree, { recursive: true, force: true });
    }
  }

  /**
   * Leaves the run's free worktrees for the next run (up to `keep`, `kept-worktrees.ts`), then
   * removes the run's worktrees folder (and git's records of them), and the repository's folder
   * above it once nothing is left in it.
   */
  async removeAll(): Promise<void> {
    // A checkout still being made for the pool would write into the folder as it goes.
    this.closed = true;
    const made = (await Promise.all(this.warming.splice(0))).filter((w) => w !== undefined);
    const free = [...this.parked.splice(0), ...made].map((p) => p.path);
    if (this.kept && this.keep !== undefined) {
      const spare = (n: number): string => path.join(this.dir, `_expired-${n}`);
      await this.kept.put(free, this.keep, (w) => this.remove(w), spare).catch(() => undefined);
    }
    await rm(this.dir, { recursive: true, force: true });
    await rmdir(path.dirname(this.dir)).catch(() => undefined);
    // git's records of the worktrees just removed (the parked ones too).
    await this.prune();
  }

  async prune(): Promise<void> {
    await this.admin(() => retryingRaces(this.repoRoot, ['worktree', 'prune'])).catch(() => undefined);
  }

  /**
   * Builds `codex-orchestrator/<run-id>`: the base commit with every given result merged in the
   * given (graph) order; a result that conflicts is left out and reported (`integration.ts`).
   */
  integrate(results: readonly DepResult[]): Promise<IntegrationResult> {
    const at = { repoRoot: this.repoRoot, baseCommit: this.baseCommit, branch: this.integrationBranch, scratch: path.join(this.dir, '_integration') };
    return integrate(at, results, { add: (worktree, start) => this.add(worktree, start), remove: (worktree) => this.remove(worktree) });
  }
}
