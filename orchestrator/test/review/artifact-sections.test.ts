import { describe, expect, it } from 'vitest';
import { isComplete, sectionProblems } from '../../src/review/artifact-sections.js';

const doc = (...lines: string[]): string => `${lines.join('\n')}\n`;

describe('sectionProblems: the sections a gate requires of its artifact', () => {
  it('a complete artifact: every heading found (any level, case and spaces aside), every body written', () => {
    const text = doc('# MIG-1', '', '## Migration', 'Move the API to v2.', '', '### risk   LEVEL ###', 'Medium', '#### Motivation', '<!-- why -->', 'It is slow.');
    const p = sectionProblems(text, ['Migration', 'Risk Level', 'motivation']);
    expect(p).toEqual({ missing: [], placeholders: [] });
    expect(isComplete(p)).toBe(true);
  });

  it.each<[string, string, { missing: string[]; placeholders: { section: string; line: number }[] }]>([
    ['a missing section', doc('## Migration', 'x'), { missing: ['Risk Level'], placeholders: [] }],
    ['an empty body', doc('## Migration', '', '   ', '## Risk Level', 'low'), { missing: [], placeholders: [{ section: 'Migration', line: 1 }] }],
    ['a body of comments only', doc('## Migration', '<!-- say what moves', 'and where -->', '## Risk Level', 'low'), { missing: [], placeholders: [{ section: 'Migration', line: 1 }] }],
    ['a fill marker left, at its line', doc('## Migration', 'x', '## Risk Level', 'Level:', '<fill: low, medium or high>'), { missing: [], placeholders: [{ section: 'Risk Level', line: 5 }] }],
    ['the last section empty at the end of the file', doc('## Migration', 'x', '## Risk Level'), { missing: [], placeholders: [{ section: 'Risk Level', line: 3 }] }],
    ['a body runs to the next heading, a subsection too', doc('## Migration', '### Details', 'x', '## Risk Level', 'low'), { missing: [], placeholders: [{ section: 'Migration', line: 1 }] }],
    ['headings in fenced code are not headings', doc('## Migration', '```md', '## Risk Level', 'low', '```'), { missing: ['Risk Level'], placeholders: [] }],
    ['a tilde fence, closed by a longer run', doc('~~~', '## Risk Level', '~~~~', '## Migration', 'x'), { missing: ['Risk Level'], placeholders: [] }],
    ['a heading in a comment is not a heading', doc('<!-- ## Risk Level -->', '## Migration', 'x'), { missing: ['Risk Level'], placeholders: [] }],
    ['"#hash" without a space is not a heading', doc('#Migration', 'x', '## Risk Level', 'low'), { missing: ['Migration'], placeholders: [] }],
    ['CRLF line endings', '## Migration\r\n<fill: what>\r\n## Risk Level\r\nlow\r\n', { missing: [], placeholders: [{ section: 'Migration', line: 2 }] }],
  ])('%s', (_name, text, expected) => {
    const p = sectionProblems(text, ['Migration', 'Risk Level']);
    expect(p).toEqual(expected);
    expect(isComplete(p)).toBe(false);
  });

  it('a fill marker inside a comment does not count', () => {
    expect(sectionProblems(doc('## Risk Level', 'high <!-- <fill: low, medium or high> -->'), ['Risk Level'])).toEqual({ missing: [], placeholders: [] });
  });

  it('names every missing section and every placeholder, the first heading of a name deciding', () => {
    const text = doc('## Motivation', '<fill: why>', '## Risk Level', '', '## Risk Level', 'high');
    expect(sectionProblems(text, ['Migration', 'Motivation', 'Risk Level', 'Risk Factors'])).toEqual({
      missing: ['Migration', 'Risk Factors'],
      placeholders: [
        { section: 'Motivation', line: 2 },
        { section: 'Risk Level', line: 3 },
      ],
    });
  });
});
