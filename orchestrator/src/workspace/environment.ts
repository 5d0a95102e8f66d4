import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CheckResult, SetupRecord } from '../store/manifest.js';
import { git } from './git.js';
import { changedPaths, copyPath, isDependencyFile, selfReference } from './setup-files.js';

export { isDependencyFile } from './setup-files.js';

/**
 * A task worktree's environment: its `setup` commands (dependency installs) run once per
 * worktree before the agent starts, and what they installed is shared between the run's
 * worktrees whose dependency files are the same.
 *
 * - **Key.** What setup installs depends on its commands, the task's `cwd` and the dependency
 *   files of the worktree (lockfiles and manifests such as `package-lock.json`, `package.json`,
 *   `pnpm-lock.yaml`, `uv.lock`, `pyproject.toml`, `requirements*.txt`, `go.sum`, `Cargo.lock`,
 *   anywhere in the tree): their blob ids as git has them at the worktree's start. A builder that
 *   adds a dependency changes a lockfile, so its dependents' worktrees get a setup of their own.
 * - **Outputs.** What setup made is what git calls untracked or ignored afterwards (the worktree
 *   was clean before): `node_modules/`, `.venv/`, … They never become part of the task's commit.
 * - **Sharing.** The first worktree with a key runs the commands; others with the same key wait
 *   for it and get a copy of its outputs (`cp --reflink=auto`, or hard links with `link`), kept
 *   under `.setup-cache/<key>/` of the run's worktrees folder (made in a temporary folder and
 *   renamed into place, so a killed session never leaves a half copy that looks whole). Outputs
 *   that name their worktree's own path (a virtualenv's scripts, an editable install's `.pth`
 *   file, an absolute link into the worktree) would point the copy at the first worktree: those
 *   are not shared, and each worktree runs its setup.
 * - **Once per worktree.** A fix or follow-up that continues in the same worktree reuses it.
 *
 * What it reads and copies on disk (dependency files, git's view of the outputs, the self-reference
 * search, `cp`) is in `setup-files.ts`.
 */

/** Runs setup commands in the worktree's `cwd` (the engine's: output files, redaction, the log). */
export type SetupRunner = (commands: readonly string[], signal: AbortSignal) => Promise<CheckResult[]>;

export interface SetupRequest {
  readonly worktree: string;
  /** The task's `cwd` inside the worktree (absolute). */
  readonly cwd: string;
  readonly commands: readonly string[];
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
  readonly run: SetupRunner;
  /** Progress for the task's log. */
  readonly say: (line: string) => void;
}

export type SetupOutcome = { readonly ok: true; readonly record: SetupRecord } | { readonly ok: false; readonly record: SetupRecord; readonly message: string; readonly timedOut: boolean };

export type SetupCacheMode = 'copy' | 'link' | 'off';

/** The setup cache's folder in the run's worktrees folder. */
export const SETUP_CACHE = '.setup-cache';
const CACHE = SETUP_CACHE;

/** The setup cache's record of one key, beside its tree. */
interface CacheEntry {
  readonly outputs: readonly string[];
  /** Where the outputs were made (relative to the run's worktrees folder), for the log. */
  readonly from: string;
}

export class TaskEnvironments {
  /** Worktrees set up in this session: a fix or follow-up in one of them reuses its setup. */
  private readonly done = new Map<string, SetupRecord>();
  /** Keys being set up now: later worktrees with the same key wait for the first. */
  private readonly inFlight = new Map<string, Promise<CacheEntry | undefined>>();

  private constructor(
    /** The run's worktrees folder. */
    readonly dir: string,
    readonly mode: SetupCacheMode,
  ) {}

  /** Opens the run's environments; partial cache entries an ended session left are removed. */
  static async open(dir: string, mode: SetupCacheMode): Promise<TaskEnvironments> {
    const cache = path.join(dir, CACHE);
    if (existsSync(cache)) {
      for (const name of await readdir(cache)) if (name.startsWith('.tmp-')) await rm(path.join(cache, name), { recursive: true, force: true });
    }
    return new TaskEnvironments(dir, mode);
  }

  /** What setup made in `worktree` (relative paths), which its commit leaves out. */
  outputsOf(worktree: string): readonly string[] {
    return this.done.get(worktree)?.outputs ?? [];
  }

  /** The worktree is gone: a new one at its path is set up again. */
  forget(worktree: string): void {
    this.done.delete(worktree);
  }

