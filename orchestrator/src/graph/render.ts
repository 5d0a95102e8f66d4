import { isAbsolute, relative, sep } from 'node:path';
import { assertNever } from '../core/result.js';
import type { Diagnostic, SourcePosition } from '../core/source-position.js';
import type { GraphLoadFailure } from './load.js';

/** Options for rendering. `cwd` decides how file paths are shown; default `process.cwd()`. */
export interface RenderOptions {
  readonly cwd?: string;
}

const FORMATS_HINT = 'graph files are YAML (.yaml, .yml) or JSON (.json)';

/** Excerpts of longer lines show this many characters, starting this many before the place. */
const EXCERPT_WIDTH = 160;
const EXCERPT_LEAD = 60;

/**
 * C0 and C1 controls, DEL, line and paragraph separators, bidirectional overrides, and the
 * characters that take no room (zero-width ones, a byte order mark), which would move the marker.
 */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/g;

/**
 * Renders diagnostics as plain text, compiler style, sorted by file, line and column:
 *
 * ```
 * tasks/bad.yaml:7:12: error: unknown dependency "biuld" in task "test"
 *     7 |     deps: [biuld]
 *       |            ^^^^^
 *   hint: did you mean "build"?
 * ```
 *
 * followed by `note:` lines for related places, a blank line between diagnostics, and a summary
 * line (`2 problems in tasks/bad.yaml`). No trailing newline. The exact format is part of the
 * product: people and tests read it.
 */
export function renderDiagnostics(diagnostics: readonly Diagnostic[], sourcesByFile: ReadonlyMap<string, string>, options: RenderOptions = {}): string {
  const cwd = options.cwd ?? process.cwd();
  const linesByFile = new Map<string, readonly string[]>();
  const linesOf = (file: string): readonly string[] => {
    let lines = linesByFile.get(file);
    if (lines === undefined) {
      lines = (sourcesByFile.get(file) ?? '').split(/\r?\n/);
      linesByFile.set(file, lines);
    }
    return lines;
  };
  const excerpt = (position: SourcePosition): string[] => {
    if (!sourcesByFile.has(position.file)) return [];
    let text = linesOf(position.file)[position.line - 1];
    if (text === undefined) return [];
    let column = position.column;
    let cut = '';
    // A very long line (minified JSON, a pasted blob) shows as a window around the place.
    if (text.length > EXCERPT_WIDTH) {
      const from = Math.max(0, Math.min(column - 1 - EXCERPT_LEAD, text.length - EXCERPT_WIDTH));
      const to = from + EXCERPT_WIDTH;
      if (to < text.length) cut = '…';
      text = `${from > 0 ? '…' : ''}${text.slice(from, to)}`;
      column += from > 0 ? 1 - from : 0;
    }
    // One column per character, so a tab shown as a space keeps the marker under the right place;
    // control characters (and those that reorder text) would act on the terminal, so they show as U+FFFD.
    const shown = text.replace(/\t/g, ' ').replace(UNPRINTABLE, '\uFFFD');
    const room = Math.max(1, shown.length - column + 1);
    const marker = '^'.repeat(Math.max(1, Math.min(position.length, room)));
    return [`${String(position.line).padStart(5)} | ${shown}${cut}`.trimEnd(), `${' '.repeat(5)} | ${' '.repeat(Math.max(0, column - 1))}${marker}`];
  };
  const where = (p: SourcePosition): string => `${displayPath(p.file, cwd)}:${p.line}:${p.column}`;

  const sorted = [...diagnostics].sort((a, b) => compare(a.position.file, b.position.file) || a.position.line - b.position.line || a.position.column - b.position.column);
  const blocks = sorted.map((d) => {
    const lines = [`${where(d.position)}: error: ${d.message}`, ...excerpt(d.position)];
    if (d.hint !== undefined) lines.push(`  hint: ${d.hint}`);
    for (const note of d.related ?? []) lines.push(`  note: ${where(note.position)}: ${note.message}`, ...excerpt(note.position));
    return lines.join('\n');
  });
  const files = [...new Set(sorted.map((d) => d.position.file))];
  const count = `${sorted.length} ${sorted.length === 1 ? 'problem' : 'problems'}`;
  const scope = files.length === 1 ? ` in ${displayPath(files[0]!, cwd)}` : files.length > 1 ? ` in ${files.length} files` : '';
  return [...blocks, `${count}${scope}`].join('\n\n');
}

/** Renders why a graph file could not be loaded, with a hint on what to do. No trailing newline. */
export function renderGraphLoadFailure(failure: GraphLoadFailure, options: RenderOptions = {}): string {
  const shown = displayPath(failure.file, options.cwd ?? process.cwd());
  switch (failure.reason) {
    case 'not-found':
      return `error: graph file not found: ${shown}\n  hint: check the path; ${FORMATS_HINT}`;
    case 'unreadable':
      return `error: cannot read graph file ${shown}: ${failure.message}\n` + '  hint: check that it is a file (not a directory) that you may read';
    case 'unsupported-extension':
      return `error: unsupported graph file type: ${shown}\n  hint: ${FORMATS_HINT}; rename the file or convert it`;
    case 'invalid':
      return renderDiagnostics(failure.diagnostics, new Map([[failure.file, failure.source]]), options);
    default:
      return assertNever(failure, 'graph load failure');
  }
}

/** Relative to `cwd` when the file is inside it (shorter, and what people typed), else absolute. */
function displayPath(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  const outside = rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel);
  return outside ? file : rel;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
