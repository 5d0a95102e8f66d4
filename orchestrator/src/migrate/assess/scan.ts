import { execFile } from 'node:child_process';
import fs, { constants, type Dirent } from 'node:fs';
import { lstat, readdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_READ_BOUND, probeText, readModeOf, SKIPPED_FOLDERS } from './read-rules.js';
import type { GitFacts } from './schema.js';
import type { ScannedFile, ScannedTree } from './tree.js';

/**
 * The scanner: the only module of the assessment that touches the file system. It walks the tree
 * read-only and never leaves it: entries are taken from `readdir` (which reports a link as a link),
 * a symbolic link is recorded and never entered, read or resolved, and a file is opened with
 * `O_NOFOLLOW`, so a file swapped for a link between the walk and the read is refused, not followed.
 * What it reads is `read-rules.ts`'s decision; git's facts come from `git -C <root>` child
 * processes started while the walk goes on.
 */

export interface ScanOptions {
  /** Files larger than this are counted by size and never read (default 256 KB). */
  readonly readBound?: number;
  /** Folder reads and file reads in flight at once. */
  readonly concurrency?: number;
  /** Git's facts of the folder; tests pass their own. */
  readonly git?: (root: string) => Promise<GitFacts>;
}

/** Enough reads in flight to keep the thread pool busy without holding many buffers at once. */
const DEFAULT_CONCURRENCY = 32;

/** A NUL in the first bytes: a binary file, which has no lines. */
const BINARY_SNIFF = 8000;

type Job = { readonly kind: 'dir'; readonly rel: string } | { readonly kind: 'file'; readonly rel: string };

export async function scanTree(root: string, options: ScanOptions = {}): Promise<ScannedTree> {
  const bound = options.readBound ?? DEFAULT_READ_BOUND;
  const top = await realpath(root);
  const git = (options.git ?? gitFacts)(top);
  const files: ScannedFile[] = [];
  const directories: string[] = [];
  const symlinks: string[] = [];
  const skipped: string[] = [];
  const buffers: Buffer[] = [];

  const visit = async (job: Job): Promise<Job[]> => {
    if (job.kind === 'file') {
      files.push(await scanFile(top, job.rel, bound, buffers));
      return [];
    }
    if (job.rel !== '') directories.push(job.rel);
    let entries: Dirent[];
    try {
      entries = await readdir(job.rel === '' ? top : path.join(top, job.rel), { withFileTypes: true });
    } catch {
      // A folder that went away or cannot be listed holds nothing the assessment can see.
      return [];
    }
    const next: Job[] = [];
    for (const entry of entries) {
      const rel = job.rel === '' ? entry.name : `${job.rel}/${entry.name}`;
      if (entry.isSymbolicLink()) symlinks.push(rel);
      else if (entry.isDirectory()) {
        if (SKIPPED_FOLDERS.has(entry.name)) skipped.push(rel);
        else next.push({ kind: 'dir', rel });
      } else if (entry.isFile()) {
        // A `.git` file is a worktree's or submodule's link to its repository: version control, not the project.
        if (entry.name !== '.git') next.push({ kind: 'file', rel });
      }
      // Sockets, FIFOs and devices are neither read nor counted.
    }
    return next;
  };

  await drain([{ kind: 'dir', rel: '' }], visit, options.concurrency ?? DEFAULT_CONCURRENCY);
  const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  files.sort((a, b) => byName(a.path, b.path));
  return { files, directories: directories.sort(byName), symlinks: symlinks.sort(byName), skipped: skipped.sort(byName), readBound: bound, git: await git };
}

/** Runs jobs (which may add jobs) with at most `limit` at once; rejects with the first job that throws. */
function drain<J>(initial: readonly J[], run: (job: J) => Promise<readonly J[]>, limit: number): Promise<void> {
  const queue = [...initial];
  let active = 0;
  let failed = false;
  return new Promise((resolve, reject) => {
    const pump = (): void => {
      while (!failed && active < limit && queue.length > 0) {
        const job = queue.pop() as J;
        active++;
        run(job).then(
          (more) => {
            active--;
            queue.push(...more);
            pump();
          },
          (error: unknown) => {
            failed = true;
            reject(error);
          },
        );
      }
      if (!failed && active === 0 && queue.length === 0) resolve();
    };
    pump();
  });
}

async function scanFile(top: string, rel: string, bound: number, buffers: Buffer[]): Promise<ScannedFile> {
  const file = path.join(top, rel);
  const mode = readModeOf(rel);
  const unreadable = (): ScannedFile => ({ path: rel, size: 0, read: 'unreadable', lines: null, text: null, hits: [] });
  if (mode === 'none') {
    // Never opened: its size is all the assessment counts.
    const stats = await lstat(file).catch(() => undefined);
    return stats?.isFile() ? { path: rel, size: stats.size, read: 'not-read', lines: null, text: null, hits: [] } : unreadable();
  }
  // A buffer of the pool: at most the bound (and a byte more, to see a file that grew) is ever read.
  const buffer = buffers.pop() ?? Buffer.allocUnsafe(bound + 1);
  try {
    const read = await readBounded(file, buffer);
    if (read === undefined) return unreadable();
    if (read.kind === 'too-large') return { path: rel, size: read.size, read: 'too-large', lines: null, text: null, hits: [] };
    const content = buffer.subarray(0, read.length);
    if (content.subarray(0, BINARY_SNIFF).includes(0)) return { path: rel, size: read.length, read: 'binary', lines: null, text: null, hits: [] };
    const lines = countLines(content);
    if (mode === 'keep') {
      const text = content.toString('utf8');
      return { path: rel, size: read.length, read: 'kept', lines, text, hits: probeText(text) };
    }
    // The probes are ASCII: latin1 decodes faster than utf8 and keeps every line where it is.
    return { path: rel, size: read.length, read: 'counted', lines, text: null, hits: probeText(content.toString('latin1')) };
  } finally {
    buffers.push(buffer);
  }
}

