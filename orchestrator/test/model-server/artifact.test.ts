import { describe, expect, it } from 'vitest';
import { decide } from '../../src/model-server/decide.js';
import { locateInScript, type InputItem } from '../../src/model-server/history.js';
import { artifactPath, fencedBlocks, fillTemplate, parseFaults, parseScript } from '../../src/model-server/script.js';

const ids = (): ((p: string) => string) => {
  let n = 0;
  return (p) => `${p}_${++n}`;
};
const tools = [
  { type: 'function', name: 'exec_command' },
  { type: 'custom', name: 'apply_patch' },
];
const user = (text: string): InputItem => ({ type: 'message', role: 'user', content: [{ type: 'input_text', text }] });
const context = user('<environment_context>\n</environment_context>');
const said = (text: string): InputItem => ({ type: 'message', role: 'assistant', content: [{ type: 'output_text', text }] });

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

describe('revising artifacts', () => {
  const rework = "A reviewer (rita) rejected your change. Their reason:\n\nThe risk is not 'low'.\n\nRework the change.";
  const revision = [
    "cat >> 'migrations/migration_x/artifacts/MIG-1-assessment.md' <<'OFFLINE_STAND_IN_REVISION'",
    '',
    '## Revision',
    '',
    '> A reviewer (rita) rejected your change. Their reason:',
    '>',
    "> The risk is not 'low'.",
    '>',
    '> Rework the change.',
    'OFFLINE_STAND_IN_REVISION',
  ].join('\n');
  const firstTurn = [context, user(assessment), { type: 'custom_tool_call_output', call_id: 'c1', output: 'Exit code: 0\nOutput:\nSuccess.' }, said('done')];

  it('a prompt without steps appends a revision to each artifact an earlier prompt asked for', () => {
    const position = locateInScript([...firstTurn, context, user(rework)]);
    expect(position.prompt).toBe(rework);
    expect(position.steps).toEqual([{ kind: 'shell', command: revision }]);
    expect(position.done).toEqual([]);
  });

  it('once per path, with the path quoted for the shell', () => {
    const two = "```artifact it's.md\n<fill: a>\n```\n\n```artifact b.md\nb\n```\n";
    const again = '```artifact b.md\nb again\n```\n';
    const steps = locateInScript([user(two), said('done'), user(again), said('done'), user('Better, please.')]).steps;
    expect(steps.map((s) => (s.kind === 'shell' ? s.command.split('\n')[0] : s.kind))).toEqual(["cat >> 'it'\\''s.md' <<'OFFLINE_STAND_IN_REVISION'", "cat >> 'b.md' <<'OFFLINE_STAND_IN_REVISION'"]);
  });

  it('a prompt with steps of its own carries out those only', () => {
    const steps = locateInScript([...firstTurn, user(`${rework}\n\n\`\`\`sh\necho fixed\n\`\`\`\n`)]).steps;
    expect(steps).toEqual([{ kind: 'shell', command: 'echo fixed' }]);
  });

  it("needs an artifact in the conversation's user messages: Codex's injected context and the model's own answers do not count", () => {
    const injected = user(`<user_instructions>\n${assessment}</user_instructions>`);
    expect(locateInScript([injected, user('Nothing to do.')]).steps).toEqual([]);
    expect(locateInScript([user('First.'), said(assessment), user(rework)]).steps).toEqual([]);
    expect(locateInScript([user(assessment)]).steps).toHaveLength(1);
  });

  it('runs the revision through exec_command, then sums it up', () => {
    const history = [...firstTurn, context, user(rework)];
    const call = decide({ input: history, tools }, ids());
    expect(call).toMatchObject({ type: 'function_call', name: 'exec_command', arguments: JSON.stringify({ cmd: revision, yield_time_ms: 30000 }) });
    const ended = { type: 'function_call_output', call_id: 'c2', output: 'Process exited with code 0\nOutput:\n' };
    const summary = decide({ input: [...history, call, ended], tools }, ids());
    expect(summary.type === 'message' && summary.content[0]?.text).toBe(
      "Offline model (stand-in): carried out 1 of 1 steps.\n1. shell `cat >> 'migrations/migration_x/artifacts/MIG-1-assessment.md' <<'OFFLINE_STAND_IN_REVISION' …`: exit 0",
    );
  });
});
