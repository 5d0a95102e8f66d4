import { err, ok, type Result } from '../core/result.js';

/**
 * Markdown checklists (`tasks/tasks-*.md`) and the items tasks link to.
 *
 * A task links an item with `checklist: <file>#<key>`, the file relative to the project root. An
 * item is a list line with a box: `- [ ] text` (also `*`, `+`, `1.`, `1)`; `[x]` or `[X]` when
 * ticked), outside fenced code blocks. The key matches the item whose text starts with exactly
 * the key (case-sensitive) followed by `:`, whitespace, or the end of the line. Exactly one item
 * must match.
 *
 * A decision rewrites only that line: the box, and a note after the item's own text,
 *
 *   - [x] add-shout: Add shout(name) — approved by ada, evidence: .runs/<run-id>/manifest.json
 *   - [ ] add-shout: Add shout(name) — rejected by ada, evidence: .runs/<run-id>/manifest.json, reason: no tests
 *
 * replacing an earlier note of the same form. Every other byte of the file stays as it was
 * (line endings, the last line's newline or its absence).
 */

export interface ChecklistRef {
  /** As written: relative to the project root, `/` separated. */
  readonly file: string;
  readonly key: string;
}

/** `path/to/list.md#key` → its parts, or why it is not a usable reference. */
export function parseChecklistRef(raw: string): Result<ChecklistRef, string> {
  const hash = raw.indexOf('#');
  if (hash < 0) return err('it has no "#<item>" part');
  const file = raw.slice(0, hash);
  const key = raw.slice(hash + 1);
  if (file === '') return err('it names no file before "#"');
  if (key.trim() === '') return err('it names no item after "#"');
  if (file.startsWith('/') || /^[A-Za-z]:/.test(file)) return err('the file must be relative to the project root');
  if (file.split(/[\\/]/).includes('..')) return err('the file must be inside the project');
  return ok({ file, key });
}

/** A checklist item. */
export interface ChecklistItem {
  /** 1-based. */
  readonly line: number;
  readonly ticked: boolean;
  /** The item's own text: after the box, without a decision note. */
  readonly text: string;
  readonly note: DecisionNote | undefined;
}

/** The note a decision leaves on an item. */
export interface DecisionNote {
  /** `withdrawn`: the orchestrator took an approval back because the work it approved changed since. */
  readonly decision: 'approved' | 'rejected' | 'withdrawn';
  readonly reviewer: string;
  /** The run's manifest, relative to the project root. */
  readonly evidence: string;
  readonly reason: string | undefined;
}

const ITEM = /^(\s*(?:[-*+]|\d{1,9}[.)])[ \t]+)\[([ xX])\](?:([ \t]+)(.*))?$/;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const NOTE = / — (approved|rejected|withdrawn) by (.+?), evidence: (\S+)(?:, reason: (.*))?$/;

/** One line of a file, split from its ending, so a file can be put back together byte for byte. */
interface Line {
  readonly content: string;
  readonly ending: string;
}

function splitLines(source: string): Line[] {
  if (source === '') return [];
  return source.split(/(?<=\n)/).map((raw) => {
    const ending = raw.endsWith('\r\n') ? '\r\n' : raw.endsWith('\n') ? '\n' : '';
    return { content: raw.slice(0, raw.length - ending.length), ending };
  });
}

/** Every item of a checklist, in file order. */
export function checklistItems(source: string): ChecklistItem[] {
  const items: ChecklistItem[] = [];
  let fence: string | undefined;
  splitLines(source).forEach(({ content }, i) => {
    const f = FENCE.exec(content);
    if (f) {
      const mark = f[1] as string;
      if (fence === undefined) fence = mark;
      else if (mark[0] === fence[0] && mark.length >= fence.length) fence = undefined;
      return;
    }
    if (fence !== undefined) return;
    const m = ITEM.exec(content);
    if (!m) return;
    const { text, note } = splitNote(m[4] ?? '');
    items.push({ line: i + 1, ticked: m[2] !== ' ', text, note });
  });
  return items;
}

function splitNote(full: string): { text: string; note: DecisionNote | undefined } {
  const m = NOTE.exec(full);
  if (!m || m.index === undefined) return { text: full.trimEnd(), note: undefined };
  return {
    text: full.slice(0, m.index).trimEnd(),
    note: { decision: m[1] as DecisionNote['decision'], reviewer: m[2] as string, evidence: m[3] as string, reason: m[4] },
  };
}

/** Whether `key` names the item with this text (see the rule above). */
export function keyMatches(text: string, key: string): boolean {
  if (!text.startsWith(key)) return false;
  const next = text[key.length];
  return next === undefined || next === ':' || /\s/.test(next);
}

export type FindFailure =
  /** No item matches; `candidates` are items that look close (or all items, up to 10). */
  | { readonly reason: 'item-missing'; readonly candidates: readonly ChecklistItem[] }
  /** More than one item matches. */
  | { readonly reason: 'item-ambiguous'; readonly matches: readonly ChecklistItem[] };

export function findItem(source: string, key: string): Result<ChecklistItem, FindFailure> {
  const items = checklistItems(source);
  const matches = items.filter((item) => keyMatches(item.text, key));
  if (matches.length === 1) return ok(matches[0] as ChecklistItem);
  if (matches.length > 1) return err({ reason: 'item-ambiguous', matches });
  const lower = key.toLowerCase();
  const close = items.filter((item) => item.text.toLowerCase().includes(lower));
  return err({ reason: 'item-missing', candidates: (close.length > 0 ? close : items).slice(0, 10) });
}

/** The note a decision writes, without the leading ` — `. Line breaks in a reason become spaces. */
export function formatNote(note: DecisionNote): string {
  const base = `${note.decision} by ${oneLine(note.reviewer)}, evidence: ${note.evidence}`;
  return note.decision === 'approved' ? base : `${base}, reason: ${oneLine(note.reason ?? '')}`;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * The checklist with the item at `line` ticked (approved) or unticked (rejected, withdrawn) and its note
 * set; every other byte unchanged. Returns the same string when the line already says so.
 */
export function applyDecision(source: string, line: number, note: DecisionNote): string {
  const lines = splitLines(source);
  const target = lines[line - 1];
  const m = target ? ITEM.exec(target.content) : null;
  if (!target || !m) throw new Error(`Internal error: line ${line} is not a checklist item`);
  const { text } = splitNote(m[4] ?? '');
  const box = note.decision === 'approved' ? (m[2] === 'X' ? 'X' : 'x') : ' ';
  const content = `${m[1]}[${box}]${m[3] ?? ' '}${text} — ${formatNote(note)}`;
  lines[line - 1] = { content, ending: target.ending };
  return lines.map((l) => l.content + l.ending).join('');
}
