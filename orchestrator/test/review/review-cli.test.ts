import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { copyProject, finishedRun, type Project } from './fixture.js';

// One real run (real Codex against the offline model) shared by every test; tests that change
// anything work on their own copy of the project.

let base: Project & { readonly graph: string };
beforeAll(async () => {
  base = await finishedRun();
});

const co = (p: Project, ...args: string[]) => cli(args, p.repo, { CODEX_ORCHESTRATOR_KEYS_DIR: '' });

/** Output with the graph path, run id, times and key id made stable. */
function normal(text: string, p: Project): string {
  return text
    .replaceAll(base.graph, '<graph>')
    .replaceAll(p.runId, '<run>')
    .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/g, '<time>')
    .replace(/key [0-9a-f]{16}/g, 'key <key>')
    .replace(/tokens: {4}\d+ \(Codex \d+, agents \d+\)/g, 'tokens:    <n> (Codex <n>, agents <n>)')
    .replace(/(worked|waited) [\dm.]+s?/g, '$1 <d>');
}

describe('review', () => {
  it('shows every task: status, attempts, checks, diff stat, verdict, reviews, paths, and the seal', async () => {
    const p = copyProject(base);
    const r = await co(p, 'review', p.runId);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(normal(r.stdout, p)).toBe(`run <run>  FAILED  graph <graph>
1 succeeded, 1 failed, 1 awaiting approval
seal: intact, 15 files signed <time> (key <key>)
manifest:   .runs/<run>/manifest.json
runner log: .runs/<run>/runner.log

make-file  Make the file
  status:    succeeded (builder), 1 attempt
  checks:    1/1 passed
    exit 0    test -f made.txt
  changes:   1 file, +1 -0
  verdict:   none
  time:      worked <d>
  tokens:    <n> (Codex <n>, agents <n>)
  reviews:   none
  checklist: tasks/tasks-review.md#make-file
  log:       .runs/<run>/tasks/make-file/log.txt
  diff:      .runs/<run>/tasks/make-file/diff.patch

sign-off
  status:    awaiting-approval (gate), 0 attempts
  waiting:   awaiting a decision
  checks:    none
  changes:   none recorded
  verdict:   none
  time:      waited <d>
  reviews:   none
  checklist: tasks/tasks-review.md#sign-off

broken
  status:    failed (builder), 1 attempt, verify-failed
  message:   verify failed: \`exit 3\` exited 3 (output in tasks/broken/checks/1.log)
  triage:    The verify command \`exit 3\` exited 3: the change made by task "broken" does not pass its own checks. (the manager agent)
  next step: Read the check's output (.runs/<run>/tasks/broken/checks/1.log), then tell the task what to fix: \`codex-orchestrator send <run> --task broken "<what to fix>"\` (and \`codex-orchestrator resume <run>\` if the run has ended).
  checks:    0/1 passed
    exit 3    exit 3
  changes:   0 files, +0 -0
  verdict:   none
  time:      worked <d>
  tokens:    <n> (Codex <n>, agents <n>)
  reviews:   none
  log:       .runs/<run>/tasks/broken/log.txt
  diff:      .runs/<run>/tasks/broken/diff.patch
`);
  });

  it('--json: one document with data only on stdout', async () => {
    const p = copyProject(base);
    const r = await co(p, 'review', 'latest', '--json');
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(Object.keys(doc)).toEqual(['schema', 'runId', 'status', 'message', 'runDir', 'manifest', 'runnerLog', 'graph', 'seal', 'tasks']);
    expect(doc).toMatchObject({
      schema: 'codex-orchestrator/review@1',
      runId: p.runId,
      status: 'failed',
      manifest: path.join(p.runDir, 'manifest.json'),
      seal: { status: 'intact', file: path.join(p.runDir, 'seal.dsse.json'), files: 15, problem: null },
    });
    expect(Object.keys(doc.tasks[0])).toEqual([
      'id',
      'title',
      'role',
      'status',
      'reason',
      'message',
      'attempts',
      'checks',
      'diff',
      'verdict',
      'reviews',
      'checklist',
      'artifacts',
      'triage',
      'sandboxDenials',
      'fixAttempts',
      'tokens',
      'workMs',
      'waitMs',
      'waiting',
      'approval',
      'expansion',
      'when',
    ]);
    expect(doc.tasks[0]).toMatchObject({
      id: 'make-file',
      status: 'succeeded',
      attempts: 1,
      checks: [{ command: 'test -f made.txt', exitCode: 0, signal: null, timedOut: false, output: path.join(p.runDir, 'tasks/make-file/checks/1.log') }],
      diff: { files: 1, insertions: 1, deletions: 0 },
      verdict: null,
      reviews: [],
      checklist: 'tasks/tasks-review.md#make-file',
      artifacts: { log: path.join(p.runDir, 'tasks/make-file/log.txt'), diff: path.join(p.runDir, 'tasks/make-file/diff.patch') },
    });
    expect(doc.tasks.map((t: { id: string; status: string }) => [t.id, t.status])).toEqual([
      ['make-file', 'succeeded'],
      ['sign-off', 'awaiting-approval'],
      ['broken', 'failed'],
    ]);
  });

  it('--task shows one task with its whole diff and the tail of its log; a verdict.json is shown', async () => {
    const p = copyProject(base);
    const r = await co(p, 'review', p.runId, '--task', 'make-file');
    expect(r.code, r.stderr).toBe(0);
    const diff = readFileSync(path.join(p.runDir, 'tasks/make-file/diff.patch'), 'utf8');
    const log = readFileSync(path.join(p.runDir, 'tasks/make-file/log.txt'), 'utf8').replace(/\n$/, '').split('\n').slice(-40).join('\n');
    expect(r.stdout).toContain(`\n--- diff (.runs/${p.runId}/tasks/make-file/diff.patch)\n${diff.replace(/\n$/, '')}\n\n--- log, last 40 lines (.runs/${p.runId}/tasks/make-file/log.txt)\n${log}\n`);
    expect(diff).toContain('+++ b/made.txt');
    expect(r.stdout).not.toContain('sign-off');

    const json = JSON.parse((await co(p, 'review', p.runId, '--task', 'make-file', '--json')).stdout);
    expect(json.tasks).toHaveLength(1);
    expect(json.tasks[0].diffText).toBe(diff);
    expect(json.tasks[0].logTail).toEqual(log.split('\n'));

    const verdict = path.join(p.runDir, 'tasks/make-file/verdict.json');
    writeFileSync(verdict, JSON.stringify({ verdict: 'pass', summary: 'adds made.txt as asked' }));
    const withVerdict = await co(p, 'review', p.runId, '--task', 'make-file');
    expect(withVerdict.stdout).toContain('\n  verdict:   pass: adds made.txt as asked\n');
    // The verdict was written after the seal: the review says so.
    expect(withVerdict.stdout).toContain('seal: TAMPERED: its files no longer match the seal (added: tasks/make-file/verdict.json)');
  });

  it('exit 2 for a bad run id, an unknown run or an unknown task', async () => {
    const p = copyProject(base);
    expect(await co(p, 'review', 'nope')).toMatchObject({ code: 2, stderr: expect.stringMatching(/^error: "nope" is not a run id/) });
    expect(await co(p, 'review', '2020-01-01T00-00-00Z-abcd')).toMatchObject({ code: 2, stderr: expect.stringMatching(/^error: no run 2020-01-01T00-00-00Z-abcd in /) });
    const r = await co(p, 'review', p.runId, '--task', 'nope');
    expect(r.code).toBe(2);
    expect(normal(r.stderr, p)).toBe('error: run <run> has no task "nope"\n  hint: its tasks are: make-file, sign-off, broken\n');
  });
});
