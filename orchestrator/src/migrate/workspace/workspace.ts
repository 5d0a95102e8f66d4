import { appendFile, lstat, mkdir, readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import { err, ok, type Result } from '../../core/result.js';
import { writing, type Unwritable } from '../write-failure.js';
import { migrateFiles, type ReplaceFile } from '../setup/setup.js';
import { journalDocument, journalRow, planDocument, promptDocument, type JournalRow } from '../workflow/documents.js';
import { migrationGraph, type MigrationGraph, type MigrationValues } from '../workflow/graph.js';
import { updateIndex, readIndex, type IndexReadFailure, type LockedUpdate, type WorkspaceEntry } from './registry.js';

/**
 * A migration workspace: `migrations/migration_<slug>/` with `plan.md`, `journal.md`,
 * `tasks.json` (the graph), `prompt.txt`, `artifacts/` and `runs/` (runbooks), registered in
 * `.codex/migrate/index.json`.
 */

export const WORKSPACES_DIR = 'migrations';

export interface WorkspaceFiles {
  readonly dir: string;
  readonly plan: string;
  readonly journal: string;
  readonly graph: string;
  readonly prompt: string;
  readonly artifacts: string;
  readonly runbooks: string;
}

export function workspaceFiles(dir: string): WorkspaceFiles {
  return {
    dir,
    plan: path.join(dir, 'plan.md'),
    journal: path.join(dir, 'journal.md'),
    graph: path.join(dir, 'tasks.json'),
    prompt: path.join(dir, 'prompt.txt'),
    artifacts: path.join(dir, 'artifacts'),
    runbooks: path.join(dir, 'runs'),
  };
}

/** The graph's values (the workspace folder follows from the slug), and where and how to write. */
export interface CreateOptions extends Omit<MigrationValues, 'workspace'> {
  /** The project's top (the repository's): the workspace and the index go below it. */
  readonly root: string;
  readonly now: Date;
  readonly write: ReplaceFile;
  readonly update: LockedUpdate;
  /** Who made it, for the journal's first row. */
  readonly by: string;
}

export type CreateFailure =
  /** A workspace of that slug exists (on disk or in the index). */
  | { readonly reason: 'exists'; readonly dir: string }
  | IndexReadFailure
  /** A file could not be written (permissions, a full disk). */
  | Unwritable;

export interface Created {
  readonly files: WorkspaceFiles;
  readonly entry: WorkspaceEntry;
  readonly index: string;
  /** The graph written as `tasks.json`. */
  readonly graph: MigrationGraph;
}

export async function createWorkspace(o: CreateOptions): Promise<Result<Created, CreateFailure>> {
  const rel = `${WORKSPACES_DIR}/migration_${o.slug}`;
  const files = workspaceFiles(path.join(o.root, ...rel.split('/')));
  const index = migrateFiles(o.root).index;
  const known = await readIndex(index);
  if (!known.ok) return known;
  if ((await lstat(files.dir).catch(() => undefined)) !== undefined || known.value.workspaces.some((w) => w.slug === o.slug)) return err({ reason: 'exists', dir: files.dir });

  const values: MigrationValues = { description: o.description, title: o.title, slug: o.slug, workspace: rel, assessment: o.assessment, settings: o.settings };
  const at = o.now.toISOString();
  const entry: WorkspaceEntry = { slug: o.slug, title: o.title, description: o.description, path: rel, createdAt: at, ...(o.assessment ? { assessment: o.assessment.file } : {}), runs: [] };
  const graph = migrationGraph(values);
  const texts: [string, string][] = [
    [files.graph, `${JSON.stringify(graph, null, 2)}\n`],
    [files.plan, planDocument(values, at)],
    [files.prompt, promptDocument(values)],
    [
      files.journal,
      journalDocument(values) + journalRow({ at, who: o.by, task: '—', status: 'created', note: `workspace created by migrate plan${o.assessment ? ` from ${o.assessment.file}` : ''}` }),
    ],
    [path.join(files.runbooks, 'README.md'), '# Runbooks\n\n`migrate execute` writes a runbook here for each task it hands to an operator or another agent.\n'],
    [path.join(files.artifacts, 'README.md'), '# Artifacts\n\nEach phase writes its artifact here from its template; its gate reviews it.\n'],
  ];
  if (o.assessment) texts.push([path.join(files.artifacts, 'assessment-report.md'), o.assessment.text]);
  for (const [file, text] of texts) {
    const wrote = await writing(file, async () => {
      await mkdir(path.dirname(file), { recursive: true });
      await o.write(file, text);
    });
    if (!wrote.ok) return wrote;
  }
  const registered = await writing(index, async () => {
    await mkdir(path.dirname(index), { recursive: true });
    return updateIndex(index, o.update, (i) => ({ ...i, workspaces: [...i.workspaces.filter((w) => w.slug !== o.slug), entry] }));
  });
  if (!registered.ok) return registered;
  if (!registered.value.ok) return registered.value;
  return ok({ files, entry, index, graph });
}

/** Appends one row to a workspace's journal (one write: rows of concurrent writers never interleave). */
export async function appendJournal(file: string, row: JournalRow): Promise<void> {
  await appendFile(file, journalRow(row));
}

export type FindFailure =
  | IndexReadFailure
  /** No workspace in the index (none planned yet). */
  | { readonly reason: 'none'; readonly index: string }
  /** `--workspace` names a folder that is not a registered workspace. */
  | { readonly reason: 'unknown'; readonly given: string; readonly known: readonly string[] };

/**
 * The workspace `given` names (its folder, relative to `cwd`, or its slug), or the most recent
 * one when none is given.
 */
export async function findWorkspace(root: string, given: string | undefined, cwd: string): Promise<Result<{ readonly entry: WorkspaceEntry; readonly files: WorkspaceFiles }, FindFailure>> {
  const indexFile = migrateFiles(root).index;
  const index = await readIndex(indexFile);
  if (!index.ok) return index;
  const list = index.value.workspaces;
  const at = (e: WorkspaceEntry): WorkspaceFiles => workspaceFiles(path.join(root, ...e.path.split('/')));
  if (given === undefined) {
    const latest = [...list].sort((a, b) => a.createdAt.localeCompare(b.createdAt)).at(-1);
    return latest ? ok({ entry: latest, files: at(latest) }) : err({ reason: 'none', index: indexFile });
  }
  const real = await realpath(path.resolve(cwd, given)).catch(() => undefined);
  for (const e of list) {
    if (e.slug === given || `migration_${e.slug}` === given) return ok({ entry: e, files: at(e) });
    const dir = await realpath(at(e).dir).catch(() => undefined);
    if (real !== undefined && dir === real) return ok({ entry: e, files: at(e) });
  }
  return err({ reason: 'unknown', given, known: list.map((e) => e.path) });
}

export async function readText(file: string): Promise<string | undefined> {
  return readFile(file, 'utf8').catch(() => undefined);
}

/** The journal of the workspace whose graph `graphFile` is (`<workspace>/tasks.json`), when it is one. */
export async function journalOfGraph(graphFile: string): Promise<string | undefined> {
  if (path.basename(graphFile) !== 'tasks.json' || !path.basename(path.dirname(graphFile)).startsWith('migration_')) return undefined;
  const journal = workspaceFiles(path.dirname(graphFile)).journal;
  const s = await lstat(journal).catch(() => undefined);
  return s?.isFile() ? journal : undefined;
}
