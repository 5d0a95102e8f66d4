import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { shellTask, stopCli, whenRunning } from '../helpers/busy-run.js';
import { BIN, cli, startCli } from '../helpers/cli.js';
import { addFile, repoWithGraph } from '../helpers/run.js';
import { writeFiles } from '../helpers/temp.js';

const GRAPH = `
tasks:
  - id: make-file
    role: builder
    prompt: |
${addFile('made.txt', 'made')}
    verify: ["test -f made.txt"]
  - id: check-file
    role: tester
    deps: [make-file]
    prompt: "\`\`\`sh\\ncat made.txt\\n\`\`\`"
    verify: ["grep -q made made.txt"]
`;

describe('codex-orchestrator CLI', () => {
  it('validate: exit 0 for a good graph, 2 with file:line:col for a bad one', async () => {
    const { repo } = repoWithGraph(GRAPH);
    const good = await cli(['validate', 'graph.yaml'], repo);
    expect(good.code).toBe(0);
    expect(good.stderr).toBe('graph.yaml: ok, 2 tasks (1 builder, 1 tester, 0 gate)\n');
    writeFiles(repo, { 'bad.yaml': 'tasks:\n  - id: a\n    role: builder\n    prompt: x\n    deps: [nope]\n' });
    const bad = await cli(['validate', 'bad.yaml'], repo);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('bad.yaml:5:12: error: unknown dependency "nope" in task "a"');
    expect(bad.stderr).not.toMatch(/at .*\.js:\d+/);
    const json = await cli(['validate', 'bad.yaml', '--json'], repo);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ valid: false, reason: 'invalid', problems: [{ line: 5, column: 12 }] });
  });

  it('validate and run: a graph whose folders, scripts or checklist do not exist is refused with all its problems, exit 2, and no run starts', async () => {
    const graph = [
      'tasks:',
      '  - id: build',
      '    role: builder',
      '    cwd: ap',
      '    prompt: "```sh\\necho built > built.txt\\n```"',
      '  - id: check',
      '    role: tester',
      '    deps: [build]',
      '    cwd: app',
      '    prompt: "```sh\\nls\\n```"',
      '    verify: [npm test, npm run check]',
      '    checklist: tasks/tasks-app.md#chek',
      '',
    ].join('\n');
    const { repo } = repoWithGraph(graph, {
      'app/package.json': '{ "name": "app", "scripts": { "test": "node --test", "lint": "true" } }\n',
      'tasks/tasks-app.md': '# App\n\n- [ ] build: Build it\n- [ ] check: Check it\n',
    });
    const expected = `graph.yaml:4:10: error: cwd "ap" of task "build" does not exist in the base commit (HEAD)
    4 |     cwd: ap
      |          ^^
  hint: did you mean "app"? the path is relative to the repository root

graph.yaml:11:24: error: verify command of task "check" runs "npm run check", but app/package.json has no script "check" in the base commit (HEAD)
   11 |     verify: [npm test, npm run check]
      |                        ^^^^^^^^^^^^^
  hint: its scripts are: test, lint; add the script and commit it, or fix the command

graph.yaml:12:16: error: no item of tasks/tasks-app.md matches "chek" (the checklist of task "check")
   12 |     checklist: tasks/tasks-app.md#chek
      |                ^^^^^^^^^^^^^^^^^^^^^^^
  hint: did you mean "check"? an item matches when its text starts with "chek" followed by ":", a space or the end of the line (case-sensitive)
  note: tasks/tasks-app.md:3:1: an item: [ ] build: Build it
  note: tasks/tasks-app.md:4:1: an item: [ ] check: Check it

3 problems in graph.yaml
`;
    const validate = await cli(['validate', 'graph.yaml'], repo);
    expect(validate.code).toBe(2);
    expect(validate.stderr).toBe(expected);
    const json = await cli(['validate', 'graph.yaml', '--json'], repo);
    expect(JSON.parse(json.stdout)).toMatchObject({
      valid: false,
      reason: 'invalid',
      problems: [
        { line: 4, column: 10 },
        { line: 11, column: 24 },
        { line: 12, column: 16 },
      ],
    });
    for (const args of [
      ['run', 'graph.yaml'],
      ['run', 'graph.yaml', '--detach', '--json'],
    ]) {
      const run = await cli(args, repo);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr, args.join(' ')).toBe(expected);
      expect(run.stdout, args.join(' ')).toBe('');
    }
    expect(existsSync(path.join(repo, '.runs'))).toBe(false);
  });

  it('bad usage exits 2 with a hint and no stack trace', async () => {
    const { repo } = repoWithGraph(GRAPH);
    for (const args of [
      ['frobnicate'],
      ['run'],
      ['run', 'graph.yaml', '--concurrency', '0'],
      ['run', 'graph.yaml', '--backend', 'x'],
      ['poll', 'not-a-run'],
      ['poll', 'latest'],
      ['run', 'missing.yaml'],
    ]) {
      const r = await cli(args, repo);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(/^error: /m);
      expect(r.stderr, args.join(' ')).not.toMatch(/\n\s+at /);
    }
  });

  it('a mistyped run id gets the same answer from every command that takes one, exit 2', async () => {
    const { repo } = repoWithGraph(GRAPH);
    const expected = 'error: "not-a-run" is not a run id\n  hint: run ids look like 2026-11-21T10-04-05Z-7f3a; use "latest" for the newest run\n';
    const commands = [
      ['poll', 'not-a-run', '--json'],
      ['resume', 'not-a-run'],
      ['stop', 'not-a-run'],
      ['review', 'not-a-run'],
      ['approve', 'not-a-run', '--task', 't', '--reviewer', 'ann'],
      ['reject', 'not-a-run', '--task', 't', '--reviewer', 'ann', '--reason', 'no'],
      ['send', 'not-a-run', '--task', 't', 'again'],
      ['retry', 'not-a-run', '--task', 't'],
      ['verify', 'not-a-run'],
    ];
    for (const args of commands) {
      const r = await cli(args, repo);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toBe(expected);
      expect(r.stdout, args.join(' ')).toBe('');
    }
    // Checks of the command line that come first still do.
    const noTask = await cli(['retry', 'not-a-run'], repo);
    expect(noTask.stderr).toBe('error: missing --task (the failed task to run again)\n  hint: see: codex-orchestrator --help\n');
  });

  it('run: exit 0, then poll shows the table and a stable --json document', async () => {
    const { repo } = repoWithGraph(GRAPH);
    const run = await cli(['run', 'graph.yaml', '--json'], repo);
    expect(run.code, run.stderr).toBe(0);
    const doc = JSON.parse(run.stdout);
    expect(run.stderr).toContain(`run id: ${doc.runId}`);
    const poll = await cli(['poll', 'latest', '--json'], repo);
    expect(poll.code).toBe(0);
    const polled = JSON.parse(poll.stdout);
    expect(Object.keys(polled)).toEqual([
      'schema',
      'runId',
      'status',
      'message',
      'runDir',
      'manifest',
      'graph',
      'startedAt',
      'finishedAt',
      'heartbeatAt',
      'durationMs',
      'counts',
      'usage',
      'integration',
      'tasks',
      'reason',
      'codexUsage',
      'agentUsage',
      'agents',
      'budget',
      'waitMs',
      'waiting',
    ]);
    expect(polled).toMatchObject({ schema: 'codex-orchestrator/poll@1', runId: doc.runId, status: 'succeeded', manifest: path.join(repo, '.runs', doc.runId, 'manifest.json') });
    expect(Object.keys(polled.tasks[0])).toEqual([
      'id',
      'title',
      'role',
      'status',
      'reason',
      'message',
      'attempts',
      'durationMs',
      'threadId',
      'diff',
      'checks',
      'usage',
      'artifacts',
      'codexUsage',
      'agentUsage',
      'fixAttempts',
      'verdict',
      'triage',
      'sandboxDenials',
      'workMs',
      'waitMs',
      'waiting',
      'approval',
      'expansion',
      'when',
    ]);
    expect(polled.tasks[0]).toMatchObject({ id: 'make-file', status: 'succeeded', attempts: 1, diff: { files: 1, insertions: 1, deletions: 0 }, checks: { passed: 1, failed: 0, total: 1 } });
    expect(existsSync(polled.tasks[0].artifacts.diff)).toBe(true);
    const script = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn('bash', [path.join(BIN, '../../scripts/poll.sh'), doc.runId, '--json'], { cwd: repo, stdio: ['ignore', 'pipe', 'ignore'] });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.on('close', (code) => resolve({ code, out }));
    });
    expect(script.code).toBe(0);
    expect(JSON.parse(script.out)).toMatchObject({ runId: doc.runId, status: 'succeeded' });
    const table = await cli(['poll', doc.runId], repo);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^TASK\s+ROLE\s+STATUS\s+ATTEMPTS\s+WORKED\s+WAITED\s+DIFF\s+CHECKS\s+VERDICT\s+TOKENS$/m);
    expect(table.stdout).toMatch(/^make-file\s+builder\s+succeeded\s+1\s+\S+\s+-\s+\+1 -0 \(1 file\)\s+1\/1 ok\s+-\s+\d+$/m);
  });

  it('run exits 1 when a task fails', async () => {
    const { repo } = repoWithGraph(`
tasks:
  - id: fails
    role: builder
    prompt: "\`\`\`sh\\necho hi\\n\`\`\`"
    verify: ["false"]
`);
    const r = await cli(['run', 'graph.yaml'], repo);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('verify-failed: verify failed: `false` exited 1');
  });

  it('run --detach returns at once with the run id; poll --watch follows it to the end', async () => {
    const { repo } = repoWithGraph(GRAPH);
    const started = await cli(['run', 'graph.yaml', '--detach', '--json'], repo);
    expect(started.code, started.stderr).toBe(0);
    const { runId, pid, manifest } = JSON.parse(started.stdout);
    expect(existsSync(manifest)).toBe(true);
    const watch = await cli(['poll', runId, '--watch', '--json', '--interval', '0.2'], repo);
    expect(watch.code).toBe(0);
    const docs = watch.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(docs.at(-1)).toMatchObject({ runId, status: 'succeeded' });
    // The background process seals the run (making the project's key on first use) after its last
    // manifest: let it end before the repository is removed.
    const alive = (): boolean => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    await expect.poll(alive, { timeout: 15_000 }).toBe(false);
  });

  it('SIGTERM stops a run: running Codex turns cancelled, no child process left, exit 143, run marked stopped', async () => {
    const marker = `sigterm-marker-${process.pid}-${Date.now()}`;
    const { repo } = repoWithGraph(
      `tasks:\n${shellTask('busy-1', `bash -c 'sleep 60; echo ${marker}-1'`)}${shellTask('busy-2', `bash -c 'sleep 60; echo ${marker}-2'`)}${shellTask('later', 'echo later', ['busy-1'])}`,
    );
    const run = startCli(['run', 'graph.yaml'], repo);
    // Both tasks' commands are running (each shows up as several processes: Codex's shell, bash, sleep).
    await whenRunning([`${marker}-1`, `${marker}-2`], 20_000);
    const { result, tree, survivors } = await stopCli(run, marker);
    expect(tree.length).toBeGreaterThan(2);
    expect(result.code).toBe(143);
    expect(survivors).toEqual([]);
    const runs = readdirSync(path.join(repo, '.runs')).filter((n) => n.startsWith('20'));
    const m = JSON.parse(readFileSync(path.join(repo, '.runs', runs[0] as string, 'manifest.json'), 'utf8'));
    expect(m.status).toBe('stopped');
    expect(m.tasks.map((t: { status: string }) => t.status)).toEqual(['cancelled', 'cancelled', 'cancelled']);
  });
});
