import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TaggedAbort } from '../../src/core/abort.js';
import { executeRun } from '../../src/engine/run/execute.js';
import type { EngineEvent } from '../../src/engine/run/events.js';
import { loadGraph } from '../../src/graph/load.js';
import type { Manifest } from '../../src/store/manifest.js';
import { cli } from '../helpers/cli.js';
import { processesWith } from '../helpers/processes.js';
import { addFile, readRunFile, repoWithGraph, runGraph, task } from '../helpers/run.js';
import { git, tempDir, worktreesLeft } from '../helpers/temp.js';

// Whole runs through the codex-app-server backend: real Codex CLI (pinned) through one
// `codex app-server`, against the offline model server.

const sh = (command: string): string => `\`\`\`sh\n${command}\n\`\`\``;
const fault = (spec: string, command: string): string => `"\`\`\`offline-fault\\n${spec}\\n\`\`\`\\n\`\`\`sh\\n${command}\\n\`\`\`"`;

describe('a run through codex app-server', () => {
  it('builders edit through Codex, the tester sees both results, a failing verify fails only its branch; the log streams', async () => {
    const { repo, graph, runsDir } = repoWithGraph(`
settings: { backend: codex-app-server }
tasks:
  - id: add-a
    role: builder
    prompt: |
      Add a.
${addFile('a.txt', 'alpha')}
    verify: ["grep -q alpha a.txt"]
  - id: add-b
    role: builder
    prompt: |
      Add b.
${addFile('b.txt', 'beta')}
  - id: broken
    role: builder
    prompt: |
      Add c, then the check fails.
${addFile('c.txt', 'gamma')}
    verify: ["echo checking; exit 7"]
  - id: after-broken
    role: builder
    deps: [broken]
    prompt: "\`\`\`sh\\necho never\\n\`\`\`"
  - id: check-both
    role: tester
    deps: [add-a, add-b]
    prompt: |
      Look at both.
      \`\`\`sh
      sleep 0.5; cat a.txt b.txt
      \`\`\`
    verify: ["grep -qx alpha a.txt && grep -qx beta b.txt", "test ! -f c.txt"]
`);
    const events: EngineEvent[] = [];
    const { manifest, runDir } = await runGraph(graph, runsDir, { events });

    expect(manifest.settings.backend).toBe('codex-app-server');
    expect(manifest.status).toBe('failed');
    expect(manifest.tasks.map((t) => [t.id, t.status])).toEqual([
      ['add-a', 'succeeded'],
      ['add-b', 'succeeded'],
      ['broken', 'failed'],
      ['after-broken', 'skipped'],
      ['check-both', 'succeeded'],
    ]);
    const addA = task(manifest, 'add-a');
    expect(readRunFile(runDir, addA.artifacts.diff?.path ?? '')).toContain('+++ b/a.txt\n@@ -0,0 +1 @@\n+alpha');
    expect(addA.diffStat).toEqual({ files: 1, insertions: 1, deletions: 0 });
    expect(addA.threadId).toMatch(/^[0-9a-f-]{36}$/);
    expect(addA.usage?.total).toBeGreaterThan(0);
    expect(readRunFile(runDir, 'tasks/add-a/log.txt')).toMatch(/patch applied: a\.txt/);
    const broken = task(manifest, 'broken');
    expect(broken.reason).toBe('verify-failed');
    expect(broken.checks?.[0]).toMatchObject({ command: 'echo checking; exit 7', exitCode: 7 });
    expect(task(manifest, 'after-broken')).toMatchObject({ reason: 'dependency-failed' });
    const tester = task(manifest, 'check-both');
    expect(tester.checks?.map((c) => c.exitCode)).toEqual([0, 0]);
    // Codex's command, its output and its end reached the task's log; its start reached the live progress.
    expect(readRunFile(runDir, 'tasks/check-both/log.txt')).toMatch(/\$ sleep 0\.5; cat a\.txt b\.txt\n(?: {4}.*\n)*? {4}alpha\n {4}beta\n.*\(exit 0, /);
    expect(events.some((e) => e.type === 'task-command' && e.taskId === 'check-both' && e.command === 'sleep 0.5; cat a.txt b.txt')).toBe(true);
    // The streamed output is in events.jsonl, as Codex sent it (its pieces joined are the output).
    const records = readRunFile(runDir, 'tasks/check-both/events.jsonl')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { source: string; raw: { method?: string; params?: { delta?: string } } });
    expect(records[0]?.source).toBe('codex-app-server');
    const deltas = records.filter((r) => r.raw.method === 'item/commandExecution/outputDelta').map((r) => r.raw.params?.delta ?? '');
    // (after whatever the machine's shell profile printed first)
    expect(deltas.join('')).toMatch(/(?:^|\n)alpha\nbeta\n$/);
    expect(manifest.integration?.merged).toEqual(['add-a', 'add-b', 'check-both']);
    expect(git(repo, 'show', `${manifest.integration?.branch}:a.txt`)).toBe('alpha');
    expect(existsSync(path.join(repo, 'a.txt'))).toBe(false);
    expect(git(repo, 'status', '--porcelain')).toBe('');
    expect(worktreesLeft(repo)).toEqual([]);
  });

  it('a stop mid-turn cancels the task at once and leaves none of its processes behind', { timeout: 120_000 }, async () => {
    const marker = `app-server-stop-${process.pid}-${Date.now()}`;
    const { graph, runsDir } = repoWithGraph(`
settings: { backend: codex-app-server }
tasks:
  - id: slow
    role: builder
    prompt: "\`\`\`sh\\nbash -c 'sleep 30; echo ${marker}' || true; echo done > done.txt\\n\`\`\`"
`);
    const loaded = await loadGraph(graph);
    if (!loaded.ok) throw new Error('graph did not load');
    const controller = new AbortController();
    let stopAt = 0;
    const result = await executeRun({
      graph: loaded.value,
      runsDir,
      env: { ...process.env, OPENAI_API_KEY: '' },
      signal: controller.signal,
      observer: (e) => {
        if (e.type !== 'task-command' || e.taskId !== 'slow' || stopAt !== 0) return;
        stopAt = Date.now();
        controller.abort(new TaggedAbort({ kind: 'stop', signal: 'request' }));
      },
    });
    if (!result.ok) throw new Error(`run did not start: ${JSON.stringify(result.error)}`);
    const manifest = result.value;
    const stoppedIn = Date.now() - stopAt;
    expect(stopAt).toBeGreaterThan(0);
    expect(manifest.status).toBe('stopped');
    expect(task(manifest, 'slow')).toMatchObject({ status: 'cancelled', reason: 'cancelled' });
    expect(processesWith(marker)).toEqual([]);
    expect(stoppedIn).toBeLessThan(10_000);
  });

  it('fails a task that outlives its timeout and leaves none of its processes behind', async () => {
    const marker = `app-server-sleep-${process.pid}-${Date.now()}`;
    const { graph, runsDir } = repoWithGraph(`
settings: { backend: codex-app-server }
tasks:
  - id: slow
    role: builder
    timeout: 2s
    prompt: "\`\`\`sh\\nbash -c 'sleep 30; echo ${marker}'\\n\`\`\`"
  - id: quick
    role: builder
    prompt: "\`\`\`sh\\necho fast > fast.txt\\n\`\`\`"
`);
    const { manifest } = await runGraph(graph, runsDir);
    const slow = task(manifest, 'slow');
    expect(slow).toMatchObject({ status: 'failed', reason: 'timeout', message: 'the task did not finish within its timeout of 2.0s' });
    expect(slow.durationMs).toBeLessThan(10_000);
    expect(task(manifest, 'quick').status).toBe('succeeded');
    expect(processesWith(marker)).toEqual([]);
  });

  it('classifies model errors: retries retryable ones up to the bound and never retries fatal ones', async () => {
    const { graph, runsDir } = repoWithGraph(`
settings:
  backend: codex-app-server
  retryBackoff: 20ms
tasks:
  - id: unavailable-once
    role: builder
    retries: 2
    prompt: ${fault('503', 'echo one > one.txt')}
  - id: disconnect-once
    role: builder
    retries: 1
    prompt: ${fault('disconnect', 'echo two > two.txt')}
  - id: rate-limited-always
    role: builder
    retries: 1
    prompt: ${fault('429 times 5', 'echo three')}
  - id: unauthorized
    role: builder
    retries: 3
    prompt: ${fault('401', 'echo four')}
`);
    const { manifest } = await runGraph(graph, runsDir);
    const attempts = (id: string) => task(manifest, id).attempts.map((a) => [a.status, a.reason ?? null, a.class ?? null]);
    expect(attempts('unavailable-once')).toEqual([
      ['failed', 'model-unavailable', 'retryable'],
      ['succeeded', null, null],
    ]);
    expect(attempts('disconnect-once')).toEqual([
      ['failed', 'transport-error', 'retryable'],
      ['succeeded', null, null],
    ]);
    expect(attempts('rate-limited-always')).toEqual([
      ['failed', 'model-rate-limited', 'retryable'],
      ['failed', 'model-rate-limited', 'retryable'],
    ]);
    expect(attempts('unauthorized')).toEqual([['failed', 'auth-failed', 'fatal']]);
  });

  it('run --backend codex-app-server; send continues the task on the same Codex thread from a new process', { timeout: 180_000 }, async () => {
    const { repo } = repoWithGraph(`
tasks:
  - id: make
    role: builder
    prompt: "\`\`\`sh\\necho v1 > out.txt\\n\`\`\`"
    verify: ["test -s out.txt"]
`);
    const env = { CODEX_ORCHESTRATOR_KEYS_DIR: path.join(tempDir(), 'keys') };
    const manifest = (id: string): Manifest => JSON.parse(readFileSync(path.join(repo, '.runs', id, 'manifest.json'), 'utf8')) as Manifest;
    const first = await cli(['run', 'graph.yaml', '--backend', 'codex-app-server', '--json'], repo, env);
    expect(first.code).toBe(0);
    const runId = (JSON.parse(first.stdout) as { runId: string }).runId;
    expect(manifest(runId).settings.backend).toBe('codex-app-server');
    const thread = task(manifest(runId), 'make').threadId;
    expect(thread).toMatch(/^[0-9a-f-]{36}$/);

    const sent = await cli(['send', runId, '--task', 'make', `Now v2, please.\n\n${sh('echo v2 > out.txt')}`], repo, env);
    expect(sent.code).toBe(0);
    const make = task(manifest(runId), 'make');
    expect(make.attempts.map((a) => [a.n, a.status, a.followUp?.from ?? null, a.threadId])).toEqual([
      [1, 'succeeded', null, thread],
      [2, 'succeeded', 'send', thread],
    ]);
    expect(git(repo, 'show', `codex-orchestrator/${runId}:out.txt`)).toBe('v2');
    expect(readFileSync(path.join(repo, '.runs', runId, 'tasks/make/log.txt'), 'utf8')).toContain(`follow-up (send`);
    // The new orchestrator process's app-server loaded the thread (no `codex exec resume`).
    const events = readFileSync(path.join(repo, '.runs', runId, 'tasks/make/events.jsonl'), 'utf8');
    expect(events).toContain('"method":"thread/resume"');
    expect(events).not.toContain('"source":"codex-exec"');
  });
});
