import { lstatSync, readdirSync, type Stats } from 'node:fs';
import path from 'node:path';
import { writtenByStore } from '../store/run-files.js';
import { gitCommonDir, runGit } from './git.js';

/**
 * Writes outside a task's worktree, seen by the orchestrator itself (defence in depth: Codex's
 * sandbox should deny them, see `backends/codex-home.ts`). A snapshot before a task's turn and
 * one after it are compared; what changed, outside what the orchestrator itself wrote, is named:
 *
 * - the user's checkout: `git status` (untracked and ignored folders as one entry each, the way
 *   git lists them) with each entry's size, time and inode; `.runs/` and the run's private Codex
 *   folders (`.codex-orchestrator/codex-home/`, which Codex writes while it works) are left out;
 * - the repository's git folder: every file but objects, the worktrees' bookkeeping and the
 *   orchestrator's own branches (`refs/heads/codex-orchestrator/`), so a planted hook, a moved
 *   `HEAD`, a changed `config` or `index` is seen;
 * - the run folder: files the run's store did not write (`store/run-files.ts` keeps the list).
 *
 * Parallel tasks share the checkout, so a change cannot be told apart by its writer: it is
 * charged to every task whose turn it happened in. Writes elsewhere (`/tmp`, the home folder)
 * are not scanned; the sandbox's denials of them are recorded from Codex's events instead.
 */

/**
 * Path → a signature of what is there (size, modification time, inode): the checkout's entries
 * (undefined when `git status` could not run, e.g. while another git holds the index lock: then
 * that part is not compared) and the git and run folders' files.
 */
export interface Snapshot {
  readonly checkout: ReadonlyMap<string, string> | undefined;
  readonly files: ReadonlyMap<string, string>;
}

export class EscapeWatch {
  private constructor(
    private readonly repoRoot: string,
    private readonly gitDir: string,
    private readonly runDir: string,
    /** Relative to `repoRoot`, with `/`: entries of `git status` that are the orchestrator's. */
    private readonly ownEntries: readonly string[],
  ) {}

  static async open(repoRoot: string, runDir: string): Promise<EscapeWatch> {
    const common = await gitCommonDir(repoRoot);
    const gitDir = common.ok ? common.dir : path.join(repoRoot, '.git');
    const rel = (p: string): string => path.relative(repoRoot, p).split(path.sep).join('/');
    const own = [rel(path.dirname(runDir)), '.codex-orchestrator/codex-home'].filter((p) => p !== '' && !p.startsWith('..'));
    return new EscapeWatch(repoRoot, gitDir, runDir, own);
  }

  /** The snapshot being taken, and the one asked for while it is (it starts when that one ends). */
  private taking: Promise<Snapshot> | undefined;
  private next: Promise<Snapshot> | undefined;

  /**
   * What is there now: a snapshot begun after the call. Asked for while one is being taken, it is
   * the next one, shared by every ask meanwhile: parallel tasks' turns begin and end together, and
   * each snapshot walks the whole checkout (`git status`: ~110 ms at 20,000 files).
   */
  snapshot(): Promise<Snapshot> {
    if (this.next) return this.next;
    if (!this.taking) return this.begin();
    const next = this.taking.then(
      () => undefined,
      () => undefined,
    );
    this.next = next.then(() => {
      this.next = undefined;
      return this.begin();
    });
    return this.next;
  }

  private begin(): Promise<Snapshot> {
    const taking = this.take();
    this.taking = taking;
    const done = (): void => {
      if (this.taking === taking) this.taking = undefined;
    };
    taking.then(done, done);
    return taking;
  }

  private async take(): Promise<Snapshot> {
    const files = new Map<string, string>();
    const checkout = await this.checkout();
    walk(this.gitDir, files, (rel) => GIT_OWN.some((own) => rel === own || rel.startsWith(`${own}/`)));
    walk(this.runDir, files, (rel, abs) => RUN_OWN.has(rel) || writtenByStore(abs));
    return { checkout, files };
  }

