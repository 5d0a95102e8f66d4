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
  /** The buffer's length at which to look again (while base64 at its end is held back). */
  private nextScan = 0;

  constructor(private readonly redactor: Redactor) {}

  /** Takes the next chunk; returns the text that is now final (often empty). */
  push(chunk: string): string {
    if (this.ended) throw new Error('Internal error: StreamRedactor.push after end');
    const keep = this.redactor.holdBack;
    if (keep === 0) return this.redactor.text(chunk);
    this.buffer += chunk;
    if (this.buffer.length < 2 * keep) return '';
    if (this.buffer.length < this.nextScan) return '';
    const text = this.buffer;
    const found = this.redactor.find(text);
    let cut = text.length - keep;
    // Base64 that runs to the end may go on in the next chunk, a token encoded in it with it: it is
    // held back whole (up to a bound), since a run is replaced whole or not at all.
    const open = this.redactor.empty ? text.length : openRunStart(text);
    const pendingFrom = text.length - open <= MAX_OPEN_RUN ? open : text.length;
    const straddling = found.find((r) => r.start < Math.min(cut, pendingFrom) && r.end > Math.min(cut, pendingFrom));
    if (pendingFrom < cut) {
      cut = straddling ? straddling.start : pendingFrom;
      // Scan again once the run has grown (doubling keeps the work linear).
      this.nextScan = 2 * text.length;
    }
    // Every secret that starts before the cut ends inside the buffer, so it can be released whole.
    else if (straddling) cut = straddling.end;
    // Keep a surrogate pair together (unless a redaction ends right there).
    else if (isHighSurrogate(text.charCodeAt(cut - 1)) && !found.some((r) => r.end === cut)) cut -= 1;
    this.buffer = text.slice(cut);
    if (pendingFrom >= text.length - keep) this.nextScan = 0;
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

/** Where the base64 characters (and padding) at the end of `text` begin. */
function openRunStart(text: string): number {
  let i = text.length;
  while (i > 0 && text[i - 1] === '=' && text.length - i < 2) i--;
  while (i > 0 && /[A-Za-z0-9+/_-]/.test(text[i - 1] as string)) i--;
  return i;
}

/** Base64 at the end longer than this is released (keeping the usual tail): a stream's memory stays bounded. */
const MAX_OPEN_RUN = 64 * 1024;

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
