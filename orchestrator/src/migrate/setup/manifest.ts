import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parse, TomlError } from 'smol-toml';
import { err, ok, type Result } from '../../core/result.js';
import type { Diagnostic } from '../../core/source-position.js';
import { manifestDiagnostics } from './issues.js';
import { MigrateManifest } from './schema.js';
import { tomlPositions } from './toml-positions.js';

/** Why a migration manifest could not be loaded. `file` is always absolute. */
export type ManifestLoadFailure =
  /** There is no file there: `migrate setup` has not been run. */
  | { readonly reason: 'not-found'; readonly file: string }
  /** It is there but cannot be read (a folder, no permission). */
  | { readonly reason: 'unreadable'; readonly file: string; readonly message: string }
  /** It was read but is not a valid manifest: TOML syntax or the schema; `source` is its text, for excerpts. */
  | { readonly reason: 'invalid'; readonly file: string; readonly source: string; readonly diagnostics: readonly Diagnostic[] };

/** Reads and checks `manifest.toml`. */
export async function loadMigrateManifest(file: string): Promise<Result<MigrateManifest, ManifestLoadFailure>> {
  const absolute = resolve(file);
  let source: string;
  try {
    source = await readFile(absolute, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return err({ reason: 'not-found', file: absolute });
    return err({ reason: 'unreadable', file: absolute, message: code ?? (e instanceof Error ? e.message : String(e)) });
  }
  return parseMigrateManifest(absolute, source);
}

/** Checks a manifest's text without touching the disk; `file` names it in the diagnostics. */
export function parseMigrateManifest(file: string, source: string): Result<MigrateManifest, ManifestLoadFailure> {
  const absolute = resolve(file);
  const invalid = (diagnostics: readonly Diagnostic[]) => err({ reason: 'invalid' as const, file: absolute, source, diagnostics });
  let data: unknown;
  try {
    data = parse(source);
  } catch (e) {
    if (!(e instanceof TomlError)) throw e;
    return invalid([syntaxDiagnostic(absolute, e)]);
  }
  const checked = MigrateManifest.safeParse(data);
  if (checked.success) return ok(checked.data);
  return invalid(manifestDiagnostics(absolute, checked.error.issues, data, tomlPositions(source)));
}

/** smol-toml's error as a diagnostic: its first line is what is wrong (the rest is its own excerpt, which the renderer makes anyway). */
function syntaxDiagnostic(file: string, e: TomlError): Diagnostic {
  const what = (e.message.split('\n')[0] ?? '').replace(/^Invalid TOML document:\s*/, '');
  return {
    position: { file, line: e.line, column: e.column, length: 1 },
    message: `TOML syntax error: ${what}`,
    hint: 'fix the TOML here: strings in double quotes, lists in [ ], one key = value a line, each key once per table',
  };
}
