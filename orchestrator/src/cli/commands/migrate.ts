import type { Stats } from 'node:fs';
import { realpath, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { assess, renderReport, renderSummary, scanTree } from '../../migrate/assess/index.js';
import { Exit, UsageError, type Output } from '../output.js';
import { displayPath } from '../runs-dir.js';

export interface MigrateAssessOptions {
  /** The folder to assess, as given (default `.`). */
  readonly path: string;
  /** The report file; default `migration-report.md` in `cwd`. */
  readonly output: string | undefined;
  readonly json: boolean;
  readonly cwd: string;
  readonly now: () => Date;
}

export const DEFAULT_REPORT = 'migration-report.md';

/** The migrate subcommands of the product contract that this version does not have yet. */
export const MIGRATE_NOT_YET: readonly string[] = [];

/** What `migrate` answers a missing or unknown subcommand with. */
export const MIGRATE_AVAILABLE =
  'migrate assess (a read-only assessment and plan of a repository), migrate setup (the migration manifest), migrate plan (a workspace with the gated phases), migrate run (run or continue a workspace), migrate status, migrate execute (runbooks; manual tasks done by hand)';

/** Each migrate subcommand's own options (besides --runs-dir, --json and --help). */
export const MIGRATE_FLAGS: Readonly<Record<string, readonly string[]>> = {
  assess: ['path', 'output'],
  setup: ['connector', 'mcp', 'force', 'check'],
  plan: ['from-assessment'],
  run: ['workspace', 'new', 'wait-at-gates', 'detach', 'keep-worktrees', 'concurrency', 'backend', 'agents', 'model'],
  status: ['workspace'],
  execute: ['workspace', 'status', 'note', 'by'],
};

/**
 * `migrate assess`: a read-only assessment of a repository. It scans the folder (never changing
 * it), writes the markdown report, prints a summary on stderr and, with `--json`, the whole
 * assessment on stdout. Exit 0 when the report is written; 2 for a folder that cannot be assessed
 * or a report that cannot be written.
 */
export async function migrateAssessCommand(o: MigrateAssessOptions, out: Output): Promise<number> {
  const root = path.resolve(o.cwd, o.path);
  const rootStats = await stat(root).catch((e: NodeJS.ErrnoException) => e);
  if (!isStats(rootStats)) {
    throw new UsageError(
      rootStats.code === 'ENOENT' ? `--path: ${o.path} does not exist` : `--path: cannot read ${o.path} (${rootStats.code ?? rootStats.message})`,
      'name the folder of the repository to assess, e.g. --path .',
    );
  }
  if (!rootStats.isDirectory()) throw new UsageError(`--path: ${o.path} is not a folder`, 'name the folder of the repository to assess, not a file in it');
  const realRoot = await realpath(root);
  const report = await reportTarget(o, realRoot);

  const started = performance.now();
  const tree = await scanTree(realRoot);
  const doc = assess(tree, { path: o.path, name: path.basename(realRoot), report, now: o.now() });
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  try {
    await writeFile(report, renderReport(doc));
  } catch (e) {
    throw new UsageError(
      `--output: cannot write ${displayPath(report, o.cwd)} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
      'choose a file in a folder you can write to with --output FILE',
    );
  }
  if (o.json) out.data(JSON.stringify(doc, null, 2));
  out.info([...renderSummary(doc), `report: ${displayPath(report, o.cwd)} (assessed in ${seconds} s; the folder was only read)`].join('\n'));
  return Exit.ok;
}

/**
 * The report's absolute path, checked before the scan: never inside the assessed repository's
 * `.git` (a report there would change the repository's own data), never a folder, and in a folder that exists.
 */
async function reportTarget(o: MigrateAssessOptions, realRoot: string): Promise<string> {
  const file = path.resolve(o.cwd, o.output ?? DEFAULT_REPORT);
  const shown = o.output ?? DEFAULT_REPORT;
  const parent = await realpath(path.dirname(file)).catch(() => undefined);
  if (parent === undefined) throw new UsageError(`--output: the folder of ${shown} does not exist`, 'create it first, or choose another file with --output FILE');
  // Through a link at the file itself too: where the bytes would land.
  const target = await realpath(path.join(parent, path.basename(file))).catch(() => path.join(parent, path.basename(file)));
  const gitDir = path.join(realRoot, '.git');
  if (target === gitDir || target.startsWith(`${gitDir}${path.sep}`)) {
    throw new UsageError(`--output: ${shown} is inside the repository's .git folder`, 'write the report outside .git, e.g. --output migration-report.md');
  }
  const existing = await stat(target).catch(() => undefined);
  if (existing?.isDirectory()) throw new UsageError(`--output: ${shown} is a folder`, `name a file, e.g. --output ${path.join(shown, DEFAULT_REPORT)}`);
  return file;
}

function isStats(x: Stats | NodeJS.ErrnoException): x is Stats {
  return typeof (x as Stats).isDirectory === 'function';
}
