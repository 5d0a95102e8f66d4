import { describe, expect, it } from 'vitest';
import { applyDecision, checklistItems, findItem, keyMatches, parseChecklistRef } from '../../src/review/checklist.js';
import { renderDecisionFailure, type DecisionFailure } from '../../src/review/decide.js';

const EVIDENCE = '.runs/2026-11-21T10-04-05Z-7f3a/manifest.json';
const approve = (reviewer = 'ada') => ({ decision: 'approved' as const, reviewer, evidence: EVIDENCE, reason: undefined });
const reject = (reason: string) => ({ decision: 'rejected' as const, reviewer: 'bob', evidence: EVIDENCE, reason });

const LIST = '# Demo\n\n- [ ] add-shout: Add shout(name)\n- [ ] add-farewell: Add farewell(name)\n';

describe('checklist items', () => {
  it('a key matches an item whose text starts with it followed by ":", whitespace or the end (case-sensitive)', () => {
    expect(keyMatches('add-shout: Add shout(name)', 'add-shout')).toBe(true);
    expect(keyMatches('add-shout Add shout(name)', 'add-shout')).toBe(true);
    expect(keyMatches('add-shout\tAdd', 'add-shout')).toBe(true);
    expect(keyMatches('add-shout', 'add-shout')).toBe(true);
    expect(keyMatches('add-shout-2: other', 'add-shout')).toBe(false);
    expect(keyMatches('add-shouting', 'add-shout')).toBe(false);
    expect(keyMatches('Add-shout: x', 'add-shout')).toBe(false);
    expect(keyMatches('see add-shout', 'add-shout')).toBe(false);
  });

  it('reads -, *, + and numbered items, ticked or not, and skips fenced code blocks', () => {
    const source = '- [ ] a: one\n* [x] b\n+ [X] c: three\n1. [ ] d\n2) [ ] e\n```\n- [ ] f: in code\n```\n~~~~\n- [ ] g\n```\n~~~~\n-[ ] h: no space\n- [] i\n  - [ ] j: nested\n';
    expect(checklistItems(source).map((i) => [i.line, i.ticked, i.text])).toEqual([
      [1, false, 'a: one'],
      [2, true, 'b'],
      [3, true, 'c: three'],
      [4, false, 'd'],
      [5, false, 'e'],
      [15, false, 'j: nested'],
    ]);
  });

  it('parses references and says what is wrong with a bad one', () => {
    expect(parseChecklistRef('tasks/tasks-demo.md#add-shout')).toEqual({ ok: true, value: { file: 'tasks/tasks-demo.md', key: 'add-shout' } });
    expect(parseChecklistRef('tasks/tasks-demo.md')).toEqual({ ok: false, error: 'it has no "#<item>" part' });
    expect(parseChecklistRef('#add-shout')).toEqual({ ok: false, error: 'it names no file before "#"' });
    expect(parseChecklistRef('tasks/x.md#')).toEqual({ ok: false, error: 'it names no item after "#"' });
    expect(parseChecklistRef('/etc/x.md#a')).toEqual({ ok: false, error: 'the file must be relative to the project root' });
    expect(parseChecklistRef('../x.md#a')).toEqual({ ok: false, error: 'the file must be inside the project' });
  });
});

