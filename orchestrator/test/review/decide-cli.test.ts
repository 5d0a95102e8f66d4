import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decide, renderDecisionFailure } from '../../src/review/decide.js';
import { acquireRunLock } from '../../src/store/run-lock.js';
import { readManifest } from '../../src/store/read.js';
import { cli } from '../helpers/cli.js';
import { CHECKLIST, copyProject, finishedRun, read, type Project } from './fixture.js';

// approve / reject / verify on copies of one real run: make-file succeeded, sign-off (a gate)
// awaits approval, broken failed its check.

let base: Project;
beforeAll(async () => {
  base = await finishedRun();
});

const co = (p: Project, ...args: string[]) => cli(args, p.repo, { CODEX_ORCHESTRATOR_KEYS_DIR: '' });
const LIST = 'tasks/tasks-review.md';

function normal(text: string, p: Project): string {
  return text.replaceAll(p.runId, '<run>').replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/g, '<time>');
}

/** CHECKLIST with line `n` (1-based) replaced. */
function withLine(n: number, line: string): string {
  const lines = CHECKLIST.split('\n');
  lines[n - 1] = line;
  return lines.join('\n');
}

async function manifestOf(p: Project) {
  const m = await readManifest(p.runDir);
  if (!m.ok) throw new Error('manifest unreadable');
  return m.value;
}

const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');
const sealBytes = (p: Project): string => readFileSync(path.join(p.runDir, 'seal.dsse.json'), 'utf8');

