import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isAlive } from '../../src/core/process-tree.js';
import type { Manifest } from '../../src/store/manifest.js';
import { cli, startCli, type CliResult } from '../helpers/cli.js';
import { repoWithGraph, task } from '../helpers/run.js';

// `retry` runs a failed task again (with its settings read again from the graph file when asked),
// and a dependency that comes to succeed (retry, send) releases the dependents it held back.

const started: { child: { pid?: number | undefined; kill(signal: NodeJS.Signals): boolean }; done: Promise<CliResult> }[] = [];
afterEach(async () => {
  for (const run of started.splice(0)) {
    if (run.child.pid && isAlive(run.child.pid)) run.child.kill('SIGKILL');
    await run.done;
  }
});

function manifestOf(runsDir: string, runId: string): Manifest {
  return JSON.parse(readFileSync(path.join(runsDir, runId, 'manifest.json'), 'utf8')) as Manifest;
}

function runIdOf(result: CliResult): string {
  const id = /run id: (\S+)/.exec(result.stdout + result.stderr)?.[1];
  expect(id, result.stderr).toBeDefined();
  return id as string;
}

/** `slow` needs 2 s and is given 1 s, so it times out; `after` depends on it. */
function timingOutGraph(timeout: string, extra = ''): string {
  return `tasks:
  - id: slow
    role: builder
    timeout: ${timeout}
    prompt: "\`\`\`sh\\nsleep 2 && echo done > slow.txt\\n\`\`\`"
  - id: after
    role: builder
    deps: [slow]
    prompt: "\`\`\`sh\\ncat slow.txt > after.txt\\n\`\`\`"
${extra}`;
}

