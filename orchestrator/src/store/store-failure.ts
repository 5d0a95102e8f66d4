import { assertNever } from '../core/result.js';

/**
 * Why the run store could not write a file: trouble with the machine or with the run folder, not
 * a bug. A run that meets one stops, since it can no longer keep its records; the manifest on
 * disk stays the last one written whole (every manifest write is atomic).
 */
export type StoreFailure =
  /** ENOSPC: no space left on the device. */
  | { readonly reason: 'disk-full'; readonly file: string }
  /** EDQUOT: the user's disk quota is used up. */
  | { readonly reason: 'disk-quota'; readonly file: string }
  /** EIO: the device reported an input/output error. */
  | { readonly reason: 'disk-io'; readonly file: string }
  /**
   * Fewer bytes reached the file than were written to it (a write that stopped short without an
   * error, or a file cut afterwards): `actual` of `expected` bytes. Never renamed into place or sealed.
   */
  | { readonly reason: 'short-write'; readonly file: string; readonly expected: number; readonly actual: number }
  /** A symbolic link where the run folder must hold a real file or folder; links are never followed. */
  | { readonly reason: 'symlink'; readonly file: string; readonly link: string }
  /**
   * The run lock (`file`) is no longer this process's: removed, or taken by `holder`. The process
   * stops writing the run at once (fencing), so the run keeps one writer.
   */
  | { readonly reason: 'lock-lost'; readonly file: string; readonly holder: string | undefined };

/** Carries a StoreFailure through code that throws (file system calls); converted back to a value at the store's edge. */
export class StoreError extends Error {
  constructor(readonly failure: StoreFailure) {
    super(describeStoreFailure(failure));
    this.name = 'StoreError';
  }
}

/** The StoreFailure an error stands for, or undefined when it is something else (a bug). */
export function storeFailureOf(e: unknown, file: string): StoreFailure | undefined {
  if (e instanceof StoreError) return e.failure;
  switch ((e as NodeJS.ErrnoException | null)?.code) {
    case 'ENOSPC':
      return { reason: 'disk-full', file };
    case 'EDQUOT':
      return { reason: 'disk-quota', file };
    case 'EIO':
      return { reason: 'disk-io', file };
    case 'ELOOP':
      // O_NOFOLLOW met a link at the file itself.
      return { reason: 'symlink', file, link: file };
    default:
      return undefined;
  }
}

/** Runs a file system step for `file`, turning machine trouble into a StoreError that names the file. */
export async function storeStep<T>(file: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (e) {
    const failure = storeFailureOf(e, file);
    throw failure ? new StoreError(failure) : e;
  }
}

/** One line, without what to do: for task messages and the runner log. */
export function describeStoreFailure(f: StoreFailure): string {
  switch (f.reason) {
    case 'disk-full':
      return `the disk is full while writing ${f.file}`;
    case 'disk-quota':
      return `the disk quota is used up while writing ${f.file}`;
    case 'disk-io':
      return `the disk reported an I/O error while writing ${f.file}`;
    case 'short-write':
      return `only ${f.actual} of ${f.expected} bytes of ${f.file} reached the disk`;
    case 'symlink':
      return `refusing to write ${f.file}: ${f.link} is a symbolic link (links in a run folder are never followed)`;
    case 'lock-lost':
      return `this process lost the run lock ${f.file} (${f.holder ? `${f.holder} holds it now` : 'it was removed'}) and stopped writing the run, so that the run keeps one writer`;
    default:
      return assertNever(f);
  }
}

/**
 * The message for people: what happened, that the last good manifest is kept, and what to do.
 * `started` is false when the run folder was still being set up (then there is nothing to resume).
 */
export function renderStoreFailure(f: StoreFailure, runId: string, started: boolean, show: (file: string) => string = (p) => p): string {
  const what = describeStoreFailure({ ...f, file: show(f.file), ...(f.reason === 'symlink' ? { link: show(f.link) } : {}) } as StoreFailure);
  if (f.reason === 'lock-lost') return `error: ${what}\n  hint: see what became of the run with: codex-orchestrator poll ${runId}`;
  const fix = f.reason === 'symlink' ? `remove ${show(f.link)}` : f.reason === 'disk-io' ? 'check the disk' : f.reason === 'short-write' ? 'free space or check the disk' : 'free space';
  if (!started) return `error: ${what}; the run did not start; ${fix} and run it again`;
  return `error: ${what}; the last good manifest is kept; ${fix} and run: codex-orchestrator resume ${runId}`;
}