describe('approve and reject', () => {
  it('approve records the review, ticks exactly one checklist line, logs it and seals the run again', async () => {
    const p = copyProject(base);
    const r = await co(p, 'approve', p.runId, '--task', 'make-file', '--reviewer', 'ada', '--note', 'looks right');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(normal(r.stderr, p)).toBe(`approved make-file in run <run> (attempt 1) by ada\nticked ${LIST}:3\nsealed: .runs/<run>/seal.dsse.json\n`);
    const evidence = `.runs/${p.runId}/manifest.json`;
    expect(read(p, LIST)).toBe(withLine(3, `- [x] make-file: Make the file — approved by ada, evidence: ${evidence}`));

    const m = await manifestOf(p);
    const t = m.tasks.find((x) => x.id === 'make-file');
    const files = ['checks.json', 'checks/1.log', 'diff.patch', 'events.jsonl', 'log.txt'].map((f) => `tasks/make-file/${f}`);
    expect(t?.status).toBe('approved');
    expect(t?.reviews).toEqual([
      {
        decision: 'approved',
        reviewer: 'ada',
        at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
        note: 'looks right',
        attempt: 1,
        digests: Object.fromEntries(files.map((f) => [f, sha256(path.join(p.runDir, f))])),
      },
    ]);
    expect(m.counts).toMatchObject({ approved: 1, succeeded: 0, 'awaiting-approval': 1, failed: 1 });
    const index = JSON.parse(readFileSync(path.join(p.runsDir, 'index.json'), 'utf8'));
    expect(index.runs.find((x: { id: string }) => x.id === p.runId).counts).toMatchObject({ approved: 1, succeeded: 0 });
    const log = readFileSync(path.join(p.runDir, 'runner.log'), 'utf8').trimEnd().split('\n');
    expect(normal(log.at(-1) ?? '', p)).toBe('<time> task make-file approved by ada (attempt 1, was succeeded): looks right');

    const verify = JSON.parse((await co(p, 'verify', p.runId, '--json')).stdout);
    expect(verify).toMatchObject({ status: 'intact', intact: true, event: 'approved', files: 15, changed: [], deleted: [], added: [] });
  });

  it('repeating an approval changes nothing', async () => {
    const p = copyProject(base);
    expect((await co(p, 'approve', p.runId, '--task', 'make-file', '--reviewer', 'ada')).code).toBe(0);
    const before = { list: read(p, LIST), manifest: read(p, `.runs/${p.runId}/manifest.json`), seal: sealBytes(p), log: read(p, `.runs/${p.runId}/runner.log`) };
    const again = await co(p, 'approve', p.runId, '--task', 'make-file', '--reviewer', 'bob', '--note', 'me too');
    expect(again.code).toBe(0);
    expect(normal(again.stderr, p)).toBe('make-file in run <run> is already approved by ada at <time>; nothing changed\n');
    expect({ list: read(p, LIST), manifest: read(p, `.runs/${p.runId}/manifest.json`), seal: sealBytes(p), log: read(p, `.runs/${p.runId}/runner.log`) }).toEqual(before);
  });

  it('reject unticks the item with the reason, keeps the history, and a rejected task cannot be approved', async () => {
    const p = copyProject(base);
    expect((await co(p, 'approve', p.runId, '--task', 'make-file', '--reviewer', 'ada')).code).toBe(0);
    const r = await co(p, 'reject', p.runId, '--task', 'make-file', '--reviewer', 'bob', '--reason', 'the file needs\ntwo lines');
    expect(r.code, r.stderr).toBe(0);
    expect(normal(r.stderr, p)).toBe(
      `rejected make-file in run <run> (attempt 1) by bob\nunticked ${LIST}:3\nsealed: .runs/<run>/seal.dsse.json\nrework: the reason goes to make-file's Codex thread when the run continues: codex-orchestrator resume <run>\n`,
    );
    expect(read(p, LIST)).toBe(withLine(3, `- [ ] make-file: Make the file — rejected by bob, evidence: .runs/${p.runId}/manifest.json, reason: the file needs two lines`));
    const t = (await manifestOf(p)).tasks.find((x) => x.id === 'make-file');
    expect(t?.status).toBe('rejected');
    expect(t?.message).toBe('rejected by bob: the file needs\ntwo lines');
    expect(t?.followUp).toMatchObject({ from: 'reject', by: 'bob' });
    expect(t?.reviews?.map((x) => [x.decision, x.reviewer, x.reason])).toEqual([
      ['approved', 'ada', undefined],
      ['rejected', 'bob', 'the file needs\ntwo lines'],
    ]);
    const approve = await co(p, 'approve', p.runId, '--task', 'make-file', '--reviewer', 'ada');
    expect(approve.code).toBe(1);
    expect(approve.stderr).toBe(
      'error: cannot approve make-file: its status is rejected\n  hint: only a succeeded task, or a gate awaiting approval, can be approved; a rejected task must run again first\n',
    );
    expect((await co(p, 'verify', p.runId)).code).toBe(0);
  });

  it('a gate awaiting approval can be approved (attempt 0, no files); a failed task cannot', async () => {
    const p = copyProject(base);
    const gate = await co(p, 'approve', p.runId, '--task', 'sign-off', '--reviewer', 'ada');
    expect(gate.code, gate.stderr).toBe(0);
    expect(read(p, LIST)).toBe(withLine(5, `  - [x] sign-off: Sign it off — approved by ada, evidence: .runs/${p.runId}/manifest.json`));
    const t = (await manifestOf(p)).tasks.find((x) => x.id === 'sign-off');
    expect(t?.reviews).toEqual([{ decision: 'approved', reviewer: 'ada', at: expect.any(String), attempt: 0, digests: {} }]);

    const failed = await co(p, 'approve', p.runId, '--task', 'broken', '--reviewer', 'ada');
    expect(failed.code).toBe(1);
    expect(failed.stderr).toBe('error: cannot approve broken: its status is failed\n  hint: only a succeeded task, or a gate awaiting approval, can be approved\n');
    const rejectFailed = await co(p, 'reject', p.runId, '--task', 'broken', '--reviewer', 'ada', '--reason', 'x');
    expect(rejectFailed.code).toBe(1);
    expect(rejectFailed.stderr).toBe('error: cannot reject broken: its status is failed\n  hint: only a succeeded or approved task, or a gate awaiting approval, can be rejected\n');
  });

  it('--json: one document on stdout, also when refused', async () => {
    const p = copyProject(base);
    const r = await co(p, 'approve', p.runId, '--task', 'make-file', '--reviewer', 'ada', '--json');
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(Object.keys(doc)).toEqual(['schema', 'runId', 'taskId', 'decision', 'recorded', 'status', 'reason', 'message', 'review', 'checklist', 'seal']);
    expect(doc).toMatchObject({
      schema: 'codex-orchestrator/decision@1',
      runId: p.runId,
      taskId: 'make-file',
      decision: 'approved',
      recorded: true,
      status: 'approved',
      reason: null,
      review: { decision: 'approved', reviewer: 'ada', attempt: 1 },
      checklist: { file: LIST, line: 3, changed: true },
      seal: path.join(p.runDir, 'seal.dsse.json'),
    });
    const again = JSON.parse((await co(p, 'approve', p.runId, '--task', 'make-file', '--reviewer', 'ada', '--json')).stdout);
    expect(again).toMatchObject({ recorded: false, status: 'approved', reason: null, review: { reviewer: 'ada' } });
    const refused = await co(p, 'approve', p.runId, '--task', 'broken', '--reviewer', 'ada', '--json');
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout)).toMatchObject({
      recorded: false,
      status: 'failed',
      reason: 'not-approvable',
      message: expect.stringMatching(/^error: cannot approve broken: its status is failed/),
    });
  });

  it('bad usage and unknown tasks exit 2 with what to do', async () => {
    const p = copyProject(base);
    const cases: [string[], string][] = [
      [['approve', p.runId, '--task', 'nope', '--reviewer', 'ada'], 'error: cannot approve nope: the run has no task "nope"\n  hint: its tasks are: make-file, sign-off, broken\n'],
      [['approve', p.runId, '--task', 'make-file'], 'error: missing --reviewer (who decides)\n  hint: see: codex-orchestrator --help\n'],
      [['approve', p.runId, '--reviewer', 'ada'], 'error: missing --task (the task to decide on)\n  hint: see: codex-orchestrator --help\n'],
      [['reject', p.runId, '--task', 'make-file', '--reviewer', 'ada'], 'error: missing --reason (why the task is rejected)\n  hint: see: codex-orchestrator --help\n'],
      [['approve', p.runId, '--task', 'make-file', '--reviewer', 'ada', '--reason', 'x'], 'error: approve takes --note, not --reason\n  hint: to refuse a task, use: codex-orchestrator reject\n'],
      [
        ['approve', 'not-a-run', '--task', 'make-file', '--reviewer', 'ada'],
        'error: "not-a-run" is not a run id\n  hint: run ids look like 2026-11-21T10-04-05Z-7f3a; use "latest" for the newest run\n',
      ],
    ];
    // No reviewer name from git either (no global or system config, none in the project).
    const noGitName = { CODEX_ORCHESTRATOR_KEYS_DIR: '', GIT_CONFIG_GLOBAL: path.join(p.repo, '..', 'no-gitconfig'), GIT_CONFIG_NOSYSTEM: '1' };
    for (const [args, stderr] of cases) {
      const r = await cli(args, p.repo, noGitName);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toBe(stderr);
    }
    expect(read(p, LIST)).toBe(CHECKLIST);
  });

  it('a missing or ambiguous checklist item is an error naming file:line, and nothing changes', async () => {
    const p = copyProject(base);
    const listFile = path.join(p.repo, LIST);
    writeFileSync(listFile, '# Review checklist\n\n- [ ] Make-File: wrong case\n- [ ] make-file-twice: longer key\n');
    const sealBefore = sealBytes(p);
    const missing = await co(p, 'approve', p.runId, '--task', 'make-file', '--reviewer', 'ada');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(
      [
        `error: cannot approve make-file: no item of ${LIST} matches "make-file" (from "${LIST}#make-file")`,
        '  hint: an item matches when its text starts with "make-file" followed by ":", a space or the end of the line (case-sensitive)',
        '  candidates:',
        `    ${LIST}:3: [ ] Make-File: wrong case`,
        `    ${LIST}:4: [ ] make-file-twice: longer key`,
        '',
      ].join('\n'),
    );
    writeFileSync(listFile, '- [ ] make-file: one\n- [ ] other\n- [x] make-file two\n');
    const ambiguous = await co(p, 'approve', p.runId, '--task', 'make-file', '--reviewer', 'ada');
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toBe(
      [
        `error: cannot approve make-file: 2 items of ${LIST} match "make-file" (from "${LIST}#make-file"):`,
        `    ${LIST}:1: [ ] make-file: one`,
        `    ${LIST}:3: [x] make-file two`,
        "  hint: make the item keys unique, or use a longer key in the task's checklist reference",
        '',
      ].join('\n'),
    );
    rmSync(listFile);
    const gone = await co(p, 'approve', p.runId, '--task', 'make-file', '--reviewer', 'ada');
    expect(gone).toMatchObject({
      code: 2,
      stderr: `error: cannot approve make-file: its checklist ${LIST} (from "${LIST}#make-file") does not exist\n  hint: create it, or fix the task's checklist reference\n`,
    });
    expect((await manifestOf(p)).tasks.find((x) => x.id === 'make-file')?.status).toBe('succeeded');
    expect(sealBytes(p)).toBe(sealBefore);
  });

  it('refuses while another live process holds the run (exit 2, says who, and what to do about an approve in progress)', async () => {
    const p = copyProject(base);
    const lock = await acquireRunLock(p.runDir, 'approve');
    if (!lock.ok) throw new Error('could not take the lock');
    try {
      const r = await co(p, 'approve', p.runId, '--task', 'make-file', '--reviewer', 'ada');
      expect(r.code).toBe(2);
      expect(normal(r.stderr, p)).toBe(
        `error: <run> is in use by process ${process.pid} on ${hostname()} (approve, since <time>)\n  hint: an \`approve\` of this run is in progress: wait for it to finish, then try again\n`,
      );
    } finally {
      await lock.value.release();
    }
    expect(read(p, LIST)).toBe(CHECKLIST);
  });
});

