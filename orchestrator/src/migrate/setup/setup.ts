import { copyFile, constants, lstat, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { err, ok, type Result } from '../../core/result.js';
import { writing, type Unwritable } from '../write-failure.js';
import type { Diagnostic } from '../../core/source-position.js';
import { loadMigrateManifest, parseMigrateManifest } from './manifest.js';
import { MIGRATE_INDEX_SCHEMA, type MigrateIndex, type MigrateManifest } from './schema.js';
import { manifestTemplate } from './template.js';

/** Where a project's migration files are, relative to its root. */
export const MIGRATE_DIR = path.join('.codex', 'migrate');

export function migrateFiles(root: string): { readonly dir: string; readonly manifest: string; readonly index: string } {
  const dir = path.join(root, MIGRATE_DIR);
  return { dir, manifest: path.join(dir, 'manifest.toml'), index: path.join(dir, 'index.json') };
}

/** Replaces a file atomically (the caller passes the store's writer: this room builds on core alone). */
export type ReplaceFile = (file: string, text: string) => Promise<void>;

export interface SetupOptions {
  /** The project's root: the files go to `<root>/.codex/migrate/`. */
  readonly root: string;
  readonly connectors: readonly string[];
  readonly mcp: readonly string[];
  /** Replace an existing manifest (kept as a backup first). */
  readonly force: boolean;
  readonly now: Date;
  readonly write: ReplaceFile;
}

export interface SetupDone {
  readonly manifest: string;
  readonly index: string;
  /** The files this setup wrote (an existing index is left as it is). */
  readonly written: readonly string[];
  /** The old manifest's copy, with `force`. */
  readonly backup: string | undefined;
  readonly value: MigrateManifest;
}

/** Why `migrate setup` did not write anything. */
export type SetupFailure =
  /** A manifest is there and `force` was not given. */
  | { readonly reason: 'exists'; readonly file: string }
  /** A manifest is there, without `force`, and it is broken: its problems matter more than that it exists. */
  | { readonly reason: 'invalid'; readonly file: string; readonly source: string; readonly diagnostics: readonly Diagnostic[] }
  /** The manifest is something that cannot be read or replaced, e.g. a folder. */
  | { readonly reason: 'unreadable'; readonly file: string; readonly message: string }
  /** A file could not be written (no permission, a full disk); what was there before is as it was. */
  | Unwritable;

/**
 * Writes `manifest.toml` and, when there is none, an empty `index.json`. Without `force` an
 * existing manifest is never replaced; with it, its bytes are copied to
 * `manifest.toml.bak-<timestamp>` first. The index is never replaced: it holds the workspaces.
 */
export async function setupMigration(o: SetupOptions): Promise<Result<SetupDone, SetupFailure>> {
  const files = migrateFiles(o.root);
  const existing = await lstat(files.manifest).catch(() => undefined);
  if (existing !== undefined && !existing.isFile()) return err({ reason: 'unreadable', file: files.manifest, message: 'it is not a regular file' });
  let backup: string | undefined;
  if (existing !== undefined) {
    if (!o.force) {
      const loaded = await loadMigrateManifest(files.manifest);
      if (loaded.ok || loaded.error.reason === 'not-found') return err({ reason: 'exists', file: files.manifest });
      return err(loaded.error);
    }
    const kept = await writing(files.manifest, () => keepBackup(files.manifest, stamp(o.now)));
    if (!kept.ok) return kept;
    backup = kept.value;
  }
  const text = manifestTemplate(o.connectors, o.mcp);
  const parsed = parseMigrateManifest(files.manifest, text);
  if (!parsed.ok) throw new Error(`Internal error: the manifest template does not load: ${JSON.stringify(parsed.error)}`);

  const made = await writing(files.dir, () => mkdir(files.dir, { recursive: true }));
  if (!made.ok) return made;
  const written = [files.manifest];
  const wrote = await writing(files.manifest, () => o.write(files.manifest, text));
  if (!wrote.ok) return wrote;
  if ((await lstat(files.index).catch(() => undefined)) === undefined) {
    const index: MigrateIndex = { schema: MIGRATE_INDEX_SCHEMA, workspaces: [] };
    const indexed = await writing(files.index, () => o.write(files.index, `${JSON.stringify(index, null, 2)}\n`));
    if (!indexed.ok) return indexed;
    written.push(files.index);
  }
  return ok({ manifest: files.manifest, index: files.index, written, backup, value: parsed.value });
}

/** Copies the manifest's bytes beside it; a backup made earlier in the same second is never overwritten (`-2`, `-3`, …). */
async function keepBackup(file: string, time: string): Promise<string> {
  for (let n = 1; ; n++) {
    const backup = `${file}.bak-${time}${n === 1 ? '' : `-${n}`}`;
    try {
      await copyFile(file, backup, constants.COPYFILE_EXCL);
      return backup;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || n >= 100) throw e;
    }
  }
}

/** `2026-12-04T19-15-54Z`: a time that sorts and is safe in a file name (no colons). */
function stamp(now: Date): string {
  return now
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/:/g, '-');
}
