/**
 * Where keys and values are in a TOML file that already parsed, for messages about what the
 * schema refuses there: the TOML parser gives positions of syntax errors only. This reads the
 * shape manifests have (top-level keys, `[table]` and `[[array-of-tables]]` headers, `key = value`
 * lines whose arrays may span lines); a path it cannot follow further (an inline table, a dotted
 * key) resolves to the nearest place it can, so every message still points into the file.
 */

/** A place in the text: 1-based line and column and how many characters to mark. */
export interface TextSpan {
  readonly line: number;
  readonly column: number;
  readonly length: number;
}

/** A path into the parsed data, as zod reports it: keys and list indexes. */
export type DataPath = readonly (string | number)[];

interface Span {
  readonly start: number;
  readonly end: number;
}

interface Entry {
  readonly key: string;
  readonly keySpan: Span;
  readonly valueSpan: Span;
  /** The top-level elements of an array value. */
  readonly elements: readonly Span[];
}

interface Table {
  /** `connectors` for `[[connectors]]`; '' for the top of the file. */
  readonly name: string;
  readonly array: boolean;
  readonly span: Span;
  readonly entries: Entry[];
}

export interface TomlPositions {
  /** The key at `path` (a table's header for a table in an array of tables). */
  keyAt(path: DataPath): TextSpan;
  /** The value at `path`. */
  valueAt(path: DataPath): TextSpan;
  /** Where a key missing from the mapping at `path` belongs: the mapping's header, or the file's start. */
  missingAt(path: DataPath): TextSpan;
}

export function tomlPositions(source: string): TomlPositions {
  const tables = scan(source);
  const lineStarts = [0];
  for (let i = 0; i < source.length; i++) if (source[i] === '\n') lineStarts.push(i + 1);
  const toText = (span: Span): TextSpan => {
    let line = 0;
    while (line + 1 < lineStarts.length && lineStarts[line + 1]! <= span.start) line++;
    const lineEnd = source.indexOf('\n', span.start);
    const end = Math.min(span.end, lineEnd === -1 ? source.length : lineEnd);
    return { line: line + 1, column: span.start - lineStarts[line]! + 1, length: Math.max(1, end - span.start) };
  };
  const top = tables[0]!;
  const start: Span = { start: 0, end: 1 };

  /** The table that holds `path`'s mapping, and the rest of the path inside it. */
  const container = (path: DataPath): { table: Table | undefined; rest: DataPath } => {
    const [first, second] = path;
    if (typeof first === 'string' && typeof second === 'number') {
      const table = tables.filter((t) => t.array && t.name === first)[second];
      if (table !== undefined) return { table, rest: path.slice(2) };
    }
    if (typeof first === 'string') {
      const table = tables.find((t) => !t.array && t.name === first);
      if (table !== undefined) return { table, rest: path.slice(1) };
    }
    return { table: top, rest: path };
  };

  const find = (path: DataPath, want: 'key' | 'value'): Span => {
    const { table, rest } = container(path);
    if (table === undefined) return start;
    const [key, ...inside] = rest;
    if (key === undefined) return table === top ? start : table.span;
    const entry = table.entries.find((e) => e.key === key);
    if (entry === undefined) {
      // A list of tables named at the top (`[[connectors]]`) is "the key" of that list.
      const header = typeof key === 'string' && table === top ? tables.find((t) => t.name === key) : undefined;
      return header?.span ?? (table === top ? start : table.span);
    }
    const index = inside[0];
    if (typeof index === 'number' && entry.elements[index] !== undefined) return entry.elements[index];
    if (inside.length > 0) return entry.valueSpan;
    return want === 'key' ? entry.keySpan : entry.valueSpan;
  };

  return {
    keyAt: (path) => toText(find(path, 'key')),
    valueAt: (path) => toText(find(path, 'value')),
    missingAt: (path) => {
      const { table, rest } = container(path);
      if (table === undefined || table === top || rest.length > 0) return toText(rest.length > 0 ? find(path, 'value') : start);
      return toText(table.span);
    },
  };
}