describe('tampering is detected by verify and blocks approval', () => {
  const cases: [string, (p: Project) => void, string][] = [
    [
      'a flipped byte in diff.patch',
      (p) => {
        const file = path.join(p.runDir, 'tasks/make-file/diff.patch');
        const bytes = readFileSync(file);
        bytes[10] = bytes[10]! ^ 0x20;
        writeFileSync(file, bytes);
      },
      '  changed: tasks/make-file/diff.patch',
    ],
    ['a deleted log', (p) => rmSync(path.join(p.runDir, 'tasks/make-file/log.txt')), '  deleted: tasks/make-file/log.txt'],
    ['an added file', (p) => writeFileSync(path.join(p.runDir, 'tasks/make-file/approved.txt'), 'yes'), '  added:   tasks/make-file/approved.txt'],
    [
      'an edited manifest',
      (p) => {
        const file = path.join(p.runDir, 'manifest.json');
        writeFileSync(file, readFileSync(file, 'utf8').replace('"status": "failed"', '"status": "succeeded"'));
      },
      '  changed: manifest.json',
    ],
  ];
  for (const [what, tamper, named] of cases) {
    it(what, async () => {
      const p = copyProject(base);
      tamper(p);
      const verify = await co(p, 'verify', p.runId);
      expect(verify.code).toBe(1);
      const report = `run <run> was changed after it was sealed (<time>):\n${named}`;
      expect(normal(verify.stdout, p)).toBe(`${report}\n`);
      const json = JSON.parse((await co(p, 'verify', p.runId, '--json')).stdout);
      expect(json).toMatchObject({ status: 'tampered', intact: false });
      expect([...json.changed, ...json.deleted, ...json.added]).toEqual([named.replace(/^ {2}\w+: +/, '')]);
      const approve = await co(p, 'approve', p.runId, '--task', 'make-file', '--reviewer', 'ada');
      expect(approve.code).toBe(1);
      expect(normal(approve.stderr, p)).toBe(`error: cannot approve make-file: ${report}\n  hint: unsealed or changed runs cannot be reviewed; see codex-orchestrator verify <run>\n`);
      expect(read(p, LIST)).toBe(CHECKLIST);
    });
  }

  it('an unsealed run cannot be approved; verify says so (exit 1); a bad run id is exit 2', async () => {
    const p = copyProject(base);
    const intact = await co(p, 'verify', p.runId);
    expect(intact.code).toBe(0);
    expect(normal(intact.stdout, p).replace(/key [0-9a-f]{16}/, 'key <key>')).toBe('run <run>: intact, 15 files match the seal signed <time> (key <key>)\n');
    rmSync(path.join(p.runDir, 'seal.dsse.json'));
    const unsealed = await co(p, 'verify', p.runId);
    expect(unsealed.code).toBe(1);
    const message = 'run <run> is not sealed: seal.dsse.json is missing\n  hint: a run is sealed when it ends; one still running, or whose process died, has no seal';
    expect(normal(unsealed.stdout, p)).toBe(`${message}\n`);
    const approve = await co(p, 'approve', p.runId, '--task', 'make-file', '--reviewer', 'ada');
    expect(approve.code).toBe(1);
    expect(normal(approve.stderr, p)).toBe(`error: cannot approve make-file: ${message}\n`);
    expect(await co(p, 'verify', 'bogus')).toMatchObject({ code: 2, stdout: '' });
  });
});

