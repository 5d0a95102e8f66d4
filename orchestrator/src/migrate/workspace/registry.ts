import { readFile } from 'node:fs/promises';
import YAML from 'yaml';
import { z } from 'zod';
import { err, ok, type Result } from '../../core/result.js';
import type { Diagnostic } from '../../core/source-position.js';
import { MIGRATE_INDEX_SCHEMA } from '../setup/schema.js';

/**
 * `.codex/migrate/index.json`, the registry of a project's migration workspaces: read with every
 * problem at `file:line:col`, and changed only through the caller's locked update (the store's
 * `updateLocked`: this room builds on core alone), so operators and runs that register at once
 * never lose each other's entries.
 */

export const WorkspaceEntry = z.strictObject({
  /** The folder's name without `migration_`, unique in the index. */
  slug: z.string().min(1),
  title: z.string().min(1),
  description: z.string(),
  /** The workspace folder, relative to the project's top, with `/`. */
  path: z.string().min(1),
  createdAt: z.string(),
  /** The assessment report that seeded MIG-1, as the user named it. */
  assessment: z.string().optional(),
  /** The workspace's runs, oldest first: `migrate run` continues the last one. */
  runs: z.array(z.string()),
});
export type WorkspaceEntry = z.infer<typeof WorkspaceEntry>;

export const WorkspaceIndex = z.strictObject({ schema: z.literal(MIGRATE_INDEX_SCHEMA), workspaces: z.array(WorkspaceEntry) });
export type WorkspaceIndex = z.infer<typeof WorkspaceIndex>;

export type IndexReadFailure = { readonly reason: 'invalid'; readonly file: string; readonly source: string; readonly diagnostics: readonly Diagnostic[] };

/** Changes one file under a lock: `change` gets its text (undefined when missing) and returns the new text. */
export type LockedUpdate = (file: string, change: (text: string | undefined) => string | undefined) => Promise<void>;

export function emptyIndex(): WorkspaceIndex {
  return { schema: MIGRATE_INDEX_SCHEMA, workspaces: [] };
}

/** The index, an empty one when there is no file, or every problem with its position. */
export function parseIndex(file: string, text: string | undefined): Result<WorkspaceIndex, IndexReadFailure> {
  if (text === undefined) return ok(emptyIndex());
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    const at = /position (\d+)/.exec((e as Error).message);
    const offset = at ? Number(at[1]) : 0;
    return err(invalid(file, text, [{ position: positionAt(file, text, offset), message: 'index.json is not valid JSON', hint: 'restore it from git, or fix the JSON by hand' }]));
  }
  const parsed = WorkspaceIndex.safeParse(data);
  if (parsed.success) return ok(parsed.data);
  const doc = YAML.parseDocument(text);
  const diagnostics = parsed.error.issues.map((issue): Diagnostic => {
    const node = nearestNode(doc, issue.path as (string | number)[]);
    const where =
      issue.path.length === 0
        ? ''
        : `${issue.path
            .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
            .join('')
            .replace(/^\./, '')}: `;
    return {
      position: positionAt(file, text, node?.range?.[0] ?? 0),
      message: `${where}${issue.message}`,
      hint: `the index is written by migrate setup and migrate plan (schema ${MIGRATE_INDEX_SCHEMA}); restore it from git, or fix the entry by hand`,
    };
  });
  return err(invalid(file, text, diagnostics));
}

export async function readIndex(file: string): Promise<Result<WorkspaceIndex, IndexReadFailure>> {
  const text = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  });
  return parseIndex(file, text);
}

/**
 * Changes the index under its lock. `change` gets the current index and returns the new one (or
 * undefined: no change). A broken index is never overwritten: its problems are returned.
 */
export async function updateIndex(file: string, update: LockedUpdate, change: (index: WorkspaceIndex) => WorkspaceIndex | undefined): Promise<Result<WorkspaceIndex, IndexReadFailure>> {
  let outcome: Result<WorkspaceIndex, IndexReadFailure> = ok(emptyIndex());
  await update(file, (text) => {
    const parsed = parseIndex(file, text);
    if (!parsed.ok) {
      outcome = parsed;
      return undefined;
    }
    const next = change(parsed.value);
    outcome = ok(next ?? parsed.value);
    return next === undefined ? undefined : `${JSON.stringify(next, null, 2)}\n`;
  });
  return outcome;
}

/** The node at `at`, or the nearest one above it that exists (a missing key is reported at its object). */
function nearestNode(doc: YAML.Document, at: readonly (string | number)[]): { range?: [number, number, number] | null } | undefined {
  for (let n = at.length; n >= 0; n--) {
    const node = (n === 0 ? doc.contents : doc.getIn(at.slice(0, n), true)) as { range?: [number, number, number] | null } | null | undefined;
    if (node?.range) return node;
  }
  return undefined;
}

function invalid(file: string, source: string, diagnostics: readonly Diagnostic[]): IndexReadFailure {
  return { reason: 'invalid', file, source, diagnostics };
}

function positionAt(file: string, text: string, offset: number): Diagnostic['position'] {
  const before = text.slice(0, Math.min(offset, text.length));
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return { file, line, column, length: 1 };
}
