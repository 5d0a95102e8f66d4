import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/store/manifest.js';
import { cli } from '../helpers/cli.js';
import { task } from '../helpers/run.js';
import { endAfterTest, exampleRepo, fence, tempDir } from '../helpers/temp.js';

// `migrate execute` and `role: manual`, offline, with the built CLI, the real Codex and the
// stand-in model, on a workspace whose graph is a small one: a builder, a manual task an operator
// confirms, and a builder after it.

const WS = 'migrations/migration_move-billing-to-postgres';

function workspace(): { root: string; run: (...args: string[]) => ReturnType<typeof cli>; manifest: (id: string) => Manifest; journal: () => string } {
  const root = exampleRepo('legacy-billing', 'co-migrate-execute-');
  const env = { CODEX_ORCHESTRATOR_KEYS_DIR: path.join(tempDir(), 'keys') };
  const run = (...args: string[]) => cli(args, root, env);
  return {
    root,
    run,
    manifest: (id) => JSON.parse(readFileSync(path.join(root, '.runs', id, 'manifest.json'), 'utf8')) as Manifest,
    journal: () => readFileSync(path.join(root, WS, 'journal.md'), 'utf8'),
  };
}

async function planned(w: ReturnType<typeof workspace>): Promise<void> {
  expect((await w.run('migrate', 'setup')).code).toBe(0);
  expect((await w.run('migrate', 'plan', 'Move billing to Postgres')).code).toBe(0);
  const file = path.join(w.root, WS, 'tasks.json');
  const graph = JSON.parse(readFileSync(file, 'utf8')) as { tasks: unknown[] };
  graph.tasks = [
    { id: 'prep', role: 'builder', prompt: `Write the freeze notice.\n\n${fence(`artifact ${WS}/artifacts/prep.md`, '# Freeze\n\nBilling writes freeze at 02:00.')}\n` },
    { id: 'cutover-window', title: 'Confirm the cutover window', role: 'manual', deps: ['prep'], prompt: 'Confirm the cutover window with the DBA team and note the agreed time.' },
    { id: 'after', role: 'builder', deps: ['cutover-window'], prompt: `Write the cutover note.\n\n${fence(`artifact ${WS}/artifacts/after.md`, '# Cutover\n\nDone.')}\n` },
  ];
  writeFileSync(file, `${JSON.stringify(graph, null, 2)}\n`);
}

