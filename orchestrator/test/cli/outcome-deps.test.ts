import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/store/manifest.js';
import type { RunEvent } from '../../src/store/events/run-event.js';
import { cli } from '../helpers/cli.js';
import { expectLogTellsEvents } from '../helpers/narration.js';
import { repoWithGraph, task } from '../helpers/run.js';
import { fence, tempDir } from '../helpers/temp.js';

// Outcome-aware dependencies: a failing tester's findings go to the builders it depends on, which
// rework them on their own threads, and the tester runs again (bounded by its maxFixAttempts); a
// task whose result changes after others used it makes them stale: they run again, and an
// approval of changed work is withdrawn, its checklist item unticked.

const sh = (command: string): string => JSON.stringify(`\`\`\`sh\n${command}\n\`\`\``);

function setup(graph: string, files: Record<string, string> = {}): { repo: string; env: NodeJS.ProcessEnv; manifest: (id: string) => Manifest; events: (id: string) => RunEvent[] } {
  const { repo } = repoWithGraph(graph, files);
  const env = { CODEX_ORCHESTRATOR_KEYS_DIR: path.join(tempDir(), 'keys') };
  const runFile = (id: string, name: string): string => readFileSync(path.join(repo, '.runs', id, name), 'utf8');
  return {
    repo,
    env,
    manifest: (id) => JSON.parse(runFile(id, 'manifest.json')) as Manifest,
    events: (id) =>
      runFile(id, 'events.ndjson')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as RunEvent),
  };
}

const runIdOf = (stdout: string): string => (JSON.parse(stdout) as { runId: string }).runId;

describe('a failing tester', () => {
  // The tester's `fix` text goes to its builders with its findings: here, what the stand-in carries out.
  const graph = (verify: string, maxFixAttempts: number): string => `
tasks:
  - id: a
    role: builder
    prompt: ${sh('echo v1 > a.out')}
  - id: b
    role: builder
    prompt: ${sh('echo v1 > b.out')}
  - id: check
    role: tester
    deps: [a, b]
    prompt: ${sh('ls')}
    verify: [${JSON.stringify(verify)}]
    maxFixAttempts: ${maxFixAttempts}
    fix: ${sh('sed -i s/v1/v2/ *.out')}
`;

  it('sends its findings to the builders it depends on, which rework them on their threads, and runs again once they are done', { timeout: 120_000 }, async () => {
    const { repo, env, manifest, events } = setup(graph('grep -q v2 a.out && grep -q v2 b.out', 2));
    const r = await cli(['run', 'graph.yaml', '--json'], repo, env);
    expect(r.code, r.stderr).toBe(0);
    const id = runIdOf(r.stdout);
    const m = manifest(id);
    expect(m.status).toBe('succeeded');
    for (const b of ['a', 'b']) {
      const t = task(m, b);
      expect(t.attempts.map((x) => x.status)).toEqual(['succeeded', 'succeeded']);
      expect(t.attempts[1]?.followUp).toMatchObject({ from: 'tester', by: 'check', fix: 1 });
      // On its own thread: the rework continued the conversation of its first attempt.
      expect(t.attempts[1]?.threadId).toBe(t.attempts[0]?.threadId);
      expect(t.attempts[1]?.followUp?.prompt).toContain('The tester "check"');
    }
    const check = task(m, 'check');
    expect(check.attempts.map((x) => [x.status, x.reason])).toEqual([
      ['failed', 'verify-failed'],
      ['succeeded', undefined],
    ]);
    const reworked = events(id).find((e) => e.kind === 'attempt-finished' && e.task === 'check' && e.n === 1);
    expect(reworked).toMatchObject({ next: 'rework', status: 'pending' });
    // Each builder's rework started after the tester's first attempt ended, and the tester's second after both.
    const at = (kind: string, taskId: string, n: number): number => events(id).findIndex((e) => e.kind === kind && 'task' in e && e.task === taskId && 'n' in e && e.n === n);
    expect(at('attempt-started', 'a', 2)).toBeGreaterThan(at('attempt-finished', 'check', 1));
    expect(at('attempt-started', 'check', 2)).toBeGreaterThan(Math.max(at('attempt-finished', 'a', 2), at('attempt-finished', 'b', 2)));
    expect(readFileSync(path.join(repo, '.runs', id, 'runner.log'), 'utf8')).toContain('its findings go to a, b: round 1 of 2');
    // The log tells every event of the run (its rework included), in their order.
    expect(expectLogTellsEvents(path.join(repo, '.runs', id))).toBeGreaterThan(10);
  });

  it('is bounded by its maxFixAttempts: after that many rounds it fails, saying so', { timeout: 120_000 }, async () => {
    const { repo, env, manifest } = setup(graph('grep -q v3 a.out', 1));
    const r = await cli(['run', 'graph.yaml', '--json'], repo, env);
    expect(r.code).toBe(1);
    const m = manifest(runIdOf(r.stdout));
    const check = task(m, 'check');
    expect(check.status).toBe('failed');
    expect(check.attempts).toHaveLength(2);
    expect(check.message).toMatch(/; after 1 round of rework$/);
    expect(task(m, 'a').attempts).toHaveLength(2);
    expect(task(m, 'b').attempts).toHaveLength(2);
  });
});