  /** A worktree for a task without setup: what an earlier attempt's setup made in it (a parked worktree) goes. */
  async clear(worktree: string): Promise<void> {
    const record = this.done.get(worktree);
    if (!record) return;
    for (const output of record.outputs) await rm(path.join(worktree, output), { recursive: true, force: true });
    this.done.delete(worktree);
  }

  /**
   * What of the worktree's setup may move with it to another path (parked, then taken by another
   * attempt): all it made, unless that names the worktree's own path (a virtualenv), which a move
   * would break.
   */
  movable(worktree: string): readonly string[] {
    const record = this.done.get(worktree);
    return record && record.notShared === undefined ? record.outputs : [];
  }

  /** The worktree was moved (parked, or taken from the parked ones) with what its setup made; none: it was removed. */
  moved(from: string, to: string | undefined): void {
    const record = this.done.get(from);
    this.done.delete(from);
    if (record && record.notShared === undefined && to !== undefined) this.done.set(to, record);
  }

  /** Sets `worktree` up: reused, copied from an identical setup of the run, or by running the commands. */
  async setUp(r: SetupRequest): Promise<SetupOutcome> {
    const started = performance.now();
    const elapsed = (): number => Math.round(performance.now() - started);
    const key = await this.keyOf(r);
    const before = this.done.get(r.worktree);
    if (before && before.key === key) {
      r.say(`setup: this worktree was set up already (key ${short(key)})`);
      return { ok: true, record: { how: 'reused', key, durationMs: 0, outputs: [...before.outputs] } };
    }
    if (before) {
      // The worktree's dependency files changed since its setup (a fix that added a dependency): set it up anew.
      r.say(`setup: the dependency files changed since this worktree's setup (key ${short(before.key)}); setting it up again`);
      for (const output of before.outputs) await rm(path.join(r.worktree, output), { recursive: true, force: true });
      this.done.delete(r.worktree);
    }
    // The first worktree with a key claims it at once (no await in between): others wait for it.
    const waiting = this.mode === 'off' ? undefined : this.inFlight.get(key);
    let share: (entry: CacheEntry | undefined) => void = () => undefined;
    if (this.mode !== 'off' && !waiting) {
      const promise = new Promise<CacheEntry | undefined>((resolve) => (share = resolve));
      this.inFlight.set(key, promise);
      void promise.then(() => this.inFlight.delete(key));
    }
    try {
      if (this.mode !== 'off') {
        const entry = waiting ? await abortable(waiting, r.signal) : await this.cached(key);
        const waitedMs = waiting ? elapsed() : 0;
        if (r.signal.aborted) return this.aborted(key, elapsed());
        if (entry) {
          share(entry);
          const copied = await this.copyIn(key, entry, r.worktree).then(
            () => true,
            (e: unknown) => {
              r.say(`setup: could not copy what the same setup installed in ${entry.from} (${(e as Error).message}); running the commands`);
              return false;
            },
          );
          if (copied) {
            const how = this.mode === 'link' ? 'linked' : 'copied';
            const record: SetupRecord = { how, key, durationMs: elapsed(), ...(waitedMs > 0 ? { waitedMs } : {}), outputs: [...entry.outputs] };
            this.done.set(r.worktree, record);
            const wait = waitedMs > 0 ? ` (${waitedMs} ms of it waiting for that setup to finish)` : '';
            r.say(`setup: ${how} what the same setup installed in ${entry.from} (key ${short(key)}): ${entry.outputs.join(', ') || 'nothing'}, in ${elapsed()} ms${wait}`);
            return { ok: true, record };
          }
        }
      }
      return await this.runCommands(r, key, started, share);
    } finally {
      share(undefined);
    }
  }

