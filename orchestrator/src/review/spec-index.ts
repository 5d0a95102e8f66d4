import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { err, ok, type Result } from '../core/result.js';
import type { Diagnostic, SourcePosition } from '../core/source-position.js';
import { parseGraphSource } from '../graph/parse.js';

/**
 * `tasks/index.json`: the project's specs, each with the date it was last reviewed.
 *
 *   { "specs": [{ "id": "demo", "title": "…", "graph": "tasks/demo.yaml",
 *                 "checklist": "tasks/tasks-demo.md", "last_review": "2026-11-21" }] }
 *
 * Other keys are allowed (and ignored). Parsed with positions, so every problem and every
 * overdue review points at its line.
 */

/** A calendar date, `YYYY-MM-DD`. */
const IsoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date written YYYY-MM-DD')
  .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), 'a real calendar date');

export const SpecEntry = z
  .object({
    id: z.string().min(1),
    title: z.string().optional(),
    graph: z.string().optional(),
    checklist: z.string().optional(),
    last_review: IsoDate,
  })
  .loose();
export type SpecEntry = z.infer<typeof SpecEntry>;

export const SpecIndex = z.object({ specs: z.array(SpecEntry) }).loose();
export type SpecIndex = z.infer<typeof SpecIndex>;

export interface LoadedSpecIndex {
  readonly specs: readonly (SpecEntry & { readonly lastReviewAt: SourcePosition })[];
}

export type SpecIndexFailure =
  /** Syntax or shape errors, each at `file:line:col`. */
  | { readonly reason: 'invalid'; readonly file: string; readonly source: string; readonly diagnostics: readonly Diagnostic[] }
  | { readonly reason: 'unreadable'; readonly file: string; readonly message: string };

/** The spec index, or undefined when the project has none. */
export async function loadSpecIndex(file: string): Promise<Result<LoadedSpecIndex | undefined, SpecIndexFailure>> {
  let source: string;
  try {
    source = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return ok(undefined);
    return err({ reason: 'unreadable', file, message: (e as Error).message });
  }
  const parsed = parseGraphSource(file, source, 'json');
  if (!parsed.ok) return err({ reason: 'invalid', file, source, diagnostics: parsed.error });
  const checked = SpecIndex.safeParse(parsed.value.data);
  if (!checked.success) {
    const diagnostics = checked.error.issues.map((issue): Diagnostic => {
      const path = issue.path.filter((s): s is string | number => typeof s !== 'symbol');
      const where = path.length === 0 ? 'the file' : `"${path.join('.')}"`;
      const parent = valueAt(parsed.value.data, path.slice(0, -1));
      const key = path.at(-1);
      const missing = typeof key === 'string' && typeof parent === 'object' && parent !== null && !Object.hasOwn(parent, key);
      return {
        position: missing ? parsed.value.positions.missingAt(path) : parsed.value.positions.valueAt(path),
        message: missing ? `missing required key "${String(key)}"` : `${where}: ${issue.message}`,
        hint: 'each entry of "specs" needs "id" and "last_review" (YYYY-MM-DD)',
      };
    });
    return err({ reason: 'invalid', file, source, diagnostics });
  }
  const positions = parsed.value.positions;
  return ok({ specs: checked.data.specs.map((spec, i) => ({ ...spec, lastReviewAt: positions.valueAt(['specs', i, 'last_review']) })) });
}

function valueAt(data: unknown, path: readonly (string | number)[]): unknown {
  let at: unknown = data;
  for (const segment of path) {
    if (typeof at !== 'object' || at === null) return undefined;
    at = (at as Record<string | number, unknown>)[segment];
  }
  return at;
}
