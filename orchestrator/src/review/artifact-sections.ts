/**
 * Whether a markdown artifact has the sections a gate requires, each filled in. Pure: the text
 * in, what is wrong out.
 *
 * A section is present when a heading (ATX, `#` to `######`, outside fenced code and HTML
 * comments) has its name as text: trimmed, runs of spaces as one, case-insensitive. Its body runs
 * to the next heading of any level. It is still a placeholder when its body, HTML comments
 * removed, is blank or holds `<fill:` (the marker the templates leave for the author).
 */

export interface SectionProblems {
  /** Required sections no heading names, in the order required. */
  readonly missing: readonly string[];
  /** Required sections not filled in: the `<fill:` marker's line, else the heading's (1-based). */
  readonly placeholders: readonly { readonly section: string; readonly line: number }[];
}

/** The marker templates leave where the author is to write. */
export const FILL_MARKER = '<fill:';

export function sectionProblems(markdown: string, required: readonly string[]): SectionProblems {
  const lines = withoutComments(markdown).split(/\r?\n/);
  const found = headings(lines);
  const missing: string[] = [];
  const placeholders: { section: string; line: number }[] = [];
  for (const section of required) {
    const i = found.findIndex((h) => h.key === key(section));
    const heading = found[i];
    if (heading === undefined) {
      missing.push(section);
      continue;
    }
    const end = found[i + 1]?.line ?? lines.length + 1;
    // Lines are 1-based: the body is the heading's next line up to the line before the next heading.
    const body = lines.slice(heading.line, end - 1);
    const marker = body.findIndex((l) => l.includes(FILL_MARKER));
    if (marker >= 0) placeholders.push({ section, line: heading.line + 1 + marker });
    else if (body.join('\n').trim() === '') placeholders.push({ section, line: heading.line });
  }
  return { missing, placeholders };
}

/**
 * The lines of a section's body (the heading found as `sectionProblems` finds it, HTML comments
 * blanked), or undefined when no heading names it.
 */
export function sectionBody(markdown: string, section: string): string[] | undefined {
  const lines = withoutComments(markdown).split(/\r?\n/);
  const found = headings(lines);
  const i = found.findIndex((h) => h.key === key(section));
  const heading = found[i];
  if (heading === undefined) return undefined;
  return lines.slice(heading.line, (found[i + 1]?.line ?? lines.length + 1) - 1);
}

/**
 * The numbered items of a plan's section, one step per line (`1. Title: what is changed`, also
 * `1)`), in order, trimmed; lines inside fenced code are not items. Undefined when no heading names
 * the section. What a fan-out makes its steps of.
 */
export function numberedItems(markdown: string, section: string): string[] | undefined {
  const body = sectionBody(markdown, section);
  if (body === undefined) return undefined;
  const out: string[] = [];
  let fence: string | undefined;
  for (const line of body) {
    const f = FENCE.exec(line)?.[1];
    if (fence !== undefined) {
      if (f !== undefined && f[0] === fence[0] && f.length >= fence.length) fence = undefined;
      continue;
    }
    if (f !== undefined) {
      fence = f;
      continue;
    }
    if (/^ {0,3}\d{1,9}[.)][ \t]+\S/.test(line)) out.push(line.trim());
  }
  return out;
}

/** Whether nothing is missing and nothing is left to fill in. */
export function isComplete(p: SectionProblems): boolean {
  return p.missing.length === 0 && p.placeholders.length === 0;
}

/** How headings and required names are compared. */
function key(text: string): string {
  return text.trim().replace(/\s+/g, ' ').toLowerCase();
}

/** HTML comments blanked out, their line breaks kept so lines keep their numbers (an unclosed one runs to the end, as in CommonMark). */
function withoutComments(text: string): string {
  return text.replace(/<!--[\s\S]*?(?:-->|$)/g, (comment) => comment.replace(/[^\r\n]/g, ''));
}

interface Heading {
  readonly key: string;
  /** 1-based. */
  readonly line: number;
}

const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const ATX = /^ {0,3}#{1,6}(?:[ \t]+(.*?))?[ \t]*$/;

function headings(lines: readonly string[]): Heading[] {
  const out: Heading[] = [];
  let fence: string | undefined;
  for (const [i, line] of lines.entries()) {
    const f = FENCE.exec(line);
    if (fence !== undefined) {
      // Closed by a run of the same character, at least as long, and nothing after it.
      if (f?.[1] !== undefined && f[1][0] === fence[0] && f[1].length >= fence.length && line.trim() === f[1]) fence = undefined;
      continue;
    }
    // A backtick fence's info string has no backtick; otherwise the line is not a fence.
    if (f?.[1] !== undefined && !(f[1][0] === '`' && line.slice(line.indexOf(f[1]) + f[1].length).includes('`'))) {
      fence = f[1];
      continue;
    }
    const h = ATX.exec(line);
    if (h) out.push({ key: key((h[1] ?? '').replace(/(?:^|[ \t]+)#+$/, '')), line: i + 1 });
  }
  return out;
}
