import { base64Runs, BUILTIN_DETECTORS, decodedRun } from './detectors.js';
import { secretForms } from './forms.js';
import { applyRedactions, redactionOf, type Redaction } from './redaction.js';
import type { SecretPattern, SecretSources } from './sources.js';
import { StreamRedactor } from './stream.js';

/**
 * Replaces secrets with `[REDACTED:<name>]` in whatever a run writes: whole texts (`text`),
 * JSON-like values (`json`, every string and key), and streams cut anywhere (`stream`). Known
 * values are found in every form `secretForms` lists. Patterns (the built-in token formats of
 * `detectors.ts`, which every run's redactor has, and the graph's `settings.secrets`) are found
 * in the text itself and inside base64: every base64 run long enough to hold a token is decoded
 * (from each of its first four characters) and, when a pattern matches there, replaced whole.
 *
 * `Redactor.none` returns its input untouched (tests, and values redacted already).
 */

/**
 * A pattern match is found whole in a stream when it is at most this long (a PEM private key
 * block is some 3 KB): the stream holds back this many characters, since a match near the end
 * may still grow.
 */
export const PATTERN_WINDOW = 4096;

/** How many redactions of JSON strings a redactor remembers, and how long such a string may be. */
const REMEMBERED = 50_000;
const REMEMBERED_LENGTH = 2048;

export class Redactor {
  /** Redacts nothing. */
  static readonly none = new Redactor(new Map(), []);

  /** Redacts the built-in token formats only: for writers that have no run's redactor. */
  static readonly builtin = new Redactor(new Map(), BUILTIN_DETECTORS);

  private readonly literalRe: RegExp | undefined;
  /** The longest stretch at the end of a stream that may be the beginning of an unfinished secret. */
  readonly holdBack: number;
  private bytesVariant: Redactor | undefined;

  private constructor(
    /** Every form of every known value → the name it is redacted as. */
    private readonly literals: ReadonlyMap<string, string>,
    private readonly patterns: readonly SecretPattern[],
  ) {
    const forms = [...literals.keys()].sort((a, b) => b.length - a.length);
    // Longest first, so a value that contains another is replaced whole.
    this.literalRe = forms.length > 0 ? new RegExp(forms.map(escapeRegExp).join('|'), 'g') : undefined;
    const longest = forms[0]?.length ?? 0;
    this.holdBack = Math.max(longest - 1, patterns.length > 0 ? PATTERN_WINDOW : 0, 0);
  }

  static from(sources: SecretSources): Redactor {
    const literals = new Map<string, string>();
    for (const { name, value } of sources.values) {
      for (const form of secretForms(value)) if (!literals.has(form)) literals.set(form, name);
    }
    if (literals.size === 0 && sources.patterns.length === 0) return Redactor.builtin;
    return new Redactor(literals, [...BUILTIN_DETECTORS, ...sources.patterns]);
  }

  /** True when there is nothing to redact. */
  get empty(): boolean {
    return this.literalRe === undefined && this.patterns.length === 0;
  }

  /**
   * The same secrets for text that holds raw bytes one per character (`latin1`), e.g. process
   * output: bytes stay exactly as they were except where a secret is replaced, and a chunk may
   * end in the middle of a UTF-8 character.
   */
  bytes(): Redactor {
    if (this.empty) return this;
    this.bytesVariant ??= new Redactor(new Map([...this.literals].map(([form, name]) => [Buffer.from(form, 'utf8').toString('latin1'), name])), this.patterns);
    return this.bytesVariant;
  }

  /** Redacts one whole text. */
  text(text: string): string {
    if (this.empty || text.length === 0) return text;
    if (this.patterns.length === 0) return text.replace(this.literalRe as RegExp, (m) => redactionOf(this.literals.get(m) ?? 'secret'));
    return applyRedactions(text, this.find(text), text.length);
  }

  /**
   * A copy of a JSON-like value with every string (and object key) redacted. The strings of a
   * run's manifest come back write after write, so their redactions are remembered (short ones,
   * up to `REMEMBERED` of them; redaction depends on the text alone).
   */
  json<T>(value: T): T {
    if (this.empty) return value;
    const walk = (v: unknown): unknown => {
      if (typeof v === 'string') return this.remembered(v);
      if (Array.isArray(v)) return v.map(walk);
      if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [this.remembered(k), walk(x)]));
      }
      return v;
    };
    return walk(value) as T;
  }

  private readonly memo = new Map<string, string>();

  private remembered(text: string): string {
    if (text.length > REMEMBERED_LENGTH) return this.text(text);
    let out = this.memo.get(text);
    if (out === undefined) {
      out = this.text(text);
      if (this.memo.size >= REMEMBERED) this.memo.clear();
      this.memo.set(text, out);
    }
    return out;
  }

  /** A redactor for one stream of text cut into chunks anywhere (see `StreamRedactor`). */
  stream(): StreamRedactor {
    return new StreamRedactor(this);
  }

  /** Where the secrets are in `text`: sorted, overlaps merged. */
  find(text: string): Redaction[] {
    const found: Redaction[] = [];
    const scan = (re: RegExp, nameOf: (m: string) => string): void => {
      re.lastIndex = 0;
      for (let m = re.exec(text); m !== null; m = re.exec(text)) {
        if (m[0] === '') {
          re.lastIndex++;
          continue;
        }
        // A pattern may name the part that is secret (`(?<secret>…)`, at its end): only that goes.
        const secret = m.groups?.['secret'];
        const end = m.index + m[0].length;
        found.push({ start: secret === undefined ? m.index : end - secret.length, end, name: nameOf(m[0]) });
      }
    };
    if (this.literalRe) scan(this.literalRe, (m) => this.literals.get(m) ?? 'secret');
    for (const p of this.patterns) scan(p.regex, () => p.name);
    if (this.patterns.length > 0) {
      // A token inside base64 (a tool's encoded output, an encoded config): the whole run goes.
      for (const run of base64Runs(text)) {
        const hit = this.patternIn(decodedRun(text.slice(run.start, run.end)));
        if (hit) found.push({ ...run, name: hit });
      }
    }
    if (this.patterns.length === 0) return found;
    found.sort((a, b) => a.start - b.start || b.end - a.end);
    const merged: Redaction[] = [];
    for (const r of found) {
      const last = merged.at(-1);
      if (last && r.start < last.end) {
        if (r.end > last.end) merged[merged.length - 1] = { ...last, end: r.end };
      } else {
        merged.push(r);
      }
    }
    return merged;
  }

  /** The name of the first pattern that matches one of `texts`. */
  private patternIn(texts: readonly string[]): string | undefined {
    for (const p of this.patterns) {
      for (const t of texts) {
        p.regex.lastIndex = 0;
        const hit = p.regex.test(t);
        p.regex.lastIndex = 0;
        if (hit) return p.name;
      }
    }
    return undefined;
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
}
