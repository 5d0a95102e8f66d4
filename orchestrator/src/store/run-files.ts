import { constants, lstatSync, mkdirSync, openSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { atomicWrite, type AtomicWrite } from './atomic.js';
import { StoreError, storeStep } from './store-failure.js';

/**
 * Writing inside a run folder without ever following a symbolic link planted in it: a link at
 * `tasks/<task>/log.txt` pointing at `/etc/passwd`, or a `tasks/<task>` link to another folder,
 * is refused with a `symlink` StoreFailure instead of being written through. Paths are checked
 * from the root down (the root itself may be a link: `.runs` on another disk is fine), and files
 * are opened with O_NOFOLLOW. Ids are checked before they become paths (`core/ids.ts`); a path
 * outside the root here is a bug.
 *
 * The checks (`lstat`, `mkdir`) are synchronous: each takes microseconds, while its async form
 * waits in libuv's thread pool behind the run's file writes. With 8 tasks at once, opening a
 * task's two logs (some 35 such calls) took ~30 ms async.
 */

/**
 * Every path this process's store made or wrote below a run folder, so the escape watch
 * (`workspace/escape-watch.ts`) can tell the run's own files from files a task put there.
 */
const written = new Set<string>();
/** Folders whose whole content is the store's (an earlier attempt's files, moved aside). */
const claimed = new Set<string>();

/** Tells the store that everything below `dir` is the run's own (files it moved there). */
export function claimRunTree(dir: string): void {
  claimed.add(dir);
}

/**
 * Notes a file the orchestrator itself writes outside the store's own calls (a checklist item a
 * live run's reviewer ticks in the checkout), so the escape watch does not charge it to a task.
 */
export function noteOwnWrite(file: string): void {
  written.add(file);
}

/** Whether the store made or wrote `file` (a folder, a file, or the temporary file of its atomic replace). */
export function writtenByStore(file: string): boolean {
  if (written.has(file)) return true;
  for (let dir = path.dirname(file); dir !== path.dirname(dir); dir = path.dirname(dir)) if (claimed.has(dir)) return true;
  // write-file-atomic's temporary file: `<file>.<hash>`, renamed over `<file>` when done.
  const dot = file.lastIndexOf('.');
  return dot > 0 && written.has(file.slice(0, dot));
}

/** Whether `file` is `root` or below it, lexically. */
export function insideRunDir(root: string, file: string): boolean {
  const rel = path.relative(root, file);
  return rel === '' || (!rel.startsWith(`..${path.sep}`) && rel !== '..' && !path.isAbsolute(rel));
}

/** The components of `file` below `root`, as paths: `root/a`, `root/a/b`, … */
function componentsBelow(root: string, file: string): string[] {
  if (!insideRunDir(root, file)) throw new Error(`Internal error: ${file} is outside ${root}`);
  const parts = path.relative(root, file).split(path.sep).filter(Boolean);
  return parts.map((_, i) => path.join(root, ...parts.slice(0, i + 1)));
}

/** Refuses `file` when any existing component below `root` (the file included) is a symbolic link. */
export async function checkNoLinks(root: string, file: string): Promise<void> {
  for (const p of componentsBelow(root, file)) {
    let isLink: boolean;
    try {
      isLink = lstatSync(p).isSymbolicLink();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    if (isLink) throw new StoreError({ reason: 'symlink', file, link: p });
  }
}

/** `mkdir -p` below `root` (made too, if missing) that refuses to pass through a symbolic link; failures name `forFile`. */
export async function makeRunDir(root: string, dir: string, forFile: string = dir): Promise<void> {
  await storeStep(forFile, async () => {
    mkdirSync(root, { recursive: true });
    for (const p of componentsBelow(root, dir)) {
      // Usually there already: look before making it.
      if (!lstatSync(p, { throwIfNoEntry: false })) {
        try {
          mkdirSync(p);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        }
      }
      written.add(p);
      const stat = lstatSync(p);
      if (stat.isSymbolicLink()) throw new StoreError({ reason: 'symlink', file: forFile, link: p });
      if (!stat.isDirectory()) throw new Error(`Internal error: ${p} is not a folder`);
    }
  });
}

const NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const FLAGS = {
  append: constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND | NOFOLLOW,
  truncate: constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | NOFOLLOW,
} as const;

/** Opens a file below `root` for writing (its folder is made), never through a link. */
export async function openRunFile(root: string, file: string, mode: keyof typeof FLAGS): Promise<FileHandle> {
  await makeRunDir(root, path.dirname(file), file);
  return storeStep(file, async () => {
    await checkNoLinks(root, file);
    written.add(file);
    return open(file, FLAGS[mode], 0o644);
  });
}

/** The same, as a plain file descriptor, for synchronous appends (the runner log). */
export async function openRunDescriptor(root: string, file: string, mode: keyof typeof FLAGS): Promise<number> {
  await makeRunDir(root, path.dirname(file), file);
  return storeStep(file, async () => {
    await checkNoLinks(root, file);
    written.add(file);
    return openSync(file, FLAGS[mode], 0o644);
  });
}

/**
 * Replaces a file below `root` atomically. The path is checked first: a link (at the file or a
 * folder above it) is refused rather than replaced or written through.
 */
export async function writeRunFileAtomic(root: string, file: string, text: string, write: AtomicWrite = atomicWrite): Promise<void> {
  await makeRunDir(root, path.dirname(file), file);
  await storeStep(file, async () => {
    await checkNoLinks(root, file);
    written.add(file);
    await write(file, text);
  });
}
