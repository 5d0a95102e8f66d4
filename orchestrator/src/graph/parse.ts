import { extname } from 'node:path';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
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
 * formats get positions the same way; JSON is checked for strict syntax first. Every syntax error
 * is reported, each at its own position; nothing is checked against the schema here.
 */
export function parseGraphSource(file: string, source: string, format: GraphFormat): Result<ParsedGraphSource, Diagnostic[]> {
  const lines = new LineCounter();
  const at = (start: number, end: number): SourcePosition => positionOf(file, source, lines, start, end);

  if (format === 'json') {
    const problem = findJsonSyntaxError(source);
    if (problem !== undefined) {
      // The line counter is only filled while parsing, so count lines for this one position by hand.
      const before = source.slice(0, problem.offset).split('\n');
      const line = before.length;
      const column = before[line - 1]!.length + 1;
      const length = Math.max(1, Math.min(problem.length, lineEnd(source, problem.offset) - problem.offset));
      return err([{ position: { file, line, column, length }, message: `invalid JSON: ${problem.message}`, hint: problem.hint }]);
    }
  }

  const doc = parseDocument(source, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return err(doc.errors.map((e) => syntaxDiagnostic(doc, e, at, format)));
  }

  let data: unknown;
  try {
    data = doc.toJS();
  } catch (e) {
    // toJS throws for alias bombs and aliases to nothing; neither is a graph anyone means to write.
    const message = e instanceof Error ? e.message : String(e);
    return err([{ position: at(0, 0), message: `cannot read the YAML document: ${message}` }]);
  }
  return ok({ format, data, positions: sourceMap(doc, at) });
}

/** Hints for the syntax errors people make most; yaml's own message says what, these say what to do. */
const SYNTAX_HINTS: Readonly<Partial<Record<ErrorCode, string>>> = {
  TAB_AS_INDENT: 'indent with spaces; YAML does not allow tabs for indentation',
  BAD_INDENT: 'check the indentation, and that every "[" and "{" is closed',
  MISSING_CHAR: 'close every quote, "[" and "{" that is opened',
  BAD_SCALAR_START: 'put the value in quotes',
  MULTIPLE_DOCS: 'a graph file is one document; remove the second "---" and what follows it',
};

function syntaxDiagnostic(
  doc: Document.Parsed,
  error: YAMLError,
  at: (start: number, end: number) => SourcePosition,
  format: GraphFormat,
): Diagnostic {
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
  const what = error.code === 'MULTIPLE_DOCS' ? 'the file holds more than one document' : lowerFirst(error.message);
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

/** A 1-based position for a 0-based range; the length stops at the end of the first line. */
function positionOf(file: string, source: string, lines: LineCounter, start: number, end: number): SourcePosition {
  const { line, col } = lines.linePos(start);
  const length = Math.max(1, Math.min(end, lineEnd(source, start)) - start);
  return { file, line, column: col, length };
}

function lineEnd(source: string, offset: number): number {
  const nl = source.indexOf('\n', offset);
  const end = nl === -1 ? source.length : nl;
  return end > offset && source[end - 1] === '\r' ? end - 1 : end;
}

function lowerFirst(text: string): string {
  return text.length > 1 && /^[A-Z][a-z]/.test(text) ? text[0]!.toLowerCase() + text.slice(1) : text;
}