describe('migrate execute and manual tasks', () => {
  it('a manual task waits; execute writes its runbook and claims it; done releases its dependent (a run that ended at it); errors name what to do', async () => {
    const w = workspace();
    await planned(w);
    const none = await w.run('migrate', 'execute');
    expect(none.code).toBe(2);
    expect(none.stderr).toContain(`error: the workspace ${WS} has no run yet\n  hint: start one with: codex-orchestrator migrate run`);

    const first = await w.run('migrate', 'run', '--json');
    expect(first.code, first.stderr).toBe(0);
    const runId = (JSON.parse(first.stdout) as { runId: string }).runId;
    let m = w.manifest(runId);
    expect(m.status).toBe('awaiting-approval');
    expect(task(m, 'prep').status).toBe('succeeded');
    expect(task(m, 'cutover-window').status).toBe('awaiting-approval');
    expect(task(m, 'after').status).toBe('pending');
    expect(m.message).toBe('manual task cutover-window awaits its operator: codex-orchestrator migrate execute cutover-window --status done');
    const polled = await w.run('poll', runId, '--json');
    expect(JSON.parse(polled.stdout)).toMatchObject({
      waiting: { gates: [], manual: ['cutover-window'] },
      tasks: [{}, { id: 'cutover-window', role: 'manual', waiting: { kind: 'operator', status: 'waiting' } }, {}],
    });

    // Continuing before the mark: nothing to run until the operator marks it done, and how.
    const early = await w.run('migrate', 'run');
    expect(early.code, early.stderr).toBe(0);
    expect(early.stderr).toContain(
      [
        `run ${runId}: nothing to resume until an operator marks it done: manual task cutover-window awaits its operator: codex-orchestrator migrate execute cutover-window --status done`,
        '  done:    codex-orchestrator migrate execute cutover-window --status done [--note TEXT] (its runbook: codex-orchestrator migrate execute)',
        `  then continue the run with: codex-orchestrator resume ${runId}`,
      ].join('\n'),
    );
    expect(early.stderr).not.toContain('approve:');

    // approve refuses a manual task, naming migrate execute.
    const approve = await w.run('approve', runId, '--task', 'cutover-window', '--reviewer', 'ada');
    expect(approve.code).toBe(2);
    expect(approve.stderr).toContain(
      'error: cannot approve cutover-window: it is a manual task, done by its operator, not approved by a reviewer\n  hint: mark it done with: codex-orchestrator migrate execute cutover-window --status done',
    );

    // The next runnable task is the manual one: claimed, with its runbook.
    const picked = await w.run('migrate', 'execute', '--by', 'ada', '--json');
    expect(picked.code, picked.stderr).toBe(0);
    expect(JSON.parse(picked.stdout)).toMatchObject({
      schema: 'codex-orchestrator/migrate-execute@1',
      runId,
      task: 'cutover-window',
      role: 'manual',
      marked: 'running',
      by: 'ada',
      runbook: `${WS}/runs/cutover-window.md`,
    });
    const runbook = readFileSync(path.join(w.root, WS, 'runs', 'cutover-window.md'), 'utf8');
    expect(runbook).toContain('# Runbook: Confirm the cutover window');
    expect(runbook).toContain('## Goal\n\nConfirm the cutover window with the DBA team and note the agreed time.');
    expect(runbook).toContain(`- \`prep\` (succeeded): prep\n  - ${WS}/artifacts/prep.md: \`git show ${task(m, 'prep').resultCommit}:${WS}/artifacts/prep.md\``);
    expect(runbook).toContain('codex-orchestrator migrate execute cutover-window --status done --note "what you did"');
    m = w.manifest(runId);
    expect(task(m, 'cutover-window').operator).toMatchObject({ status: 'running', by: 'ada' });
    expect(JSON.parse((await w.run('poll', runId, '--json')).stdout)).toMatchObject({ tasks: [{}, { waiting: { kind: 'operator', status: 'running', by: 'ada' } }, {}] });
    const status = await w.run('migrate', 'status', '--json');
    expect(JSON.parse(status.stdout)).toMatchObject({ workspaces: [{ gatesWaiting: [], manualWaiting: [{ id: 'cutover-window', operator: { status: 'running', by: 'ada' } }] }] });
    expect(status.stderr).toContain('  manual:   cutover-window (claimed by ada since ');

    // Unknown task, and done on a builder: exit 2 with what to do.
    const unknown = await w.run('migrate', 'execute', 'cutover', '--status', 'done');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('error: cannot mark cutover done: the run has no task "cutover"\n  hint: its tasks are: prep, cutover-window, after');
    const builder = await w.run('migrate', 'execute', 'after', '--status', 'done');
    expect(builder.code).toBe(2);
    expect(builder.stderr).toContain('error: cannot mark after done: it is a builder, not a manual task\n  hint: the orchestrator runs builder tasks: codex-orchestrator migrate run');

    const done = await w.run('migrate', 'execute', 'cutover-window', '--status', 'done', '--note', 'window agreed: Sat 02:00', '--by', 'ada');
    expect(done.code, done.stderr).toBe(0);
    expect(done.stderr).toContain('cutover-window marked done by ada (window agreed: Sat 02:00); nothing awaits now: continue the run with: codex-orchestrator migrate run');
    expect(task(w.manifest(runId), 'cutover-window').status).toBe('succeeded');
    expect((await w.run('verify', runId)).code).toBe(0);

    // Done twice: refused, naming who and when.
    const twice = await w.run('migrate', 'execute', 'cutover-window', '--status', 'done', '--by', 'bob');
    expect(twice.code).toBe(2);
    const at = task(w.manifest(runId), 'cutover-window').operator?.at ?? '';
    expect(twice.stderr).toContain(`error: cannot mark cutover-window done: it was marked done by ada at ${at}\n  hint: a manual task is done once; nothing to change`);

    // migrate run continues: its dependent runs, and the run succeeds.
    const next = await w.run('migrate', 'run');
    expect(next.code, next.stderr).toBe(0);
    m = w.manifest(runId);
    expect(task(m, 'after').status).toBe('succeeded');
    expect(m.status).toBe('succeeded');
    const journal = w.journal();
    expect(journal).toMatch(/\| ada \| cutover-window \| running \| claimed by migrate execute \|/);
    expect(journal).toMatch(/\| ada \| cutover-window \| done \| window agreed: Sat 02:00 \|/);
  }, 240_000);

  it('a live run waiting at a manual task goes on when it is marked done', async () => {
    const w = workspace();
    await planned(w);
    const started = await w.run('migrate', 'run', '--wait-at-gates', '--detach', '--json');
    expect(started.code, started.stderr).toBe(0);
    const runId = (JSON.parse(started.stdout) as { runId: string }).runId;
    endAfterTest(async () => {
      await w.run('stop', runId);
    });
    await expect.poll(() => task(w.manifest(runId), 'cutover-window').status, { timeout: 120_000, interval: 200 }).toBe('awaiting-approval');
    const table = await w.run('poll', runId);
    expect(table.stdout).toContain('  done:    codex-orchestrator migrate execute cutover-window --status done [--note TEXT]');
    const blocked = await w.run('migrate', 'execute', 'cutover-window', '--status', 'blocked', '--note', 'DBA away', '--by', 'bob');
    expect(blocked.code, blocked.stderr).toBe(0);
    expect(blocked.stderr).toContain('cutover-window marked blocked by bob (DBA away); it still waits');
    expect(task(w.manifest(runId), 'cutover-window').status).toBe('awaiting-approval');
    const done = await w.run('migrate', 'execute', 'cutover-window', '--status', 'done', '--by', 'bob');
    expect(done.code, done.stderr).toBe(0);
    expect(done.stderr).toContain("cutover-window marked done by bob; the run's orchestrator goes on with its dependents");
    await expect.poll(() => w.manifest(runId).status, { timeout: 120_000, interval: 200 }).toBe('succeeded');
    expect(task(w.manifest(runId), 'after').status).toBe('succeeded');
    expect(w.journal()).toMatch(/\| bob \| cutover-window \| blocked \| DBA away \|/);
  }, 240_000);
});
