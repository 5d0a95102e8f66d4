import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { specGuard } from '../../src/review/spec-guard.js';
import { BIN, cli } from '../helpers/cli.js';
import { copyProject, finishedRun, INDEX, type Project } from './fixture.js';

// The spec guard on copies of one real run (make-file succeeded, sign-off awaits approval).

let base: Project;
beforeAll(async () => {
  base = await finishedRun();
});

const co = (p: Project, ...args: string[]) => cli(args, p.repo, { CODEX_ORCHESTRATOR_KEYS_DIR: '' });
const LIST = 'tasks/tasks-review.md';
const edit = (p: Project, rel: string, change: (text: string) => string): void => {
  const file = path.join(p.repo, rel);
  writeFileSync(file, change(readFileSync(file, 'utf8')));
};

function script(p: Project): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', [path.join(BIN, '../../scripts/spec-guard.sh')], {
      cwd: p.repo,
      stdio: ['ignore', 'pipe', 'ignore'],
      env: { ...process.env, CODEX_ORCHESTRATOR_RUNS_DIR: '', CODEX_ORCHESTRATOR_KEYS_DIR: '' },
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.on('close', (code) => resolve({ code, out }));
  });
}

describe('spec-guard', () => {
  it('passes a clean tree: nothing ticked, then an item ticked by approve', async () => {
    const p = copyProject(base);
    expect(await co(p, 'spec-guard')).toMatchObject({ code: 0, stdout: '', stderr: 'spec-guard: ok (1 checklist(s), 0 ticked item(s), 1 spec(s))\n' });
    const approved = await co(p, 'approve', p.runId, '--task', 'make-file', '--reviewer', 'ada');
    expect(approved.code, approved.stderr).toBe(0);
    expect(await co(p, 'spec-guard')).toMatchObject({ code: 0, stdout: '', stderr: 'spec-guard: ok (1 checklist(s), 1 ticked item(s), 1 spec(s))\n' });
    expect(await script(p)).toEqual({ code: 0, out: '' });
  });

  it('flags every ticked item without an approved, intact run behind it, one line each with file:line', async () => {
    const p = copyProject(base);
    const approved = await co(p, 'approve', p.runId, '--task', 'make-file', '--reviewer', 'ada');
    expect(approved.code, approved.stderr).toBe(0);
    const evidence = `.runs/${p.runId}/manifest.json`;
    const gone = '.runs/2020-01-01T00-00-00Z-abcd/manifest.json';
    writeFileSync(
      path.join(p.repo, 'tasks/tasks-extra.md'),
      [
        '# Extra',
        '- [x] by-hand: ticked without a decision',
        `- [x] lost: ticked with evidence that is gone — approved by ada, evidence: ${gone}`,
        `- [x] sign-off: the gate's key, but in another checklist — approved by ada, evidence: ${evidence}`,
        `- [x] make-file-twice: no task of the run links here — approved by ada, evidence: ${evidence}`,
        `- [x] make-file: rejected, then ticked by hand — rejected by bob, evidence: ${evidence}, reason: no`,
        '- [ ] open: unticked items are never offences',
        '',
      ].join('\n'),
    );
    const r = await co(p, 'spec-guard');
    expect(r.code).toBe(1);
    const approveHint = 'tick items with: codex-orchestrator approve <run-id> --task <task> --reviewer <name>';
    expect(r.stdout).toBe(
      [
        `tasks/tasks-extra.md:2: "by-hand: ticked without a decision" is ticked without approval evidence; ${approveHint}`,
        `tasks/tasks-extra.md:3: evidence ${gone} does not exist`,
        `tasks/tasks-extra.md:4: evidence ${evidence} has no approval of a task linked to this item (no task of that run links to this item)`,
        `tasks/tasks-extra.md:5: evidence ${evidence} has no approval of a task linked to this item (no task of that run links to this item)`,
        `tasks/tasks-extra.md:6: "make-file: rejected, then ticked by hand" is ticked without approval evidence; ${approveHint}`,
        '',
      ].join('\n'),
    );
    expect(r.stderr).toBe('spec-guard: 5 offence(s) (2 checklist(s), 6 ticked item(s), 1 spec(s))\n');

    // The item the gate links to, ticked by hand with the run as evidence: the gate was not approved.
    edit(p, LIST, (t) => t.replace('  - [ ] sign-off: Sign it off', `  - [x] sign-off: Sign it off — approved by ada, evidence: ${evidence}`));
    const gate = await co(p, 'spec-guard', '--json');
    expect(gate.code).toBe(1);
    const doc = JSON.parse(gate.stdout);
    expect(Object.keys(doc)).toEqual(['schema', 'ok', 'projectRoot', 'offences', 'checklists', 'tickedItems', 'specs']);
    expect(doc).toMatchObject({ schema: 'codex-orchestrator/spec-guard@1', ok: false, checklists: ['tasks/tasks-extra.md', LIST], tickedItems: 7, specs: 1 });
    expect(doc.offences.map((o: { file: string; line: number; kind: string }) => `${o.file}:${o.line} ${o.kind}`)).toEqual([
      'tasks/tasks-extra.md:2 ticked-without-evidence',
      'tasks/tasks-extra.md:3 evidence-not-found',
      'tasks/tasks-extra.md:4 not-approved',
      'tasks/tasks-extra.md:5 not-approved',
      'tasks/tasks-extra.md:6 ticked-without-evidence',
      `${LIST}:5 not-approved`,
    ]);
    expect(doc.offences[5].message).toBe(`evidence ${evidence} has no approval of a task linked to this item (linked: sign-off (awaiting-approval))`);
  });

  it('flags an approval whose run no longer matches its seal', async () => {
    const p = copyProject(base);
    const approved = await co(p, 'approve', p.runId, '--task', 'make-file', '--reviewer', 'ada');
    expect(approved.code, approved.stderr).toBe(0);
    edit(p, `.runs/${p.runId}/tasks/make-file/diff.patch`, (t) => t.replace('+made', '+MADE'));
    const r = await co(p, 'spec-guard');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(`${LIST}:3: evidence .runs/${p.runId}/manifest.json: its files no longer match the seal (changed: tasks/make-file/diff.patch)\n`);
    const s = await script(p);
    expect(s).toEqual({ code: 1, out: r.stdout });
  });

  it('flags a spec whose last review is more than 30 days old (clock injected)', async () => {
    const p = copyProject(base);
    writeFileSync(path.join(p.repo, 'tasks/index.json'), INDEX('2026-10-01'));
    const at = async (now: string) => {
      const r = await specGuard({ projectRoot: p.repo, now: new Date(now) });
      if (!r.ok) throw new Error('index did not load');
      return r.value.offences;
    };
    expect(await at('2026-10-31T23:59:59Z')).toEqual([]);
    expect(await at('2026-11-01T00:00:00Z')).toEqual([
      {
        file: 'tasks/index.json',
        line: 6,
        kind: 'review-overdue',
        message: 'spec "review" was last reviewed on 2026-10-01, 31 days ago (more than 30); review it and update last_review',
      },
    ]);
    writeFileSync(path.join(p.repo, 'tasks/index.json'), INDEX('2000-01-01'));
    const r = await co(p, 'spec-guard');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^tasks\/index\.json:6: spec "review" was last reviewed on 2000-01-01, \d+ days ago \(more than 30\); review it and update last_review\n$/);
  });

  it('a malformed tasks/index.json is an error at file:line:col, exit 2', async () => {
    const p = copyProject(base);
    writeFileSync(path.join(p.repo, 'tasks/index.json'), '{\n  "specs": [\n    { "id": "a", "last_review": "2026-11-01", }\n  ]\n}\n');
    const syntax = await co(p, 'spec-guard');
    expect(syntax.code).toBe(2);
    expect(syntax.stdout).toBe('');
    expect(syntax.stderr).toBe(
      [
        'tasks/index.json:3:47: error: invalid JSON: trailing comma before "}" is not allowed in JSON',
        '    3 |     { "id": "a", "last_review": "2026-11-01", }',
        '      |                                               ^',
        '  hint: JSON needs double-quoted keys and strings, and allows no comments or trailing commas',
        '',
        '1 problem in tasks/index.json',
        '',
      ].join('\n'),
    );
    writeFileSync(path.join(p.repo, 'tasks/index.json'), '{\n  "specs": [\n    { "id": "a", "last_review": "2026-02-30" },\n    { "id": "b" }\n  ]\n}\n');
    const shape = await co(p, 'spec-guard', '--json');
    expect(shape.code).toBe(2);
    expect(shape.stdout).toBe('');
    expect(shape.stderr).toBe(
      [
        'tasks/index.json:3:33: error: "specs.0.last_review": a real calendar date',
        '    3 |     { "id": "a", "last_review": "2026-02-30" },',
        '      |                                 ^^^^^^^^^^^^',
        '  hint: each entry of "specs" needs "id" and "last_review" (YYYY-MM-DD)',
        '',
        'tasks/index.json:4:7: error: missing required key "last_review"',
        '    4 |     { "id": "b" }',
        '      |       ^^^^',
        '  hint: each entry of "specs" needs "id" and "last_review" (YYYY-MM-DD)',
        '',
        '2 problems in tasks/index.json',
        '',
      ].join('\n'),
    );
  });
});