  /** What changed between two snapshots (added, changed or removed), sorted; paths inside the checkout relative to it. */
  changes(before: Snapshot, after: Snapshot): string[] {
    const changed = new Set<string>();
    const compare = (a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): void => {
      for (const [p, sig] of b) if (a.get(p) !== sig) changed.add(p);
      for (const p of a.keys()) if (!b.has(p)) changed.add(p);
    };
    compare(before.files, after.files);
    if (before.checkout && after.checkout) compare(before.checkout, after.checkout);
    return [...changed].map((p) => this.display(p)).sort();
  }

  /**
   * Whether a write to `abs` would touch what the watch guards: the checkout (but not `.runs/`),
   * the git folder (but not its objects and worktrees, which `git add` and `git commit` in a
   * worktree write: a task may try them, the orchestrator commits), the run folder (but not the
   * worktrees); anything else in the checkout, `.runs/` and the run's private Codex folder (its
   * config) included.
   */
  guards(abs: string): boolean {
    const inside = (root: string): string | undefined => {
      const rel = path.relative(root, abs);
      return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel)) ? rel.split(path.sep).join('/') : undefined;
    };
    const under = (rel: string, dir: string): boolean => rel === dir || rel.startsWith(`${dir}/`);
    const inGit = inside(this.gitDir);
    if (inGit !== undefined) return !under(inGit, 'objects') && !under(inGit, 'worktrees');
    const inRun = inside(this.runDir);
    if (inRun !== undefined) return !under(inRun, 'worktrees');
    return inside(this.repoRoot) !== undefined;
  }

  /** A path as messages show it: relative inside the checkout, absolute elsewhere. */
  display(p: string): string {
    const rel = path.relative(this.repoRoot, p);
    return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : p;
  }

  private async checkout(): Promise<Map<string, string> | undefined> {
    const out = new Map<string, string>();
    // --no-optional-locks: a status must not refresh (write) the user's index itself.
    const args = ['--no-optional-locks', 'status', '--porcelain=v1', '-z', '--untracked-files=normal', '--ignored=traditional'];
    let status = await runGit(this.repoRoot, args);
    if (status.code !== 0) status = await runGit(this.repoRoot, args);
    if (status.code !== 0) return undefined;
    const fields = status.stdout.split('\0');
    for (let i = 0; i < fields.length; i++) {
      const field = fields[i] ?? '';
      if (field.length < 4) continue;
      const code = field.slice(0, 2);
      const rel = field.slice(3).replace(/\/$/, '');
      // A rename's origin follows as its own field.
      if (code.startsWith('R') || code.startsWith('C')) i++;
      if (this.ownEntries.some((own) => rel === own || rel.startsWith(`${own}/`) || own.startsWith(`${rel}/`))) continue;
      const abs = path.join(this.repoRoot, rel);
      // A checklist item a reviewer ticked while the task worked.
      if (writtenByStore(abs)) continue;
      out.set(abs, `${code} ${signature(lstatSync(abs, { throwIfNoEntry: false }))}`);
    }
    return out;
  }
}

/** Below the git folder: what the orchestrator writes while tasks work (objects, worktrees, its branches) and git's transient files. */
const GIT_OWN = ['objects', 'worktrees', 'refs/heads/codex-orchestrator', 'logs/refs/heads/codex-orchestrator', 'gc.log', 'gc.pid'];

/** Top-level entries of the run folder that are not the store's files: task worktrees, the run lock, requests from other commands. */
const RUN_OWN = new Set(['worktrees', 'run.lock', 'inbox']);

function signature(stat: Stats | undefined): string {
  return stat ? `${stat.isDirectory() ? 'd' : stat.isSymbolicLink() ? 'l' : 'f'}:${stat.size}:${stat.mtimeMs}:${stat.ino}` : 'gone';
}

/** Files (and links) below `root`, skipping what `skip` names (relative with `/`). Folders count through their files. */
function walk(root: string, out: Map<string, string>, skip: (rel: string, abs: string) => boolean, rel = ''): void {
  let entries;
  try {
    entries = readdirSync(rel ? path.join(root, rel) : root, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const childRel = rel ? `${rel}/${entry.name}` : entry.name;
    const abs = path.join(root, childRel);
    if (skip(childRel, abs)) continue;
    if (entry.isDirectory()) walk(root, out, skip, childRel);
    else out.set(abs, signature(lstatSync(abs, { throwIfNoEntry: false })));
  }
}
