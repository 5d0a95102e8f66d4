import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { assess } from '../../src/migrate/assess/index.js';
import { DEFAULT_READ_BOUND, probeText, readModeOf } from '../../src/migrate/assess/read-rules.js';
import { countLines, scanTree } from '../../src/migrate/assess/scan.js';
import type { AssessDocument, Evidence, GitFacts } from '../../src/migrate/assess/schema.js';
import type { ScannedFile, ScannedTree } from '../../src/migrate/assess/tree.js';

/** The fixture trees of `migrate assess` (small trees of other stacks' projects). */
export const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/assess');

/** The fixtures are in this repository's history: a fixed answer keeps their assessment independent of it. */
export const NO_GIT: GitFacts = { kind: 'not-a-repository' };

/** The clock every pure test assesses at. */
export const NOW = new Date('2026-03-02T09:00:00Z');

export function scanFixture(name: string, git: GitFacts = NO_GIT): Promise<ScannedTree> {
  return scanTree(path.join(FIXTURES, name), { git: async () => git });
}

export async function assessFixture(name: string, git: GitFacts = NO_GIT): Promise<AssessDocument> {
  return assess(await scanFixture(name, git), { path: name, name, report: 'migration-report.md', now: NOW });
}

/**
 * A scanned tree made in memory, as the scanner would make it from these files: the read rules
 * decide which texts are kept, line counts and probes as the scanner computes them.
 */
export function treeOf(files: Record<string, string>, extra: { git?: GitFacts; directories?: string[]; symlinks?: string[]; skipped?: string[] } = {}): ScannedTree {
  const scanned: ScannedFile[] = Object.entries(files)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([p, text]) => {
      const mode = readModeOf(p);
      const size = Buffer.byteLength(text);
      if (mode === 'none') return { path: p, size, read: 'not-read', lines: null, text: null, hits: [] };
      return { path: p, size, read: mode === 'keep' ? 'kept' : 'counted', lines: countLines(Buffer.from(text)), text: mode === 'keep' ? text : null, hits: probeText(text) };
    });
  const dirs = new Set<string>(extra.directories ?? []);
  for (const p of Object.keys(files)) for (let d = path.posix.dirname(p); d !== '.'; d = path.posix.dirname(d)) dirs.add(d);
  return { files: scanned, directories: [...dirs].sort(), symlinks: extra.symlinks ?? [], skipped: extra.skipped ?? [], readBound: DEFAULT_READ_BOUND, git: extra.git ?? NO_GIT };
}

/** Evidence as `path:line` (or `path`), the way the report prints it. */
export function ev(evidence: readonly Evidence[]): string[] {
  return evidence.map((e) => (e.line === null ? e.path : `${e.path}:${e.line}`));
}
