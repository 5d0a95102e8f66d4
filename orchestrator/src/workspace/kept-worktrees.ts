import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, realpath, rename, rm, rmdir, stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import { git, runGit } from './git.js';
import { retryingRaces } from './worktree-git.js';

/**
 * Worktrees kept between runs of one repository, so the next run's first attempts switch a
 * worktree to their start (rewriting what differs) instead of checking the whole repository out:
 * on a repository of 5,000 files (80 MB) a new worktree took 2-5 s, a switch well under 1 s.
 *
 * They live beside the runs' folders, in `<root>/<repository>-<hash>/_kept/<name>`, detached, with
 * every untracked and ignored file removed, and locked in git (`git worktree lock`, with a reason
 * `git worktree list --verbose` shows), so no `git worktree prune` drops one while it is being
 * moved. A run takes one by renaming its folder into its own (atomic: two runs never take the same
 * one), then tells git where it went (`worktree repair`) and unlocks it. A run that ends puts its
 * free worktrees back, up to `keep` on the shelf; one that finds more there (`keep` lowered, or 0)
 * removes the oldest, and any not used for `MAX_AGE_MS`.
 */

export const KEPT_DIR = '_kept';

/** A kept worktree unused this long is removed by the next run that ends. */
export const MAX_AGE_MS = 14 * 24 * 3600 * 1000;

const LOCK_REASON = 'kept by codex-orchestrator for the next run (removed after 14 days unused; settings.keptWorktrees: 0 keeps none)';

/** How one repository's worktree commands are run: one at a time in this process (`Worktrees.admin`). */
export type Admin = <T>(work: () => Promise<T>) => Promise<T>;

export class KeptWorktrees {
  /** The shelf of the repository whose run worktrees are in `runDir`. */
  constructor(
    readonly repoRoot: string,
    runDir: string,
    private readonly admin: Admin,
  ) {
    this.dir = path.join(path.dirname(runDir), KEPT_DIR);
  }

  readonly dir: string;

  /** The shelf's entries, newest first (their names start with the time they were put there). */
  private async entries(): Promise<string[]> {
    const names = existsSync(this.dir) ? await readdir(this.dir).catch(() => []) : [];
    return names
      .filter((n) => !n.startsWith('.'))
      .sort()
      .reverse();
  }

  /**
   * Takes a kept worktree (the newest) and moves it to `to()` (named only when there is one);
   * undefined when none is left. One found broken (its git record gone) is removed and the next
   * taken.
   */
  async take(to: () => string): Promise<string | undefined> {
    let into: string | undefined;
    for (const name of await this.entries()) {
      into ??= to();
      if ((await this.claim(name, into)) === 'taken') return into;
    }
    return undefined;
  }

  /**
   * Moves the entry `name` to `to` (the rename is the claim: atomic, so one run alone gets it),
   * tells git where it went and unlocks it. 'gone': another run took it first; 'broken': it was
   * not a whole worktree any more, and is removed.
   */
  private async claim(name: string, to: string): Promise<'taken' | 'gone' | 'broken'> {
    const from = path.join(this.dir, name);
    try {
      await rename(from, to);
    } catch {
      return 'gone';
    }
    try {
      await this.settle(to);
      const top = await git(to, ['rev-parse', '--show-toplevel']);
      if (path.resolve(top) !== path.resolve(to)) throw new Error('not a worktree of its own');
      return 'taken';
    } catch {
      await rm(to, { recursive: true, force: true });
      // Its record may still name the shelf, locked: unlocked, `worktree prune` drops it.
      await this.admin(() => runGit(this.repoRoot, ['worktree', 'unlock', from]));
      return 'broken';
    }
  }

  /**
   * Tells git a kept worktree moved to `worktree` is there now, and unlocks it; throws when it
   * cannot. What git answers is not the test but what its records then say: `worktree repair`
   * looks at every worktree of the repository and fails for another run's (one being made or
   * moved at that moment), `unlock` fails for one never locked, and either can meet another run's
   * half-written record (retried, as `retryingRaces` does).
   */
  async settle(worktree: string): Promise<void> {
    const record = await this.untilDone(
      () => runGit(this.repoRoot, ['worktree', 'repair', worktree]),
      () => recordOf(worktree),
    );
    if (record === undefined) throw new Error(`${worktree}: git's record of it does not name it`);
    const unlocked = await this.untilDone(
      () => runGit(this.repoRoot, ['worktree', 'unlock', worktree]),
      async () => (existsSync(path.join(record, 'locked')) ? undefined : true),
    );
    if (unlocked === undefined) throw new Error(`${worktree}: still locked`);
  }

  /** Runs `command` (one at a time with this run's others) until `done` answers, at most 10 times. */
  private async untilDone<T>(command: () => Promise<unknown>, done: () => Promise<T | undefined>): Promise<T | undefined> {
    for (let n = 1; ; n++) {
      await this.admin(command);
      const answer = await done();
      if (answer !== undefined || n >= 10) return answer;
      await new Promise((r) => setTimeout(r, 5 + Math.random() * 20 * n));
    }
  }

