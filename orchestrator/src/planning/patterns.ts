import { readdir } from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import { packageRoot } from '../core/package-info.js';
import { err, ok, type Result } from '../core/result.js';
import { loadGraph } from '../graph/load.js';
import { renderGraphLoadFailure } from '../graph/render.js';

/**
 * Workflow patterns: graphs in `patterns/<name>.yaml` (the project's own first, then the ones this
 * package ships) whose texts hold placeholders. A pattern is a valid graph as it stands; planning
 * fills in `{{description}}`, `{{title}}` and `{{slug}}`.
 */

export interface Pattern {
  readonly name: string;
  readonly file: string;
  /** The pattern's data as parsed, placeholders unfilled. */
  readonly data: unknown;
}

export type PatternFailure =
  /** No `<name>.yaml` (or `.yml`) in any pattern folder; `available` lists the names there are. */
  | { readonly reason: 'pattern-not-found'; readonly name: string; readonly searched: readonly string[]; readonly available: readonly string[] }
  /** The pattern file does not validate as a graph; `message` is the rendered diagnostics. */
  | { readonly reason: 'pattern-invalid'; readonly file: string; readonly message: string };

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Where patterns are looked for, in order: the project's `patterns/`, then the package's. */
export function patternDirs(projectRoot: string): string[] {
  return [...new Set([path.join(projectRoot, 'patterns'), path.join(packageRoot(), 'patterns')])];
}

export async function listPatterns(dirs: readonly string[]): Promise<string[]> {
  const names = new Set<string>();
  for (const dir of dirs) {
    const entries = await readdir(dir).catch(() => [] as string[]);
    for (const entry of entries) {
      const m = /^(.+)\.ya?ml$/.exec(entry);
      if (m && NAME.test(m[1]!)) names.add(m[1]!);
    }
  }
  return [...names].sort();
}

export async function loadPattern(name: string, dirs: readonly string[]): Promise<Result<Pattern, PatternFailure>> {
  const candidates = NAME.test(name) ? dirs.flatMap((d) => [path.join(d, `${name}.yaml`), path.join(d, `${name}.yml`)]) : [];
  for (const file of candidates) {
    const loaded = await loadGraph(file);
    if (!loaded.ok && loaded.error.reason === 'not-found') continue;
    if (!loaded.ok) return err({ reason: 'pattern-invalid', file, message: renderGraphLoadFailure(loaded.error) });
    return ok({ name, file, data: YAML.parse(loaded.value.source) as unknown });
  }
  return err({ reason: 'pattern-not-found', name, searched: [...dirs], available: await listPatterns(dirs) });
}

/** The placeholders a pattern's texts may hold. */
export interface PatternValues {
  readonly description: string;
  readonly title: string;
  readonly slug: string;
}

/** The pattern's data with every `{{name}}` in its strings replaced (unknown names are left as written). */
export function instantiate(data: unknown, values: PatternValues): unknown {
  const table: Record<string, string> = { ...values };
  const fill = (v: unknown): unknown => {
    if (typeof v === 'string') return v.replace(/\{\{\s*([a-z]+)\s*\}\}/g, (whole, key: string) => table[key] ?? whole);
    if (Array.isArray(v)) return v.map(fill);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fill(x)]));
    return v;
  };
  return fill(data);
}
