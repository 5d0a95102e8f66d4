import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { err, type Result } from '../core/result.js';
import type { Diagnostic } from '../core/source-position.js';
import { analyzeGraph, type FileProbe } from './analyze.js';
import type { AnalyzedGraph } from './analyzed.js';
import { graphFormat, parseGraphSource, type ParsedGraphSource } from './parse.js';
import { graphReferences, type GraphCheck } from './references.js';

/** Why a graph file could not be loaded. `file` is always absolute. */
export type GraphLoadFailure =
  | { readonly reason: 'not-found'; readonly file: string }
  | { readonly reason: 'unreadable'; readonly file: string; readonly message: string }
  | { readonly reason: 'unsupported-extension'; readonly file: string }
  | { readonly reason: 'invalid'; readonly file: string; readonly source: string; readonly diagnostics: readonly Diagnostic[] };

/** The failures that need no file system: the text was there but is not a usable graph. */
export type GraphSourceFailure = Extract<GraphLoadFailure, { reason: 'unsupported-extension' | 'invalid' }>;

/**
 * Reads, parses and analyzes a graph file (`.yaml`, `.yml` or `.json`); with `checks`, also what
 * it refers to outside itself (see `checkGraphSource`).
 */
export async function loadGraph(file: string, checks: readonly GraphCheck[] = []): Promise<Result<AnalyzedGraph, GraphLoadFailure>> {
  const absolute = resolve(file);
  let bytes: Buffer;
  try {
    bytes = await readFile(absolute);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return err({ reason: 'not-found', file: absolute });
    return err({ reason: 'unreadable', file: absolute, message: e instanceof Error ? e.message : String(e) });
  }
  let source: string;
  try {
    // Fatal and BOM-preserving, so the text encodes back to exactly these bytes (the sha256 is of the bytes).
    source = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return err(notUtf8(absolute, bytes));
  }
  return checkGraphSource(absolute, source, diskProbe, checks);
}

/** Looks at the disk: what `loadGraph` uses to check the files a graph names. */
export const diskProbe: FileProbe = {
  isFile: (p) => {
    try {
      return statSync(p).isFile();
    } catch {
      return false;
    }
  },
};

/**
 * A file that is not UTF-8 (another encoding, or not text at all), reported at its first byte
 * that is not: the excerpt shows the text as read, with U+FFFD where bytes could not be read.
 */
function notUtf8(file: string, bytes: Uint8Array): GraphLoadFailure {
  const source = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true }).decode(bytes);
  // Every character before the first U+FFFD that the file does not spell as EF BF BD was read as
  // written, so counting their UTF-8 bytes finds where the first bad byte is, in bytes and in text.
  let offset = 0;
  let index = 0;
  for (const c of source) {
    const cp = c.codePointAt(0)!;
    if (cp === 0xfffd && !(bytes[offset] === 0xef && bytes[offset + 1] === 0xbf && bytes[offset + 2] === 0xbd)) break;
    offset += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    index += c.length;
  }
  const before = source.slice(0, index).split('\n');
  const byte = (bytes[offset] ?? 0).toString(16).toUpperCase().padStart(2, '0');
  return {
    reason: 'invalid',
    file,
    source,
    diagnostics: [
      {
        position: { file, line: before.length, column: before.at(-1)!.length + 1, length: 1 },
        message: `the file is not UTF-8 text: byte 0x${byte} cannot be read here`,
        hint: 'save the file as UTF-8 (graph files are text)',
      },
    ],
  };
}

/**
 * Parses and analyzes a graph file's text without touching the file system; `file` (made
 * absolute) decides the format, names the graph by default and anchors relative paths
 * (`settings.repo`, `instructionsFile`). With `files`, referenced files must exist.
 */
export function analyzeGraphSource(file: string, source: string, files?: FileProbe): Result<AnalyzedGraph, GraphSourceFailure> {
  return analyzeStage(file, source, files).result;
}

/**
 * `analyzeGraphSource`, then `checks` of what the graph refers to outside its file (its
 * repository, its checklists). Their problems are reported with the analyzer's, in one report:
 * the checks run whenever the file parses, also when the analyzer has found problems.
 */
export async function checkGraphSource(file: string, source: string, files: FileProbe | undefined, checks: readonly GraphCheck[]): Promise<Result<AnalyzedGraph, GraphSourceFailure>> {
  const { absolute, parsed, result } = analyzeStage(file, source, files);
  if (parsed === undefined || checks.length === 0) return result;
  const references = graphReferences(absolute, parsed);
  const found = (await Promise.all(checks.map((check) => check(references)))).flat();
  if (found.length === 0) return result;
  const earlier = result.ok || result.error.reason !== 'invalid' ? [] : result.error.diagnostics;
  const diagnostics = [...earlier, ...found].sort((a, b) => a.position.line - b.position.line || a.position.column - b.position.column);
  return err({ reason: 'invalid', file: absolute, source, diagnostics });
}

/** The analyzer's answer, and the parsed file when it parses (what the checks of references read). */
function analyzeStage(file: string, source: string, files: FileProbe | undefined): { absolute: string; parsed: ParsedGraphSource | undefined; result: Result<AnalyzedGraph, GraphSourceFailure> } {
  const absolute = resolve(file);
  const format = graphFormat(absolute);
  if (format === undefined) return { absolute, parsed: undefined, result: err({ reason: 'unsupported-extension', file: absolute }) };
  const parsed = parseGraphSource(absolute, source, format);
  const analyzed = parsed.ok ? analyzeGraph(absolute, source, parsed.value, files) : parsed;
  return {
    absolute,
    parsed: parsed.ok ? parsed.value : undefined,
    result: analyzed.ok ? analyzed : err({ reason: 'invalid', file: absolute, source, diagnostics: analyzed.error }),
  };
}
