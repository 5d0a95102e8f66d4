import { extname } from 'node:path';
import { isAlias, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { Document, ErrorCode, Node, YAMLError } from 'yaml';
import type { Diagnostic, SourcePosition } from '../core/source-position.js';
import { err, ok, type Result } from '../core/result.js';
import { findJsonSyntaxError } from './json-syntax.js';

/** The syntaxes a graph file may be written in; chosen by the file's extension. */
export type GraphFormat = 'yaml' | 'json';

/** The format for a file name, or undefined when the extension is not one we read. */
export function graphFormat(file: string): GraphFormat | undefined {
  const ext = extname(file).toLowerCase();
  if (ext === '.yaml' || ext === '.yml') return 'yaml';
  if (ext === '.json') return 'json';
  return undefined;
}

/** A path into the parsed data, as zod reports it: mapping keys and list indexes. */
export type DataPath = readonly (string | number)[];

/** Finds where the parts of the parsed data are written in the file. */
export interface GraphSourceMap {
  /** The value at `path`, or the nearest enclosing value that exists. */
  valueAt(path: DataPath): SourcePosition;
  /** The key written for the last segment of `path`; the value when there is no key (list items). */
  keyAt(path: DataPath): SourcePosition;
  /** Where to point when the key at `path` is absent: the enclosing mapping's first key, else its start. */
  missingAt(path: DataPath): SourcePosition;
}

/** A graph file that is syntactically valid: its data (not yet checked) and where each part is. */
export interface ParsedGraphSource {
  readonly format: GraphFormat;
  readonly data: unknown;
  readonly positions: GraphSourceMap;
}

/**
 * Parses a graph file's text. JSON is parsed with the YAML parser too (JSON is YAML), so both
 * formats get positions the same way; JSON is checked for strict syntax first. Syntax errors are
 * reported each at its own position (the first 20, then how many more); nothing is checked
 * against the schema here.
 */
export function parseGraphSource(file: string, source: string, format: GraphFormat): Result<ParsedGraphSource, Diagnostic[]> {
  const at = sourcePositions(file, source);

  if (format === 'json') {
    const problem = findJsonSyntaxError(source);
    if (problem !== undefined) {
      return err([{ position: at(problem.offset, problem.offset + problem.length), message: `invalid JSON: ${problem.message}`, hint: problem.hint }]);
    }
  }

  let doc: Document.Parsed;
  try {
    // logLevel: warnings (e.g. about keys that are lists) would go to stderr; problems are reported as diagnostics.
    doc = parseDocument(source, { prettyErrors: false, uniqueKeys: true, logLevel: 'error' });
  } catch (e) {
    if (!isStackOverflow(e)) throw e;
    return err([{ position: at(0, 0), ...TOO_DEEP }]);
  }
  if (doc.errors.length > 0) {
    // yaml reports running out of stack as a syntax error, at every level it unwinds through: one is enough.
    const tooDeep = doc.errors.find((e) => /call stack/i.test(e.message));
    if (tooDeep !== undefined) return err([{ position: at(tooDeep.pos[0], tooDeep.pos[1]), ...TOO_DEEP }]);
    const shown = doc.errors.slice(0, MAX_SYNTAX_ERRORS).map((e) => syntaxDiagnostic(doc, e, at, format));
    const more = doc.errors[MAX_SYNTAX_ERRORS];
    if (more !== undefined) {
      shown.push({
        position: at(more.pos[0], more.pos[1]),
        message: `${doc.errors.length - MAX_SYNTAX_ERRORS} more syntax errors from here on`,
        hint: 'they often follow from the ones before; fix those first and validate again',
      });
    }
    return err(shown);
  }

  let data: unknown;
  try {
    data = doc.toJS();
  } catch (e) {
    if (isStackOverflow(e)) return err([{ position: at(0, 0), ...TOO_DEEP }]);
    // toJS throws for alias bombs and aliases to nothing; neither is a graph anyone means to write.
    const message = e instanceof Error ? e.message : String(e);
    return err([{ position: at(0, 0), message: `cannot read the YAML document: ${message}` }]);
  }
  return ok({ format, data, positions: sourceMap(doc, at) });
}

/**
 * Syntax errors shown at most: one broken bracket or indent can make the parser report every
 * token after it, tens of thousands of lines that bury the first one, which is the one to fix.
 */
const MAX_SYNTAX_ERRORS = 20;

/** Nesting so deep that the parser runs out of stack; a graph needs a handful of levels. */
const TOO_DEEP = {
  message: 'the file is nested too deeply to read',
  hint: 'a graph file needs only a few levels of nesting; check for brackets or indentation that never close',
} as const;

function isStackOverflow(e: unknown): boolean {
  return e instanceof RangeError && /call stack/i.test(e.message);
}

/** Hints for the syntax errors people make most; yaml's own message says what, these say what to do. */
const SYNTAX_HINTS: Readonly<Partial<Record<ErrorCode, string>>> = {
  TAB_AS_INDENT: 'indent with spaces; YAML does not allow tabs for indentation',
  BAD_INDENT: 'check the indentation, and that every "[" and "{" is closed',
  MISSING_CHAR: 'close every quote, "[" and "{" that is opened',
  BAD_SCALAR_START: 'put the value in quotes',
  MULTIPLE_DOCS: 'a graph file is one document; remove the second "---" and what follows it',
};

function syntaxDiagnostic(doc: Document.Parsed, error: YAMLError, at: (start: number, end: number) => SourcePosition, format: GraphFormat): Diagnostic {
  const [start, end] = error.pos;
  if (error.code === 'DUPLICATE_KEY') {
    const dup = findDuplicateKey(doc.contents, start);
    if (dup !== undefined) {
      const first = at(dup.first[0], dup.first[1]);
      return {
        position: at(dup.second[0], dup.second[1]),
        message: `duplicate key ${JSON.stringify(dup.key)}`,
        hint: `the first ${JSON.stringify(dup.key)} is at ${first.line}:${first.column}; a key may appear only once in a mapping`,
      };
    }
  }
  // yaml's own wording for this one tells programmers which API to call instead.
  const what = error.code === 'MULTIPLE_DOCS' ? 'the file holds more than one document' : shorten(lowerFirst(error.message));
  const message = `${format === 'json' ? 'JSON' : 'YAML'} syntax error: ${what}`;
  const hint = SYNTAX_HINTS[error.code];
  return hint === undefined ? { position: at(start, end), message } : { position: at(start, end), message, hint };
}

type Range = readonly [number, number];

/** yaml reports a duplicate key at the second key; find that key and the first one in its mapping. */
function findDuplicateKey(node: unknown, offset: number): { key: string; first: Range; second: Range } | undefined {
  if (isMap(node)) {
    const seen = new Map<string, Range>();
    for (const pair of node.items) {
      const key = pair.key;
      if (isScalar(key) && key.range) {
        const name = String(key.value);
        const first = seen.get(name);
        if (first !== undefined && key.range[0] === offset) return { key: name, first, second: [key.range[0], key.range[1]] };
        if (first === undefined) seen.set(name, [key.range[0], key.range[1]]);
      }
      const inner = findDuplicateKey(pair.value, offset);
      if (inner !== undefined) return inner;
    }
  } else if (isSeq(node)) {
    for (const item of node.items) {
      const inner = findDuplicateKey(item, offset);
      if (inner !== undefined) return inner;
    }
  }
  return undefined;
}

function sourceMap(doc: Document.Parsed, at: (start: number, end: number) => SourcePosition): GraphSourceMap {
  const ofNode = (node: Node | undefined): SourcePosition => (node?.range ? at(node.range[0], node.range[1]) : at(0, 0));

  /**
   * Follows `path` through the document. `value` is set when the whole path exists, `key` when the
   * last segment is a mapping key that is written down, `deepest` is the last node reached.
   */
  const walk = (path: DataPath): { value: Node | undefined; key: Node | undefined; deepest: Node | undefined } => {
    let node: Node | undefined = resolved(doc.contents);
    let key: Node | undefined;
    for (const segment of path) {
      key = undefined;
      let next: unknown;
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
        if (pair === undefined) return { value: undefined, key: undefined, deepest: node };
        key = isScalar(pair.key) ? pair.key : undefined;
        next = pair.value;
      } else if (isSeq(node) && typeof segment === 'number') {
        next = node.items[segment];
      } else {
        return { value: undefined, key: undefined, deepest: node };
      }
      const child = resolved(next);
      if (child === undefined) return { value: undefined, key, deepest: node };
      node = child;
    }
    return { value: node, key, deepest: node };
  };
  function resolved(node: unknown): Node | undefined {
    const target = isAlias(node) ? node.resolve(doc) : node;
    return isMap(target) || isSeq(target) || isScalar(target) ? target : undefined;
  }
  /** A mapping's first key, which is where a block mapping visibly begins. */
  const startOf = (node: Node | undefined): SourcePosition => {
    const first = isMap(node) ? node.items[0]?.key : undefined;
    return isScalar(first) ? ofNode(first) : ofNode(node);
  };
  const isEmpty = (node: Node | undefined): boolean => (node?.range ? node.range[0] === node.range[1] : false);

  return {
    valueAt(path) {
      const { value, key, deepest } = walk(path);
      // An empty value (`role:` and nothing after it) has no characters to underline; its key does.
      if (key !== undefined && (value === undefined || isEmpty(value))) return ofNode(key);
      return ofNode(value ?? deepest);
    },
    keyAt(path) {
      const { value, key, deepest } = walk(path);
      return ofNode(key ?? value ?? deepest);
    },
    missingAt(path) {
      const { value, deepest } = walk(path.slice(0, -1));
      return startOf(value ?? deepest);
    },
  };
}

