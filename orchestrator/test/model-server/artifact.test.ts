import { describe, expect, it } from 'vitest';
import { artifactPath, fencedBlocks, fillTemplate, parseFaults, parseScript } from '../../src/model-server/script.js';

const assessment = [
  'Write the assessment.',
  '',
  '```artifact migrations/migration_x/artifacts/MIG-1-assessment.md',
  '# MIG-1 Assessment',
  '## Migration',
  '<fill: what moves from where to where>',
  '## Risk Level',
  '<fill: low, medium or high, and why>',
  '```',
  '',
].join('\n');

const assessmentPatch = [
  '*** Begin Patch',
  '*** Add File: migrations/migration_x/artifacts/MIG-1-assessment.md',
  '+# MIG-1 Assessment',
  '+## Migration',
  '+Offline stand-in: what moves from where to where',
  '+## Risk Level',
  '+Offline stand-in: low, medium or high, and why',
  '*** End Patch',
  '',
].join('\n');

describe('artifact blocks', () => {
  it('become a patch adding the file, fills made and the rest kept as written', () => {
    expect(parseScript(assessment)).toEqual([{ kind: 'patch', patch: assessmentPatch, files: ['A migrations/migration_x/artifacts/MIG-1-assessment.md'] }]);
  });

  it('keep their place among the other steps', () => {
    const prompt = `\`\`\`sh\nmkdir -p docs\n\`\`\`\n\n~~~artifact   docs/a.md  \n  indented <fill:x> and <fill: y >\n\n<fill:>\n~~~\n\n\`\`\`sh\nls docs\n\`\`\`\n`;
    expect(parseScript(prompt)).toEqual([
      { kind: 'shell', command: 'mkdir -p docs' },
      { kind: 'patch', patch: '*** Begin Patch\n*** Add File: docs/a.md\n+  indented Offline stand-in: x and Offline stand-in: y\n+\n+Offline stand-in\n*** End Patch\n', files: ['A docs/a.md'] },
      { kind: 'shell', command: 'ls docs' },
    ]);
  });

  it('fill every hint and nothing else', () => {
    expect(fillTemplate('a <fill: one> b <fill: two>\n<fill a> <b> <fill:\nthree>\n')).toBe('a Offline stand-in: one b Offline stand-in: two\n<fill a> <b> <fill:\nthree>\n');
  });

  it.each([
    ['an absolute path', ' /etc/passwd'],
    ['a `..` segment', ' docs/../../outside.md'],
    ['a leading `..`', ' ../outside.md'],
    ['a `..` after a backslash', ' docs\\..\\x.md'],
    ['a home path', ' ~/notes.md'],
    ['a folder', ' docs/'],
    ['two tokens', ' docs/a.md docs/b.md'],
    ['no path', ''],
    ['no space before the path', '.md'],
  ])('are no step with %s', (_, info) => {
    expect(artifactPath(info)).toBeUndefined();
    expect(parseScript(`\`\`\`artifact${info}\n# T\n<fill: x>\n\`\`\`\n`)).toEqual([]);
  });

  it('accept a path with dots in its names', () => {
    expect(artifactPath(' ./docs/..notes/a..b.md')).toBe('./docs/..notes/a..b.md');
  });

  it('leave the other block kinds as they were', () => {
    const prompt = '```js title="x.js"\nconst a = 1;\n```\n\n```offline-fault\n503 times 2\n```\n\n```sh\necho hi\n```\n';
    expect(fencedBlocks(prompt).map((b) => [b.lang, b.info, b.body])).toEqual([
      ['js', ' title="x.js"', 'const a = 1;\n'],
      ['offline-fault', '', '503 times 2\n'],
      ['sh', '', 'echo hi\n'],
    ]);
    expect(parseFaults(prompt)).toEqual([{ kind: 503, times: 2 }]);
    expect(parseScript(prompt)).toEqual([{ kind: 'shell', command: 'echo hi' }]);
  });
});
