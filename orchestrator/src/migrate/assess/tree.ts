import type { GitFacts } from './schema.js';

/**
 * What the scanner hands the detector: the tree as paths, sizes, the text of the few files the
 * detector reads, line counts and probe hits of source files, and git's facts. Plain data, so the
 * detector is a pure function of it and its tests build trees by hand.
 */

/** What the scanner did with a file's content. */
export type ReadKind =
  /** Read, and its text kept for the detector (manifests, CI files, scripts, configs). */
  | 'kept'
  /** Read to count its lines and run the probes; the text was dropped. */
  | 'counted'
  /** Larger than the read bound: counted by its size only. */
  | 'too-large'
  /** Not needed by any rule: never opened. */
  | 'not-read'
  /** Read, but it holds NUL bytes: no lines, no probes. */
  | 'binary'
  /** Could not be read (permissions, a race with a change): its size only. */
  | 'unreadable';

/** A line of a read file that one of the probes (`read-rules.ts`) matched. */
export interface ProbeHit {
  readonly probe: ProbeName;
  readonly line: number;
}

/** The probes the scanner runs on every file it reads (the detector decides what the hits mean). */
export type ProbeName = 'codex-exec' | 'event-log' | 'priority-queue' | 'defer-queue' | 'rust-test' | 'unittest';

export interface ScannedFile {
  /** Relative to the scanned folder, `/`-separated. */
  readonly path: string;
  readonly size: number;
  readonly read: ReadKind;
  /** Lines of a read text file; null otherwise. */
  readonly lines: number | null;
  /** The text of a `kept` file; null otherwise. */
  readonly text: string | null;
  readonly hits: readonly ProbeHit[];
}

export interface ScannedTree {
  /** Regular files, sorted by path. */
  readonly files: readonly ScannedFile[];
  /** Folders entered, sorted (relative, `/`-separated). */
  readonly directories: readonly string[];
  /** Symbolic links, sorted: recorded, never followed or read. */
  readonly symlinks: readonly string[];
  /** Folders not entered (`SKIPPED_FOLDERS`), sorted. */
  readonly skipped: readonly string[];
  readonly readBound: number;
  readonly git: GitFacts;
}