/**
 * Turns 0-based ranges of `source` into 1-based positions; the length stops at the end of the
 * first line. Lines are counted here, by "\n", not by the YAML parser's line counter: that one
 * misses line breaks inside tokens it cannot make sense of, and then later positions drift off
 * their lines.
 */
function sourcePositions(file: string, source: string): (start: number, end: number) => SourcePosition {
  const lineStarts = [0];
  for (let i = source.indexOf('\n'); i !== -1; i = source.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  return (start, end) => {
    const offset = Math.max(0, Math.min(start, source.length));
    let low = 0;
    let high = lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (lineStarts[mid]! <= offset) low = mid;
      else high = mid - 1;
    }
    const length = Math.max(1, Math.min(end, lineEnd(source, offset)) - offset);
    return { file, line: low + 1, column: offset - lineStarts[low]! + 1, length };
  };
}

function lineEnd(source: string, offset: number): number {
  const nl = source.indexOf('\n', offset);
  const end = nl === -1 ? source.length : nl;
  return end > offset && source[end - 1] === '\r' ? end - 1 : end;
}

/** yaml quotes the source it could not read in its messages; a long stretch of it helps nobody. */
function shorten(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

function lowerFirst(text: string): string {
  return text.length > 1 && /^[A-Z][a-z]/.test(text) ? text[0]!.toLowerCase() + text.slice(1) : text;
}