/** What reading a file gave: its bytes (in the buffer), or that it is over the bound (never read), or nothing. */
type Read = { readonly kind: 'read'; readonly length: number } | { readonly kind: 'too-large'; readonly size: number } | undefined;

/**
 * A file's bytes into `buffer` (which holds the bound and one byte more), opened without following
 * a link and without blocking on a FIFO swapped in since the walk. Its size comes first (`fstat`
 * of the open file): a file over the bound is never read. A file that grows while it is read is
 * over the bound if it now is, else unreadable for this scan. Undefined when it cannot be read.
 */
function readBounded(file: string, buffer: Buffer): Promise<Read> {
  const bound = buffer.length - 1;
  return new Promise((resolve) => {
    fs.open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK, (openError, fd) => {
      if (openError) return resolve(undefined);
      const done = (result: Read): void => fs.close(fd, () => resolve(result));
      fs.fstat(fd, (statError, stats) => {
        if (statError || !stats.isFile()) return done(undefined);
        if (stats.size > bound) return done({ kind: 'too-large', size: stats.size });
        // One byte more than its size: a short read at its size is its end, a full one says it grew.
        const want = stats.size + 1;
        const readFrom = (length: number): void => {
          fs.read(fd, buffer, length, want - length, length, (readError, bytesRead) => {
            if (readError) return done(undefined);
            const total = length + bytesRead;
            if (total >= want) return fs.fstat(fd, (e, now) => done(!e && now.size > bound ? { kind: 'too-large', size: now.size } : undefined));
            if (bytesRead === 0 || total >= stats.size) return done({ kind: 'read', length: total });
            readFrom(total);
          });
        };
        readFrom(0);
      });
    });
  });
}

/** Lines as an editor shows them: newlines, plus a last line without one. */
export function countLines(content: Buffer): number {
  if (content.length === 0) return 0;
  let lines = 0;
  for (let i = content.indexOf(10); i !== -1; i = content.indexOf(10, i + 1)) lines++;
  return content[content.length - 1] === 10 ? lines : lines + 1;
}

/** Git's facts of a folder: its history's commits, authors and dates, from one `git log` of the folder. */
export async function gitFacts(root: string): Promise<GitFacts> {
  const topLevel = await runGit(root, ['rev-parse', '--show-toplevel']);
  if (!topLevel.ok) {
    return /not a git repository/i.test(topLevel.message) ? { kind: 'not-a-repository' } : { kind: 'git-unavailable', reason: topLevel.message };
  }
  const top = await realpath(topLevel.stdout.trim()).catch(() => topLevel.stdout.trim());
  const subfolder = top !== (await realpath(root).catch(() => root));
  // Only a subfolder's history is limited to its path: at the top, a path would drop commits that change no file.
  const log = await runGit(root, ['log', '--all', '--format=%ae%x09%aI', ...(subfolder ? ['--', '.'] : [])]);
  if (!log.ok) return { kind: 'git-unavailable', reason: log.message };
  const authors = new Set<string>();
  let first: { at: number; iso: string } | undefined;
  let last: { at: number; iso: string } | undefined;
  let commits = 0;
  for (const line of log.stdout.split('\n')) {
    const tab = line.indexOf('\t');
    if (tab === -1) continue;
    commits++;
    authors.add(line.slice(0, tab).toLowerCase());
    const iso = line.slice(tab + 1);
    const at = Date.parse(iso);
    if (Number.isNaN(at)) continue;
    if (first === undefined || at < first.at) first = { at, iso };
    if (last === undefined || at > last.at) last = { at, iso };
  }
  return { kind: 'repository', subfolder, commits, contributors: authors.size, firstCommit: first?.iso ?? null, lastCommit: last?.iso ?? null };
}

type GitOutcome = { readonly ok: true; readonly stdout: string } | { readonly ok: false; readonly message: string };

/** A read-only git command (`GIT_OPTIONAL_LOCKS=0`: it takes no lock and refreshes no index). */
function runGit(root: string, args: readonly string[]): Promise<GitOutcome> {
  return new Promise((resolve) => {
    execFile(
      'git',
      ['-C', root, ...args],
      { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, timeout: 60_000, env: { ...process.env, GIT_OPTIONAL_LOCKS: '0', GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' } },
      (error, stdout, stderr) => {
        if (error === null) return resolve({ ok: true, stdout });
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') return resolve({ ok: false, message: 'git is not installed (not found on PATH)' });
        resolve({ ok: false, message: (stderr.trim().split('\n')[0] ?? '') || error.message });
      },
    );
  });
}