  /**
   * Puts worktrees a run is done with on the shelf, cleaned, up to `keep` there in all; the rest
   * (and the oldest of the shelf beyond `keep`, and every one unused for `MAX_AGE_MS`) is removed
   * with `remove`. `spare` is a folder of the run's own to move doomed entries into first, so no
   * other run can take one while it is being removed.
   */
  async put(worktrees: readonly string[], keep: number, remove: (worktree: string) => Promise<void>, spare: (n: number) => string, now = Date.now()): Promise<void> {
    const existing = await this.entries();
    const fresh: string[] = [];
    const doomed: string[] = [];
    for (const name of existing) {
      const since = await unusedFor(path.join(this.dir, name), now);
      if (since === undefined) continue;
      (since > MAX_AGE_MS || fresh.length >= keep ? doomed : fresh).push(name);
    }
    let n = 0;
    for (const name of doomed) {
      const to = spare(++n);
      await mkdir(path.dirname(to), { recursive: true });
      if ((await this.claim(name, to)) === 'taken') await remove(to);
    }
    const room = Math.max(0, keep - fresh.length);
    const shelved = worktrees.slice(0, room);
    await Promise.all([...worktrees.slice(room).map(remove), ...shelved.map((w, i) => this.shelve(w, `${now.toString().padStart(15, '0')}-${process.pid}-${i}`, remove, now))]);
    await this.sweepOthers((k) => spare(n + k), now);
  }

  /**
   * Removes the kept worktrees of other repositories below the same root that were unused for
   * `MAX_AGE_MS` (a repository deleted, or not run any more), so the cache does not grow for ever.
   * Each is claimed like one to take, pointed at where it went and unlocked in its repository's
   * records (its next `worktree prune` then drops them; nothing when the repository is gone).
   */
  private async sweepOthers(spare: (n: number) => string, now: number): Promise<void> {
    const root = path.dirname(path.dirname(this.dir));
    let n = 0;
    for (const repo of await readdir(root).catch(() => [])) {
      const shelf = path.join(root, repo, KEPT_DIR);
      if (shelf === this.dir) continue;
      for (const name of await readdir(shelf).catch(() => [])) {
        const age = (await unusedFor(path.join(shelf, name), now)) ?? 0;
        // Only what is a worktree (its `.git` a file, the link to its repository): nothing else of a root the user named.
        const link = await stat(path.join(shelf, name, '.git')).then(
          (s) => s.isFile(),
          () => false,
        );
        if (age <= MAX_AGE_MS || !link) continue;
        const to = spare(++n);
        await mkdir(path.dirname(to), { recursive: true });
        if (
          !(await rename(path.join(shelf, name), to).then(
            () => true,
            () => false,
          ))
        )
          continue;
        // Through its own link (found a moment ago): git looks for no repository above the folder.
        if (existsSync(path.join(to, '.git'))) {
          await runGit(to, ['worktree', 'repair']);
          await runGit(to, ['worktree', 'unlock', to]);
        }
        await rm(to, { recursive: true, force: true });
      }
      await rmdir(shelf).catch(() => undefined);
      await rmdir(path.join(root, repo)).catch(() => undefined);
    }
  }

  private async shelve(worktree: string, name: string, remove: (worktree: string) => Promise<void>, now: number): Promise<void> {
    const to = path.join(this.dir, name);
    try {
      await mkdir(this.dir, { recursive: true });
      // Setup's outputs too: the next run's setup may differ, and they may weigh more than the checkout.
      await git(worktree, ['clean', '-ffdxq']);
      await this.admin(async () => {
        await retryingRaces(this.repoRoot, ['worktree', 'move', worktree, to]);
        await retryingRaces(this.repoRoot, ['worktree', 'lock', '--reason', LOCK_REASON, to]);
      });
      await utimes(to, now / 1000, now / 1000);
    } catch {
      await remove(existsSync(to) ? to : worktree);
    }
  }
}

/**
 * The folder of git's record of `worktree` (`.git/worktrees/<name>`), when the two name each
 * other: the worktree's `.git` file points at the record, and the record's `gitdir` at that file.
 */
async function recordOf(worktree: string): Promise<string | undefined> {
  const link = path.join(worktree, '.git');
  const pointer = /^gitdir: (.+)$/m.exec(await readFile(link, 'utf8').catch(() => ''))?.[1];
  if (pointer === undefined) return undefined;
  const record = path.resolve(worktree, pointer.trim());
  const back = (await readFile(path.join(record, 'gitdir'), 'utf8').catch(() => '')).trim();
  return back !== '' && (await samePath(path.resolve(record, back), link)) ? record : undefined;
}

async function samePath(a: string, b: string): Promise<boolean> {
  if (path.resolve(a) === path.resolve(b)) return true;
  const [ra, rb] = await Promise.all([realpath(a).catch(() => a), realpath(b).catch(() => b)]);
  return ra === rb;
}

/** How long ago a kept worktree was put on the shelf (its folder's time, set then); undefined when it is gone. */
function unusedFor(entry: string, now: number): Promise<number | undefined> {
  return stat(entry).then(
    (s) => now - s.mtimeMs,
    () => undefined,
  );
}