/** One pass over the text: headers, `key = value` lines, and the elements of array values. */
function scan(source: string): Table[] {
  const top: Table = { name: '', array: false, span: { start: 0, end: 0 }, entries: [] };
  const tables: Table[] = [top];
  let current = top;
  let i = 0;
  const n = source.length;
  const skipBlank = (): void => {
    while (i < n && (source[i] === ' ' || source[i] === '\t')) i++;
  };
  const skipLine = (): void => {
    while (i < n && source[i] !== '\n') i++;
    i++;
  };
  while (i < n) {
    skipBlank();
    const c = source[i];
    if (c === undefined) break;
    if (c === '\n' || c === '\r' || c === '#') {
      skipLine();
      continue;
    }
    if (c === '[') {
      const array = source[i + 1] === '[';
      const from = i;
      const close = source.indexOf(array ? ']]' : ']', i);
      const to = close === -1 ? n : close + (array ? 2 : 1);
      const name = unquoteDotted(source.slice(from + (array ? 2 : 1), to - (array ? 2 : 1)));
      current = { name, array, span: { start: from, end: to }, entries: [] };
      tables.push(current);
      i = to;
      skipLine();
      continue;
    }
    const keyStart = i;
    const eq = keyEnd(source, i);
    if (eq === -1) {
      skipLine();
      continue;
    }
    const keyText = source.slice(keyStart, eq).trimEnd();
    i = eq + 1;
    skipBlank();
    const value = readValue(source, i);
    current.entries.push({ key: unquoteDotted(keyText), keySpan: { start: keyStart, end: keyStart + keyText.length }, valueSpan: { start: i, end: value.end }, elements: value.elements });
    i = value.end;
    skipLine();
  }
  return tables;
}

/** The offset of the `=` after the key at `i`, skipping quoted parts; -1 when the line has none. */
function keyEnd(source: string, i: number): number {
  for (let j = i; j < source.length; j++) {
    const c = source[j];
    if (c === '\n') return -1;
    if (c === '=') return j;
    if (c === '"' || c === "'") j = stringEnd(source, j) - 1;
  }
  return -1;
}

/** Reads a value from `i` to its end (on this line, or where its brackets close), with an array's top-level elements. */
function readValue(source: string, i: number): { end: number; elements: Span[] } {
  const elements: Span[] = [];
  const isArray = source[i] === '[';
  let depth = 0;
  let j = i;
  let elementStart = -1;
  let lastEnd = -1;
  const closeElement = (): void => {
    if (elementStart !== -1) elements.push({ start: elementStart, end: lastEnd });
    elementStart = -1;
  };
  while (j < source.length) {
    const c = source[j]!;
    if (depth === 0 && (c === '\n' || c === '#') && j > i) break;
    if (c === '#') {
      while (j < source.length && source[j] !== '\n') j++;
      continue;
    }
    if (c === '"' || c === "'") {
      const end = stringEnd(source, j);
      if (isArray && depth === 1 && elementStart === -1) elementStart = j;
      lastEnd = end;
      j = end;
      continue;
    }
    if (c === '[' || c === '{') {
      if (isArray && depth === 1 && elementStart === -1) elementStart = j;
      depth++;
      j++;
      lastEnd = j;
      continue;
    }
    if (c === ']' || c === '}') {
      depth--;
      if (isArray && depth === 0) {
        closeElement();
        j++;
        break;
      }
      j++;
      lastEnd = j;
      continue;
    }
    if (isArray && depth === 1 && c === ',') {
      closeElement();
      j++;
      continue;
    }
    if (c !== ' ' && c !== '\t' && c !== '\n' && c !== '\r') {
      if (isArray && depth === 1 && elementStart === -1) elementStart = j;
      lastEnd = j + 1;
    }
    j++;
  }
  let end = j;
  if (!isArray) while (end > i && /\s/.test(source[end - 1]!)) end--;
  return { end, elements };
}

/** The offset just after the string starting at `i` (basic, literal, or their multi-line forms). */
function stringEnd(source: string, i: number): number {
  const quote = source[i]!;
  const triple = source.startsWith(quote.repeat(3), i);
  const close = triple ? quote.repeat(3) : quote;
  let j = i + close.length;
  while (j < source.length) {
    if (quote === '"' && source[j] === '\\') {
      j += 2;
      continue;
    }
    if (!triple && source[j] === '\n') return j;
    if (source.startsWith(close, j)) {
      j += close.length;
      // A multi-line string may end in up to two more quotes of its own.
      while (triple && source[j] === quote) j++;
      return j;
    }
    j++;
  }
  return j;
}

/** `"a b".c` → `a b.c`: the parts of a key or header name without their quotes. */
function unquoteDotted(text: string): string {
  return [...text.trim().matchAll(/"((?:[^"\\]|\\.)*)"|'([^']*)'|([^.\s]+)/g)].map((m) => m[1] ?? m[2] ?? m[3] ?? '').join('.');
}
