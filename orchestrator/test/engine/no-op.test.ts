import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/store/manifest.js';
import { cli } from '../helpers/cli.js';
import { addFile, readRunFile, repoWithGraph, runGraph, task } from '../helpers/run.js';
import { tempDir } from '../helpers/temp.js';

// No silent no-ops: a builder whose work changed no file, and a tester whose checks ran no tests,
// do not succeed. Real Codex, the offline model, node's own test runner.

const sh = (command: string): string => JSON.stringify(`\`\`\`sh\n${command}\n\`\`\``);
const NO_CHANGE = 'the builder changed no file (its diff is empty); if this task is not meant to change files, set `expectChanges: false`';
const NODE_TEST = { 'test/ok.test.mjs': "import test from 'node:test';\ntest('ok', () => {});\n" };

describe('no silent no-ops', () => {
  it('a builder that changes nothing fails no-change (poll and review say so); with expectChanges: false it succeeds', async () => {
    const marker = path.join(tempDir(), 'checked-once');
    const { repo, graph } = repoWithGraph(
      `
tasks:
  - id: nothing
    role: builder
    prompt: ${sh('echo looked around')}
  - id: after-nothing
    role: builder
    deps: [nothing]
    prompt: ${sh('echo never')}
  - id: report
    role: builder
    expectChanges: false
    prompt: ${sh('echo reported')}
  - id: fixed-without-change
    role: builder
    prompt: |
      Write a file; the check fails once, and the fix changes nothing more.
${addFile('made.txt', 'made')}
    verify: ["test -f ${marker} || { touch ${marker}; exit 1; }"]
`,
    );
    const env = { CODEX_ORCHESTRATOR_KEYS_DIR: path.join(tempDir(), 'keys') };
    const run = await cli(['run', graph, '--json'], repo, env);
    expect(run.code, run.stderr).toBe(1);
    const runId = (JSON.parse(run.stdout) as { runId: string }).runId;
    const manifest = JSON.parse(readFileSync(path.join(repo, '.runs', runId, 'manifest.json'), 'utf8')) as Manifest;
    expect(manifest.tasks.map((t) => [t.id, t.status, t.reason ?? null])).toEqual([
      ['nothing', 'failed', 'no-change'],
      ['after-nothing', 'skipped', 'dependency-failed'],
      ['report', 'succeeded', null],
      ['fixed-without-change', 'succeeded', null],
    ]);
    const nothing = task(manifest, 'nothing');
    expect(nothing).toMatchObject({ message: NO_CHANGE, diffStat: { files: 0, insertions: 0, deletions: 0 } });
    expect(nothing.attempts.map((a) => [a.status, a.reason, a.class])).toEqual([['failed', 'no-change', 'fatal']]);
    const probableCause = `Task "nothing" ended without changing any file (its agent may only have looked or reported, or its edits did not apply): ${NO_CHANGE}`;
    const nextStep =
      `Read what the agent did (.runs/${runId}/tasks/nothing/log.txt), then tell the task what to change: \`codex-orchestrator send ${runId} --task nothing "<what to fix>"\` ` +
      `(and \`codex-orchestrator resume ${runId}\` if the run has ended); if the task is not meant to change files, set \`expectChanges: false\` on it in the graph and run \`codex-orchestrator retry ${runId} --task nothing --reload\`.`;
    expect(nothing.triage).toMatchObject({ probableCause, nextStep });
    // A fix that changed nothing after the first attempt's change: its diff (from the task's base) is not empty.
    const fixed = task(manifest, 'fixed-without-change');
    expect(fixed.attempts.map((a) => [a.status, a.reason ?? null, a.followUp?.from ?? null])).toEqual([
      ['failed', 'verify-failed', null],
      ['succeeded', null, 'fix'],
    ]);
    expect(fixed.diffStat).toEqual({ files: 1, insertions: 1, deletions: 0 });

    const poll = await cli(['poll', runId], repo, env);
    expect(poll.stdout).toMatch(/^nothing +builder +failed +1 +\S+ +- +\+0 -0 \(0 files\) +0\/0 ok +- +\d+$/m);
    expect(poll.stdout).toContain(`\nnothing: no-change: ${NO_CHANGE}\n  probable cause: ${probableCause}\n  next step: ${nextStep}\n`);
    const review = await cli(['review', runId, '--task', 'nothing'], repo, env);
    expect(review.stdout).toContain(
      [
        '  status:    failed (builder), 1 attempt, no-change',
        `  message:   ${NO_CHANGE}`,
        `  triage:    ${probableCause} (the manager agent)`,
        `  next step: ${nextStep}`,
        '  checks:    none',
        '  changes:   0 files, +0 -0',
      ].join('\n'),
    );
    expect(review.stdout).toContain('\n--- diff (.runs/');
    expect(review.stdout).toContain('/tasks/nothing/diff.patch)\n(empty: no changes)\n');
    expect(readRunFile(path.join(repo, '.runs', runId), 'tasks/nothing/log.txt')).toContain(`\nfailed (no-change): ${NO_CHANGE}\n`);
  });

  it('the next step works: expectChanges: false in the graph, then retry --reload, and the builder succeeds', async () => {
    const yaml = `tasks:\n  - id: survey\n    role: builder\n    prompt: ${sh('ls')}\n  - id: after\n    role: builder\n    deps: [survey]\n    prompt: ${sh('echo after > after.txt')}\n`;
    const { repo, graph } = repoWithGraph(yaml);
    const env = { CODEX_ORCHESTRATOR_KEYS_DIR: path.join(tempDir(), 'keys') };
    const run = await cli(['run', graph, '--json', '--agents', 'off'], repo, env);
    expect(run.code, run.stderr).toBe(1);
    const runId = (JSON.parse(run.stdout) as { runId: string }).runId;
    writeFileSync(graph, yaml.replace('    role: builder\n', '    role: builder\n    expectChanges: false\n'));
    const retried = await cli(['retry', runId, '--task', 'survey', '--reload'], repo, env);
    expect(retried.code, retried.stderr).toBe(0);
    expect(retried.stderr).toContain('expectChanges: true → false');
    const manifest = JSON.parse(readFileSync(path.join(repo, '.runs', runId, 'manifest.json'), 'utf8')) as Manifest;
    expect(manifest.tasks.map((t) => [t.id, t.status])).toEqual([
      ['survey', 'succeeded'],
      ['after', 'succeeded'],
    ]);
    expect(task(manifest, 'survey')).toMatchObject({ overrides: { expectChanges: false } });
  });

  it('a tester whose checks ran no tests gets a fail verdict that says which check and why', async () => {
    const { graph, runsDir } = repoWithGraph(
      `
tasks:
  - id: empty-suite
    role: tester
    cwd: no-tests-here
    prompt: ${sh('ls')}
    verify: ["node --test"]
  - id: no-checks
    role: tester
    prompt: Look at the project.
  - id: real-suite
    role: tester
    prompt: ${sh('node --test')}
    verify: ["node --test"]
`,
      NODE_TEST,
    );
    const { manifest, runDir } = await runGraph(graph, runsDir);
    expect(manifest.tasks.map((t) => [t.id, t.status, t.reason ?? null, t.verdict?.verdict ?? null])).toEqual([
      ['empty-suite', 'failed', 'verdict-failed', 'fail'],
      ['no-checks', 'failed', 'verdict-failed', 'fail'],
      ['real-suite', 'succeeded', null, 'pass'],
    ]);
    const empty = task(manifest, 'empty-suite');
    expect(empty.checks?.map((c) => [c.command, c.exitCode])).toEqual([['node --test', 0]]);
    const summary = 'The checks ran no tests, so the verdict is fail: `node --test` ran no tests (its output says "tests 0"). The tester said: 1 of 1 check(s) passed.';
    expect(empty.verdict).toMatchObject({ verdict: 'fail', overridden: true, findings: 1, summary });
    expect(empty.message).toBe(`the tester's verdict is fail: ${summary} (findings in tasks/empty-suite/verdict.json)`);
    const verdict = JSON.parse(readRunFile(runDir, 'tasks/empty-suite/verdict.json')) as { findings: unknown[]; testerSaid: { verdict: string } };
    expect(verdict.testerSaid.verdict).toBe('pass');
    expect(verdict.findings).toEqual([
      {
        file: null,
        line: null,
        severity: 'error',
        message: 'the checks ran no tests (`node --test` ran no tests (its output says "tests 0")), so the verdict is fail: a tester cannot pass a task it did not test',
      },
    ]);
    expect(empty.triage?.nextStep).toBe(
      `Give the tester \`verify\` commands that run the project's tests (or add the tests they should find), then run \`codex-orchestrator retry ${manifest.runId} --task empty-suite --reload\`.`,
    );
    expect(task(manifest, 'no-checks').verdict?.summary).toBe(
      'The checks ran no tests, so the verdict is fail: the task has no verify commands and its work ran no command. The tester said: No checks to judge by; nothing failed.',
    );
  });

  it('without the agents layer: the same builder fails no-change, the same tester fails its checks', async () => {
    const { graph, runsDir } = repoWithGraph(`
settings: { agents: false }
tasks:
  - id: nothing
    role: builder
    prompt: ${sh('echo looked around')}
  - id: report
    role: builder
    expectChanges: false
    prompt: ${sh('echo reported')}
  - id: empty-suite
    role: tester
    cwd: no-tests-here
    prompt: ${sh('ls')}
    verify: ["node --test"]
`);
    const { manifest } = await runGraph(graph, runsDir);
    expect(manifest.tasks.map((t) => [t.id, t.status, t.reason ?? null, t.message ?? null])).toEqual([
      ['nothing', 'failed', 'no-change', NO_CHANGE],
      ['report', 'succeeded', null, null],
      ['empty-suite', 'failed', 'verify-failed', 'the checks ran no tests: `node --test` ran no tests (its output says "tests 0")'],
    ]);
    expect(task(manifest, 'empty-suite').triage).toMatchObject({
      by: 'rules',
      probableCause: 'The checks of tester "empty-suite" ran no tests, so it tested nothing: the checks ran no tests: `node --test` ran no tests (its output says "tests 0")',
    });
  });
});
