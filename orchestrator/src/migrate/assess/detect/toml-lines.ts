/**
 * The part of TOML the manifests need (pyproject.toml, Cargo.toml, Pipfile): which table a key is
 * in, on which line, and the strings of its value (an array of requirement strings may span lines).
 * Dependencies are named by keys and strings, so this small reader, which keeps line numbers for
 * the evidence, does instead of a full parser (and a dependency).
 */

export interface TomlEntry {
  /** The table's dotted name (`tool.poetry.dependencies`; quoted parts unquoted), '' at the top. */
  readonly table: string;
  readonly key: string;
  /** 1-based. */
  readonly line: number;
  /** Every string literal of the value, in order (`["django>=4", "celery"]` → both). */
  readonly strings: readonly string[];
}

export interface TomlDocument {
  readonly tables: readonly { readonly name: string; readonly line: number }[];
  readonly entries: readonly TomlEntry[];
}

const HEADER = /^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$/;
const KEY = /^\s*("[^"]*"|'[^']*'|[A-Za-z0-9_.-]+)\s*=\s*(.*)$/;
const STRING = /"((?:[^"\\]|\\.)*)"|'([^']*)'/g;

export function readToml(text: string): TomlDocument {
  const tables: { name: string; line: number }[] = [];
  const entries: TomlEntry[] = [];
  let table = '';
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] as string;
    const header = HEADER.exec(raw);
    if (header) {
      table = dotted(header[1] as string);
      tables.push({ name: table, line: i + 1 });
      continue;
    }
    const key = KEY.exec(raw);
    if (!key) continue;
    let value = stripComment(key[2] as string);
    const start = i;
    // A multi-line array: read on until its brackets close.
    let depth = bracketDepth(value);
    while (depth > 0 && i + 1 < lines.length) {
      i++;
      const more = stripComment(lines[i] as string);
      value += `\n${more}`;
      depth += bracketDepth(more);
    }
    entries.push({ table, key: unquote(key[1] as string), line: start + 1, strings: [...value.matchAll(STRING)].map((m) => m[1] ?? m[2] ?? '') });
  }
  return { tables, entries };
}

/** `target.'cfg(unix)'.dependencies` → `target.cfg(unix).dependencies`. */
function dotted(name: string): string {
  return [...name.matchAll(/"([^"]*)"|'([^']*)'|([^.\s]+)/g)].map((m) => m[1] ?? m[2] ?? m[3] ?? '').join('.');
}

function unquote(key: string): string {
  return /^["'].*["']$/.test(key) ? key.slice(1, -1) : key;
}

/** The text before a `#` that is outside a string. */
function stripComment(text: string): string {
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote !== undefined) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#') return text.slice(0, i);
  }
  return text;
}

/** Opening minus closing brackets outside strings. */
function bracketDepth(text: string): number {
  const bare = text.replace(STRING, '""');
  return (bare.match(/\[/g)?.length ?? 0) - (bare.match(/\]/g)?.length ?? 0);
}
