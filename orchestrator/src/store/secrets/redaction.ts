/** A stretch of text to replace, [start, end), and what it becomes. */
export interface Redaction {
  readonly start: number;
  readonly end: number;
  readonly name: string;
}

/** What a secret becomes. */
export function redactionOf(name: string): string {
  return `[REDACTED:${name}]`;
}

/** `text[0, upTo)` with the redactions that lie inside it replaced (`redactions` sorted, disjoint). */
export function applyRedactions(text: string, redactions: readonly Redaction[], upTo: number): string {
  if (redactions.length === 0) return upTo === text.length ? text : text.slice(0, upTo);
  const parts: string[] = [];
  let at = 0;
  for (const r of redactions) {
    if (r.end > upTo) break;
    parts.push(text.slice(at, r.start), redactionOf(r.name));
    at = r.end;
  }
  parts.push(text.slice(at, upTo));
  return parts.join('');
}
