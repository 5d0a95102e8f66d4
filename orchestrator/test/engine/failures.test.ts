import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { classifyCodexError } from '../../src/engine/attempt/failure-class.js';
import { classifyTurnFailure } from '../../src/engine/attempt/task-failure.js';
import { backoffMs } from '../../src/scheduler/scheduler.js';
import { processesWith } from '../helpers/processes.js';
import { repoWithGraph, runGraph, task } from '../helpers/run.js';

describe('error taxonomy', () => {
  it('classifies the errors Codex reports', () => {
    // Codex 0.153.4's own messages, as it reported the offline model's injected failures.
    const cases: [string, string, boolean][] = [
      ['exceeded retry limit, last status: 429 Too Many Requests', 'model-rate-limited', true],
      ['unexpected status 503 Service Unavailable: busy, url: http://127.0.0.1:1/v1/responses', 'model-unavailable', true],
      ["We're currently experiencing high demand, which may cause temporary errors.", 'model-unavailable', true],
      ['stream disconnected before completion: Transport error: network error: error decoding response body', 'transport-error', true],
      ['unexpected status 401 Unauthorized: bad key, url: http://127.0.0.1:1/v1/responses', 'auth-failed', false],
      ['Missing environment variable: `OPENAI_API_KEY`.', 'auth-failed', false],
      ['unexpected status 400 Bad Request: unknown parameter', 'bad-config', false],
      ['something nobody has seen before', 'agent-failed', false],
    ];
    for (const [message, reason, retryable] of cases) expect([message, classifyCodexError(message)]).toEqual([message, { reason, retryable }]);
  });

  it('a backend the installed Codex cannot run is bad configuration, never retried', () => {
    const turn = { status: 'failed', reason: 'unsupported', message: 'no mcp-server', threadId: undefined, usage: undefined } as const;
    expect(classifyTurnFailure(turn, new AbortController().signal)).toEqual({ reason: 'bad-config', message: 'no mcp-server', retryable: false });
    // A kind Codex reported wins over the message.
    const limited = { ...turn, reason: 'codex-error', message: 'something nobody has seen before', errorKind: 'rate-limited' } as const;
    expect(classifyTurnFailure(limited, new AbortController().signal)).toMatchObject({ reason: 'model-rate-limited', retryable: true });
  });

  it('backs off exponentially with jitter, capped', () => {
    expect([1, 2, 3, 4].map((n) => backoffMs(n, 1000, 60_000, () => 0.5))).toEqual([1000, 2000, 4000, 8000]);
    expect(backoffMs(20, 1000, 60_000, () => 0.5)).toBe(60_000);
    expect(backoffMs(1, 1000, 60_000, () => 0)).toBe(800);
    expect(backoffMs(1, 1000, 60_000, () => 1)).toBe(1200);
  });
});

const fault = (spec: string, command: string): string => `"\`\`\`offline-fault\\n${spec}\\n\`\`\`\\n\`\`\`sh\\n${command}\\n\`\`\`"`;

describe('retries (real Codex, faults injected by the offline model)', () => {
  it('retries retryable failures with backoff up to the bound and never retries fatal ones', async () => {
    const { graph, runsDir } = repoWithGraph(`
settings:
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
    const { manifest, runDir } = await runGraph(graph, runsDir);
    const attempts = (id: string) => task(manifest, id).attempts.map((a) => [a.status, a.reason ?? null, a.class ?? null]);
    expect(attempts('unavailable-once')).toEqual([
      ['failed', 'model-unavailable', 'retryable'],
      ['succeeded', null, null],
    ]);
    expect(task(manifest, 'unavailable-once').status).toBe('succeeded');
    expect(attempts('disconnect-once')).toEqual([
      ['failed', 'transport-error', 'retryable'],
      ['succeeded', null, null],
    ]);
    expect(attempts('rate-limited-always')).toEqual([
      ['failed', 'model-rate-limited', 'retryable'],
      ['failed', 'model-rate-limited', 'retryable'],
    ]);
    expect(task(manifest, 'rate-limited-always')).toMatchObject({ status: 'failed', reason: 'model-rate-limited' });
    expect(attempts('unauthorized')).toEqual([['failed', 'auth-failed', 'fatal']]);
    expect(readFileSync(`${runDir}/runner.log`, 'utf8')).toMatch(/task unavailable-once: retrying in \d+ms \(retry 1 of 2\)/);
  });

  // The run's limit leaves `quick` ample time to finish even on a loaded machine; `slow` never can.
  it('a run timeout cancels what is still running or waiting, ends the run failed, and leaves no process behind', { timeout: 180_000 }, async () => {
    const marker = `run-timeout-marker-${process.pid}-${Date.now()}`;
    const { graph, runsDir } = repoWithGraph(`
settings:
  runTimeout: 20s
tasks:
  - id: quick
    role: builder
    prompt: "\`\`\`sh\\necho quick > quick.txt\\n\`\`\`"
  - id: slow
    role: builder
    prompt: "\`\`\`sh\\nbash -c 'sleep 600; echo ${marker}'\\n\`\`\`"
  - id: after
    role: builder
    deps: [slow]
    prompt: "\`\`\`sh\\necho after\\n\`\`\`"
`);
    const { manifest } = await runGraph(graph, runsDir);
    expect(processesWith(marker)).toEqual([]);
    expect(manifest.status).toBe('failed');
    expect(manifest.message).toBe(`the run did not finish within its runTimeout of 20s; continue it with: codex-orchestrator resume ${manifest.runId}`);
    expect(task(manifest, 'quick').status).toBe('succeeded');
    expect(task(manifest, 'slow')).toMatchObject({ status: 'cancelled', reason: 'cancelled', message: 'the run did not finish within its runTimeout of 20s' });
    expect(task(manifest, 'after')).toMatchObject({ status: 'cancelled', message: 'not started: the run did not finish within its runTimeout of 20s' });
  });
});