describe('decide() in process', () => {
  it('checks artifact digests against the manifest and never writes the manifest itself', async () => {
    const p = copyProject(base);
    const manifestText = read(p, `.runs/${p.runId}/manifest.json`);
    const m = await manifestOf(p);
    const diff = m.tasks[0]?.artifacts.diff;
    if (!diff) throw new Error('no diff artifact');
    const recorded = diff.sha256;
    diff.sha256 = '0'.repeat(64);
    const request = { decision: 'approved', taskId: 'make-file', reviewer: 'ada' } as const;
    const refused = await decide({ manifest: m, runDir: p.runDir, projectRoot: p.repo, request });
    if (refused.ok) throw new Error('approved a task whose artifact does not match');
    expect(renderDecisionFailure(refused.error, request)).toBe(
      `error: cannot approve make-file: tasks/make-file/diff.patch changed: the manifest records sha256 ${'0'.repeat(64)}, the file has ${recorded}`,
    );
    diff.sha256 = recorded;
    const done = await decide({ manifest: m, runDir: p.runDir, projectRoot: p.repo, request, now: new Date('2026-11-22T08:00:00.000Z') });
    expect(done.ok && done.value).toMatchObject({ kind: 'recorded', taskId: 'make-file', from: 'succeeded', to: 'approved', checklist: { file: LIST, line: 3, changed: true } });
    // The decision is an event for the caller's writer; the state it was given is left as it was.
    expect(done.ok && done.value.kind === 'recorded' && done.value.event).toMatchObject({ kind: 'decided', task: 'make-file', status: 'approved', review: { at: '2026-11-22T08:00:00.000Z' } });
    expect(m.tasks[0]?.reviews).toBeUndefined();
    expect(read(p, `.runs/${p.runId}/manifest.json`)).toBe(manifestText);
    // The caller has not sealed yet, and nothing else changed in the run.
    expect((await co(p, 'verify', p.runId)).code).toBe(0);
  });
});
