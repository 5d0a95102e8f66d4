import { applyRedactions } from './redaction.js';
import type { Redactor } from './redactor.js';

/**
 * Redacts a stream that arrives in chunks cut anywhere, e.g. a command's output: a secret split
 * across two chunks is still found. The last `holdBack` characters (the longest secret form less
 * one, or the pattern window) are kept back until more text shows whether they start a secret,
 * and released by `end()`. The released pieces, joined, are the redacted stream.
 *
 * To stay linear in the stream's length whatever the chunk sizes, text is released in batches:
 * once at least `holdBack` characters beyond the held-back tail have arrived.
 */
export class StreamRedactor {
  private buffer = '';
  private ended = false;

  constructor(private readonly redactor: Redactor) {}

  /** Takes the next chunk; returns the text that is now final (often empty). */
  push(chunk: string): string {
    if (this.ended) throw new Error('Internal error: StreamRedactor.push after end');
    const keep = this.redactor.holdBack;
    if (keep === 0) return this.redactor.text(chunk);
    this.buffer += chunk;
    if (this.buffer.length < 2 * keep) return '';
    const text = this.buffer;
    const found = this.redactor.find(text);
    let cut = text.length - keep;
    const straddling = found.find((r) => r.start < cut && r.end > cut);
    // Every secret that starts before the cut ends inside the buffer, so it can be released whole.
    if (straddling) cut = straddling.end;
    // Keep a surrogate pair together (unless a redaction ends right there).
    else if (isHighSurrogate(text.charCodeAt(cut - 1)) && !found.some((r) => r.end === cut)) cut -= 1;
    this.buffer = text.slice(cut);
    return applyRedactions(text, found, cut);
  }

  /** Releases what is held back; the stream is over. */
  end(): string {
    this.ended = true;
    const rest = this.buffer;
    this.buffer = '';
    return this.redactor.text(rest);
  }

  /** How many characters are held back now. */
  get pending(): number {
    return this.buffer.length;
  }
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