describe('applying a decision', () => {
  it('approving ticks exactly one line and appends the evidence; every other byte stays', () => {
    const after = applyDecision(LIST, 3, approve());
    expect(after).toBe(`# Demo\n\n- [x] add-shout: Add shout(name) — approved by ada, evidence: ${EVIDENCE}\n- [ ] add-farewell: Add farewell(name)\n`);
    // Repeating it changes nothing.
    expect(applyDecision(after, 3, approve())).toBe(after);
  });

  it('keeps CRLF endings, a missing final newline and a byte-order mark', () => {
    const crlf = '\uFEFF# Demo\r\n- [ ] add-shout: Add\r\n- [ ] other\r\n\r\n  trailing text without newline';
    const after = applyDecision(crlf, 2, approve());
    expect(after).toBe(`\uFEFF# Demo\r\n- [x] add-shout: Add — approved by ada, evidence: ${EVIDENCE}\r\n- [ ] other\r\n\r\n  trailing text without newline`);
    const last = '- [ ] a\n- [ ] add-shout: last line';
    expect(applyDecision(last, 2, approve())).toBe(`- [ ] a\n- [x] add-shout: last line — approved by ada, evidence: ${EVIDENCE}`);
  });

  it('rejecting unticks and replaces the approval note with the reason (on one line)', () => {
    const approved = applyDecision(LIST, 3, approve());
    const rejected = applyDecision(approved, 3, reject('no test for\nempty names'));
    expect(rejected).toBe(`# Demo\n\n- [ ] add-shout: Add shout(name) — rejected by bob, evidence: ${EVIDENCE}, reason: no test for empty names\n- [ ] add-farewell: Add farewell(name)\n`);
    expect(checklistItems(rejected)[0]).toEqual({
      line: 3,
      ticked: false,
      text: 'add-shout: Add shout(name)',
      note: { decision: 'rejected', reviewer: 'bob', evidence: EVIDENCE, reason: 'no test for empty names' },
    });
    // A later approval replaces the rejection note instead of adding a second one.
    expect(applyDecision(rejected, 3, approve('cy'))).toBe(`# Demo\n\n- [x] add-shout: Add shout(name) — approved by cy, evidence: ${EVIDENCE}\n- [ ] add-farewell: Add farewell(name)\n`);
  });

  it('keeps the indentation, the list marker and an upper-case X', () => {
    expect(applyDecision('  * [X]  add-shout\n', 1, approve())).toBe(`  * [X]  add-shout — approved by ada, evidence: ${EVIDENCE}\n`);
    expect(applyDecision('3. [x] add-shout\n', 1, reject('no'))).toBe(`3. [ ] add-shout — rejected by bob, evidence: ${EVIDENCE}, reason: no\n`);
  });
});

describe('finding the linked item', () => {
  const request = { decision: 'approved', taskId: 'add-shout', reviewer: 'ada' } as const;

  it('a missing item names close candidates with file:line', () => {
    const source = '- [ ] Add-Shout: wrong case\n- [ ] add-farewell\n- [ ] add-shouting: longer key\n';
    const found = findItem(source, 'add-shout');
    if (found.ok || found.error.reason !== 'item-missing') throw new Error('expected item-missing');
    const failure: DecisionFailure = { reason: 'checklist-item-missing', ref: 'tasks/tasks-demo.md#add-shout', file: 'tasks/tasks-demo.md', key: 'add-shout', candidates: found.error.candidates };
    expect(renderDecisionFailure(failure, request)).toBe(
      [
        'error: cannot approve add-shout: no item of tasks/tasks-demo.md matches "add-shout" (from "tasks/tasks-demo.md#add-shout")',
        '  hint: an item matches when its text starts with "add-shout" followed by ":", a space or the end of the line (case-sensitive)',
        '  candidates:',
        '    tasks/tasks-demo.md:1: [ ] Add-Shout: wrong case',
        '    tasks/tasks-demo.md:3: [ ] add-shouting: longer key',
      ].join('\n'),
    );
  });

  it('an ambiguous key names every match with file:line', () => {
    const source = '# x\n- [ ] add-shout: one\n- [x] add-shout two\n- [ ] add-shout-more\n';
    const found = findItem(source, 'add-shout');
    if (found.ok || found.error.reason !== 'item-ambiguous') throw new Error('expected item-ambiguous');
    const failure: DecisionFailure = { reason: 'checklist-item-ambiguous', ref: 'tasks/t.md#add-shout', file: 'tasks/t.md', key: 'add-shout', matches: found.error.matches };
    expect(renderDecisionFailure(failure, request)).toBe(
      [
        'error: cannot approve add-shout: 2 items of tasks/t.md match "add-shout" (from "tasks/t.md#add-shout"):',
        '    tasks/t.md:2: [ ] add-shout: one',
        '    tasks/t.md:3: [x] add-shout two',
        "  hint: make the item keys unique, or use a longer key in the task's checklist reference",
      ].join('\n'),
    );
  });

  it('with no close candidate, lists the items there are; with none, says so', () => {
    const found = findItem('- [ ] alpha\n- [ ] beta\n', 'gamma');
    expect(found.ok ? [] : found.error.reason === 'item-missing' ? found.error.candidates.map((c) => c.line) : []).toEqual([1, 2]);
    const none = findItem('# nothing here\n', 'gamma');
    if (none.ok || none.error.reason !== 'item-missing') throw new Error('expected item-missing');
    expect(renderDecisionFailure({ reason: 'checklist-item-missing', ref: 'a.md#gamma', file: 'a.md', key: 'gamma', candidates: none.error.candidates }, request)).toMatch(
      /\n {2}a\.md has no checklist items \("- \[ \] text"\)$/,
    );
  });
});