describe('retry', () => {
  it('runs a task that timed out again with the timeout read again from the graph file (--reload), says what changed, and its skipped dependent runs', { timeout: 180_000 }, async () => {
    const { repo, graph, runsDir } = repoWithGraph(timingOutGraph('1s'));
    const first = await cli(['run', 'graph.yaml'], repo);
    expect(first.code, first.stderr).toBe(1);
    const runId = runIdOf(first);
    const failed = manifestOf(runsDir, runId);
    expect(task(failed, 'slow')).toMatchObject({ status: 'failed', reason: 'timeout' });
    expect(task(failed, 'after').status).toBe('skipped');
    expect(task(failed, 'slow').triage?.nextStep).toContain(`codex-orchestrator retry ${runId} --task slow --reload`);

    // Mistakes first: a skipped task, and a task that is not there.
    const skipped = await cli(['retry', runId, '--task', 'after'], repo);
    expect(skipped.code).toBe(2);
    expect(skipped.stderr).toBe(
      `error: after was skipped: its dependency "slow" did not succeed\n  hint: retry that one (codex-orchestrator retry ${runId} --task slow); after runs once it succeeds\n`,
    );
    const unknown = await cli(['retry', runId, '--task', 'nope'], repo);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe('error: the run has no task "nope"\n  hint: its tasks are: slow, after\n');

    // The graph file read again is checked as `validate` checks it, its repository too.
    writeFileSync(graph, timingOutGraph('2m').replace('    timeout:', '    cwd: nowhere\n    timeout:'));
    const refused = await cli(['retry', runId, '--task', 'slow', '--reload'], repo);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(`graph.yaml:4:10: error: cwd "nowhere" of task "slow" does not exist in the base commit (HEAD)
    4 |     cwd: nowhere
      |          ^^^^^^^
  hint: the path is relative to the repository root; tasks start from the base commit, so create the folder and commit it, or fix the path

1 problem in graph.yaml
  hint: fix the graph file, or retry without --reload to keep the task's settings as run
`);

    writeFileSync(graph, timingOutGraph('2m'));
    const retried = await cli(['retry', runId, '--task', 'slow', '--reload'], repo);
    expect(retried.code, retried.stderr).toBe(0);
    expect(retried.stderr).toContain('slow: timeout: 1.0s → 2m\n');
    expect(retried.stderr).toContain(`retrying slow in run ${runId}; running it now`);
    const m = manifestOf(runsDir, runId);
    expect(m.status).toBe('succeeded');
    expect(task(m, 'slow').attempts.map((a) => a.status)).toEqual(['failed', 'succeeded']);
    expect(task(m, 'slow').overrides).toEqual({ timeoutMs: 120_000 });
    expect(task(m, 'after').status).toBe('succeeded');
    const log = readFileSync(path.join(runsDir, runId, 'runner.log'), 'utf8');
    expect(log).toContain('task slow: retry requested (timeout 1.0s → 2m)');
    expect(log).toContain('task after: no longer skipped: the dependency that did not succeed runs again');

    const again = await cli(['retry', runId, '--task', 'slow'], repo);
    expect(again.code).toBe(2);
    expect(again.stderr).toBe(
      `error: slow is succeeded: retry runs a task that failed or was cancelled\n  hint: to change its work, send it a follow-up: codex-orchestrator send ${runId} --task slow "<what to change>"\n`,
    );
  });

  it('a live run takes the retry through its inbox: the task and its dependent run at once while the run waits at a gate', { timeout: 180_000 }, async () => {
    const gate = '  - id: review\n    role: gate\n';
    const { repo, graph, runsDir } = repoWithGraph(timingOutGraph('1s', gate));
    const live = startCli(['run', 'graph.yaml', '--json'], repo);
    started.push(live);
    const runs = (): string[] => {
      try {
        return JSON.parse(readFileSync(path.join(runsDir, 'index.json'), 'utf8')).runs.map((r: { id: string }) => r.id) as string[];
      } catch {
        return [];
      }
    };
    await expect.poll(() => runs().length, { timeout: 60_000, interval: 100 }).toBe(1);
    const runId = runs()[0] as string;
    await expect.poll(() => manifestOf(runsDir, runId).status, { timeout: 60_000, interval: 100 }).toBe('awaiting-approval');
    expect(task(manifestOf(runsDir, runId), 'after').status).toBe('skipped');

    writeFileSync(graph, timingOutGraph('2m', gate));
    const retried = await cli(['retry', runId, '--task', 'slow', '--reload'], repo);
    expect(retried.code, retried.stderr).toBe(0);
    expect(retried.stderr).toContain(`retrying slow in run ${runId}: the run's orchestrator (process ${live.child.pid}) runs it now`);
    await expect.poll(() => task(manifestOf(runsDir, runId), 'after').status, { timeout: 90_000, interval: 100 }).toBe('succeeded');
    const approved = await cli(['approve', runId, '--task', 'review', '--reviewer', 'ada'], repo);
    expect(approved.code, approved.stderr).toBe(0);
    const ended = await live.done;
    expect(ended.code, ended.stderr).toBe(0);
    const m = manifestOf(runsDir, runId);
    expect(m.status).toBe('succeeded');
    expect(m.resumes ?? []).toEqual([]);
    expect(task(m, 'slow').overrides).toEqual({ timeoutMs: 120_000 });
  });
});

describe('a dependency that comes to succeed releases its skipped dependents', () => {
  it('send mends a failed task; resume then runs the dependent it had skipped, and the run succeeds', { timeout: 180_000 }, async () => {
    const { repo, runsDir } = repoWithGraph(`tasks:
  - id: a
    role: builder
    maxFixAttempts: 0
    prompt: "\`\`\`sh\\necho a > a.txt\\n\`\`\`"
    verify: ["test -f fixed.txt"]
  - id: b
    role: builder
    deps: [a]
    prompt: "\`\`\`sh\\ncat fixed.txt a.txt > b.txt\\n\`\`\`"
`);
    const first = await cli(['run', 'graph.yaml'], repo);
    expect(first.code, first.stderr).toBe(1);
    const runId = runIdOf(first);
    expect(task(manifestOf(runsDir, runId), 'b').status).toBe('skipped');
    const sent = await cli(['send', runId, '--task', 'a', '```sh\ntouch fixed.txt\n```'], repo);
    expect(sent.code, sent.stderr).toBe(0);
    const m = manifestOf(runsDir, runId);
    expect(task(m, 'a').status).toBe('succeeded');
    expect(task(m, 'b').status).toBe('succeeded');
    expect(m.status).toBe('succeeded');
  });
});