  private async runCommands(r: SetupRequest, key: string, started: number, share: (entry: CacheEntry | undefined) => void): Promise<SetupOutcome> {
    const elapsed = (): number => Math.round(performance.now() - started);
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), Math.min(r.timeoutMs, 2 ** 31 - 1));
    const signal = AbortSignal.any([r.signal, timeout.signal]);
    let commands: CheckResult[];
    try {
      commands = await r.run(r.commands, signal);
    } finally {
      clearTimeout(timer);
    }
    const status = await changedPaths(r.worktree);
    const outputs = status.made;
    const failed = commands.find((c) => c.exitCode !== 0);
    const base = { how: 'ran' as const, key, commands, outputs };
    if (failed || r.signal.aborted || timeout.signal.aborted) {
      if (r.signal.aborted) return this.aborted(key, elapsed(), commands, outputs);
      const timedOut = timeout.signal.aborted;
      const message = timedOut
        ? `setup timed out after ${formatMs(r.timeoutMs)}${failed ? ` in \`${failed.command}\` (output in ${failed.outputPath})` : ''}; raise settings.setupTimeout, or make setup faster`
        : `setup failed: \`${failed?.command}\` exited ${failed?.exitCode ?? failed?.signal} (output in ${failed?.outputPath}); the agent did not start`;
      return { ok: false, record: { ...base, durationMs: elapsed() }, message, timedOut };
    }
    let notShared: string | undefined;
    if (status.tracked.length > 0) {
      notShared = `setup changed tracked files (${status.tracked.slice(0, 5).join(', ')}); they become part of the task's changes`;
      r.say(`setup: note: ${notShared}; a command that leaves them as they are (e.g. npm ci rather than npm install) avoids that`);
    } else if (this.mode !== 'off') {
      notShared = await selfReference(r.worktree, outputs);
      if (notShared) r.say(`setup: not shared with other worktrees: ${notShared}`);
      else {
        const entry = await this.store(key, r.worktree, outputs);
        share(entry);
      }
    }
    const record: SetupRecord = { ...base, durationMs: elapsed(), ...(notShared ? { notShared } : {}) };
    this.done.set(r.worktree, record);
    r.say(`setup: done in ${elapsed()} ms; made ${outputs.join(', ') || 'nothing'} (key ${short(key)})`);
    return { ok: true, record };
  }

  private aborted(key: string, durationMs: number, commands?: CheckResult[], outputs: readonly string[] = []): SetupOutcome {
    return { ok: false, record: { how: 'ran', key, durationMs, ...(commands ? { commands } : {}), outputs: [...outputs] }, message: 'setup was stopped', timedOut: false };
  }

  /** The setup's key: commands, cwd, and the dependency files of the worktree's start. */
  private async keyOf(r: SetupRequest): Promise<string> {
    const listing = await git(r.worktree, ['ls-tree', '-r', '-z', '--full-tree', 'HEAD']);
    const files = listing
      .split('\0')
      .filter(Boolean)
      .flatMap((line) => {
        const tab = line.indexOf('\t');
        const file = line.slice(tab + 1);
        return isDependencyFile(file) ? [`${line.slice(0, tab).split(' ')[2]} ${file}`] : [];
      })
      .sort();
    const cwd = path.relative(r.worktree, r.cwd).split(path.sep).join('/');
    return createHash('sha256')
      .update(JSON.stringify({ commands: r.commands, cwd, files }))
      .digest('hex');
  }

  private async cached(key: string): Promise<CacheEntry | undefined> {
    try {
      return JSON.parse(await readFile(path.join(this.dir, CACHE, key, 'setup.json'), 'utf8')) as CacheEntry;
    } catch {
      return undefined;
    }
  }

  /** Copies the outputs into the cache: a temporary folder first, renamed into place whole. */
  private async store(key: string, worktree: string, outputs: readonly string[]): Promise<CacheEntry | undefined> {
    const cache = path.join(this.dir, CACHE);
    const tmp = path.join(cache, `.tmp-${key.slice(0, 16)}-${randomBytes(4).toString('hex')}`);
    const entry: CacheEntry = { outputs, from: path.relative(this.dir, worktree) };
    try {
      await mkdir(path.join(tmp, 'tree'), { recursive: true });
      for (const output of outputs) await copyPath(path.join(worktree, output), path.join(tmp, 'tree', output), 'copy');
      await writeFile(path.join(tmp, 'setup.json'), JSON.stringify(entry));
      await rename(tmp, path.join(cache, key));
      return entry;
    } catch {
      // A full disk or a race with another session: this worktree keeps its own; others run setup.
      await rm(tmp, { recursive: true, force: true });
      return undefined;
    }
  }

  private async copyIn(key: string, entry: CacheEntry, worktree: string): Promise<void> {
    const tree = path.join(this.dir, CACHE, key, 'tree');
    for (const output of entry.outputs) await copyPath(path.join(tree, output), path.join(worktree, output), this.mode === 'link' ? 'link' : 'copy');
  }
}

/** Resolves with the promise, or with undefined once the signal fires. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const onAbort = (): void => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    void promise.then((v) => {
      signal.removeEventListener('abort', onAbort);
      resolve(v);
    });
  });
}

function short(key: string): string {
  return key.slice(0, 12);
}

function formatMs(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000}m` : ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