describe('a result that changes after others used it', () => {
  it('makes a task still running on the old result run again when its attempt ends, before anything uses what it made', { timeout: 180_000 }, async () => {
    // The tester's first attempt waits for the test's word, so the builder's rework (a `send`) ends while it runs.
    const release = path.join(tempDir(), 'release');
    const { repo, env, manifest, events } = setup(`
tasks:
  - id: a
    role: builder
    prompt: ${sh('echo v1 > a.out')}
  - id: t
    role: tester
    deps: [a]
    prompt: ${sh(`while [ ! -f ${release} ]; do sleep 0.1; done; cat a.out`)}
    verify: ["test -s a.out"]
  - id: after
    role: builder
    deps: [t]
    prompt: ${sh('cat a.out > after.out')}
`);
    const started = await cli(['run', 'graph.yaml', '--detach', '--json'], repo, env);
    expect(started.code, started.stderr).toBe(0);
    const id = runIdOf(started.stdout);
    await expect.poll(() => task(manifest(id), 't').status, { timeout: 90_000, interval: 100 }).toBe('running');
    const sent = await cli(['send', id, '--task', 'a', `Make it v2.\n\n${fence('sh', 'echo v2 > a.out')}`], repo, env);
    expect(sent.code, sent.stderr).toBe(0);
    // The builder's second attempt, once it is done (the manifest follows the run a moment behind).
    await expect.poll(() => task(manifest(id), 'a').attempts.map((x) => x.status), { timeout: 90_000, interval: 100 }).toEqual(['succeeded', 'succeeded']);
    writeFileSync(release, '');
    await expect.poll(() => manifest(id).status, { timeout: 90_000, interval: 200 }).toBe('succeeded');
    const m = manifest(id);
    const t = task(m, 't');
    expect(t.attempts.map((x) => x.status)).toEqual(['succeeded', 'succeeded']);
    const log = events(id);
    const at = (pred: (e: RunEvent) => boolean): number => log.findIndex(pred);
    const reopened = at((e) => e.kind === 'task-reopened' && e.task === 't' && e.why === 'stale');
    expect(log[reopened]).toMatchObject({ because: ['a'] });
    expect(reopened).toBeGreaterThan(at((e) => e.kind === 'attempt-finished' && e.task === 't' && e.n === 1));
    expect(at((e) => e.kind === 'attempt-started' && e.task === 't' && e.n === 2)).toBeGreaterThan(at((e) => e.kind === 'attempt-finished' && e.task === 'a' && e.n === 2));
    // What came after the tester ran once, on the new result.
    expect(task(m, 'after').attempts).toHaveLength(1);
    expect(at((e) => e.kind === 'attempt-started' && e.task === 'after')).toBeGreaterThan(at((e) => e.kind === 'attempt-finished' && e.task === 't' && e.n === 2));
    expect(readFileSync(path.join(repo, '.runs', id, 'tasks', 't', 'log.txt'), 'utf8')).toContain('v2');
    expectLogTellsEvents(path.join(repo, '.runs', id));
  });

  const CHECKLIST = `# Release

- [ ] build: Build it
- [ ] docs: Document it
`;
  const GRAPH = `
tasks:
  - id: build
    role: builder
    prompt: ${sh('echo v1 > build.out')}
  - id: docs
    role: builder
    deps: [build]
    prompt: ${sh('cat build.out > docs.out')}
    checklist: tasks-release.md#docs
  - id: check
    role: tester
    deps: [docs]
    prompt: ${sh('cat docs.out')}
    verify: ["test -s docs.out"]
`;

  it('makes what ran on the old result stale: it runs again, and an approval of it is withdrawn and its checklist item unticked', { timeout: 180_000 }, async () => {
    const { repo, env, manifest, events } = setup(GRAPH, { 'tasks-release.md': CHECKLIST });
    const r = await cli(['run', 'graph.yaml', '--json'], repo, env);
    expect(r.code, r.stderr).toBe(0);
    const id = runIdOf(r.stdout);
    expect((await cli(['approve', id, '--task', 'docs', '--reviewer', 'carol'], repo, env)).code).toBe(0);
    const ticked = readFileSync(path.join(repo, 'tasks-release.md'), 'utf8');
    expect(ticked).toContain('- [x] docs: Document it — approved by carol');

    const sent = await cli(['send', id, '--task', 'build', '```sh\necho v2 > build.out\n```'], repo, env);
    expect(sent.code, sent.stderr).toBe(0);
    const m = manifest(id);
    expect(m.status).toBe('succeeded');
    expect(task(m, 'build').attempts).toHaveLength(2);
    // Both dependents ran on the old result: both ran again, on the new one.
    const docs = task(m, 'docs');
    expect(docs.attempts).toHaveLength(2);
    expect(docs.status).toBe('succeeded');
    expect(docs.stale).toBeUndefined();
    expect(docs.reviews?.at(-1)).toMatchObject({ decision: 'approved', reviewer: 'carol', withdrawn: { reason: 'build changed after the approval' } });
    expect(task(m, 'check').attempts).toHaveLength(2);
    const stale = events(id).filter((e) => e.kind === 'task-reopened' && e.why === 'stale');
    expect(stale.map((e) => (e.kind === 'task-reopened' ? [e.task, e.because] : []))).toEqual([
      ['docs', ['build']],
      ['check', ['docs']],
    ]);
    // Byte-exact: only the item's box and note changed.
    const unticked = readFileSync(path.join(repo, 'tasks-release.md'), 'utf8');
    expect(unticked.split('\n')[3]).toMatch(/^- \[ \] docs: Document it — withdrawn by codex-orchestrator, evidence: \.runs\/.+\/manifest\.json, reason: build changed after the approval$/);
    expect(unticked.replace(/\n- \[ \] docs:.*\n/, '\n')).toBe(ticked.replace(/\n- \[x\] docs:.*\n/, '\n'));
    expect((await cli(['verify', id], repo, env)).code).toBe(0);
    // The decisions, the withdrawal and the stale tasks are told in the log like the attempts.
    const log = readFileSync(path.join(repo, '.runs', id, 'runner.log'), 'utf8');
    expect(log).toMatch(/task docs approved by .+ \(attempt 1, was succeeded\)/);
    expect(log).toContain('task docs: approval withdrawn: build changed after the approval');
    expect(expectLogTellsEvents(path.join(repo, '.runs', id))).toBeGreaterThan(10);
  });
});
