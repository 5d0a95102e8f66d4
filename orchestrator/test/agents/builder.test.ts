import { existsSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRoleTurn, type RoleTurnRequest } from '../../../agents/role-turn.js';
import { openAgentRuntime, type AgentRuntime } from '../../../agents/runtime.js';
import type { AgentBackend } from '../../src/backends/backend.js';
import { writeCodexHome } from '../../src/backends/codex-home.js';
import { CodexAppServerBackend } from '../../src/backends/codex-app-server.js';
import { backendsHere, makeBackend } from '../helpers/codex-here.js';
import type { AgentEvent } from '../../src/core/events.js';
import { startOfflineModel, type OfflineModelServer } from '../../src/model-server/server.js';
import { processesWith } from '../helpers/processes.js';
import { fence, tempDir } from '../helpers/temp.js';

// The builder agent (real @openai/agents Runner) drives real Codex through its one tool; the
// offline model server stands in for the model of both.

let model: OfflineModelServer;
let codexHome: string;
let runtime: AgentRuntime;
let traceFile: string;

beforeAll(async () => {
  model = await startOfflineModel();
  const home = tempDir('co-agents-', 'file');
  codexHome = path.join(home, 'codex-home');
  traceFile = path.join(home, 'trace.jsonl');
  await writeCodexHome(codexHome, { kind: 'offline', baseUrl: model.baseUrl });
  runtime = await openAgentRuntime({ access: { kind: 'offline', baseUrl: model.baseUrl }, traceFile, workflowName: 'builder test' });
});
afterAll(async () => {
  await runtime.close();
  await model.close();
});

function request(cwd: string, prompt: string, events: AgentEvent[], backend: AgentBackend): RoleTurnRequest {
  return {
    role: 'builder',
    task: { id: 'add-files', title: 'Add files', prompt },
    backend,
    cwd,
    timeoutMs: 60_000,
    signal: new AbortController().signal,
    onEvent: (e) => {
      if (e) events.push(e);
    },
  };
}

describe.each(backendsHere().map((name) => [name, () => makeBackend(name, codexHome)] as const))('builder agent over %s', (_name, make) => {
  let backend: AgentBackend;
  beforeAll(() => {
    backend = make();
  });
  afterAll(async () => {
    await backend.close();
  });

  it('edits the worktree through the codex tool and follows up in the same Codex thread', async () => {
    const cwd = tempDir();
    const events: AgentEvent[] = [];
    const prompt = `Write two files.\n\n${fence('sh', 'echo one > one.txt')}\n\n\`\`\`\`follow-up\n${fence('sh', 'echo two > two.txt')}\n\`\`\`\`\n`;
    const result = await runRoleTurn(runtime, request(cwd, prompt, events, backend));
    expect(result.status).toBe('completed');
    expect(readFileSync(path.join(cwd, 'one.txt'), 'utf8')).toBe('one\n');
    expect(readFileSync(path.join(cwd, 'two.txt'), 'utf8')).toBe('two\n');
    const [first, second] = result.codexCalls;
    expect(result.codexCalls).toHaveLength(2);
    expect(first).toMatchObject({ continueThread: false, continued: undefined, ignored: [] });
    expect(first?.outcome.threadId).toMatch(/^[0-9a-f-]{36}$/);
    expect(second).toMatchObject({ continueThread: true, continued: first?.outcome.threadId });
    expect(second?.outcome.threadId).toBe(first?.outcome.threadId);
    expect(result.threadId).toBe(first?.outcome.threadId);
    // Codex's live events reached the sink: both commands, and the thread.
    expect(events.filter((e) => e.type === 'command-end').map((e) => e.type === 'command-end' && [e.command, e.exitCode])).toEqual([
      ['echo one > one.txt', 0],
      ['echo two > two.txt', 0],
    ]);
    expect(events.some((e) => e.type === 'thread-started' && e.threadId === result.threadId)).toBe(true);
    if (result.status === 'completed') expect(result.finalMessage).toMatch(/^Offline model \(stand-in\): asked Codex 2 time\(s\) in thread /);
    expect(result.agentUsage.total).toBeGreaterThan(0);
    expect(result.codexUsage?.total).toBeGreaterThan(0);
  });

  it('keeps Codex in the task worktree whatever cwd or sandbox the model asks for', async () => {
    const cwd = tempDir();
    const elsewhere = tempDir();
    const events: AgentEvent[] = [];
    const args = JSON.stringify({ cwd: elsewhere, sandbox: 'danger-full-access', 'approval-policy': 'on-request' });
    const prompt = `Say where you are.\n\n${fence('sh', 'pwd > where.txt')}\n\n${fence('offline-tool-args', args)}\n`;
    const result = await runRoleTurn(runtime, request(cwd, prompt, events, backend));
    expect(result.status).toBe('completed');
    expect(result.codexCalls[0]?.ignored).toEqual(['cwd', 'sandbox', 'approval-policy']);
    expect(readFileSync(path.join(cwd, 'where.txt'), 'utf8').trim()).toBe(realpathSync(cwd));
    expect(existsSync(path.join(elsewhere, 'where.txt'))).toBe(false);
  });
});

describe('builder agent: follow-ups and failures', () => {
  let backend: AgentBackend;
  beforeAll(() => {
    backend = new CodexAppServerBackend({ codexHome });
  });
  afterAll(async () => {
    await backend.close();
  });

  it('continues its conversation with new feedback, in the same Codex thread', async () => {
    const cwd = tempDir();
    const first = await runRoleTurn(runtime, request(cwd, `Start.\n\n${fence('sh', 'echo 1 > first.txt')}\n`, [], backend));
    if (first.status !== 'completed' || !first.conversation) throw new Error('first turn failed');
    const feedback = `The tester found a gap: add the second file.\n\n${fence('sh', 'echo 2 > second.txt')}\n`;
    const second = await runRoleTurn(runtime, { ...request(cwd, 'unused', [], backend), continueFrom: { ...first.conversation, message: feedback } });
    expect(second.status).toBe('completed');
    expect(second.codexCalls).toHaveLength(1);
    expect(second.codexCalls[0]).toMatchObject({ continueThread: true, continued: first.threadId });
    expect(second.threadId).toBe(first.threadId);
    expect(readFileSync(path.join(cwd, 'second.txt'), 'utf8')).toBe('2\n');
  });

  it('reports a failed Codex turn with its outcome, for the task’s failure reason', async () => {
    const prompt = `Try.\n\n${fence('offline-fault', '401')}\n\n${fence('sh', 'echo never > never.txt')}\n`;
    const result = await runRoleTurn(runtime, request(tempDir(), prompt, [], backend));
    expect(result.status).toBe('failed');
    if (result.status !== 'failed') return;
    expect(result.failure.reason).toBe('codex-failed');
    expect(result.failure.reason === 'codex-failed' && result.failure.turn.reason).toBe('codex-error');
    expect(result.failure.message).toContain('401');
    expect(result.conversation?.history.length).toBeGreaterThan(0);
  });

  it('stops on abort with the signal’s reason and leaves no command running', async () => {
    const cwd = tempDir();
    const controller = new AbortController();
    const marker = `sleep 31.${process.pid}`;
    const started = new Promise<void>((resolve) => {
      const r = request(cwd, `Wait.\n\n${fence('sh', marker)}\n`, [], backend);
      void runRoleTurn(runtime, {
        ...r,
        signal: controller.signal,
        onEvent: (e) => {
          if (e?.type === 'command-begin') resolve();
        },
      }).then((o) => results.push(o));
    });
    const results: Awaited<ReturnType<typeof runRoleTurn>>[] = [];
    await started;
    controller.abort(new Error('stopped by test'));
    await expect.poll(() => results.length, { timeout: 10_000 }).toBe(1);
    expect(results[0]).toMatchObject({ status: 'failed', failure: { reason: 'aborted', message: 'stopped by test' } });
    await expect.poll(() => processesWith(marker), { timeout: 5000 }).toEqual([]);
  });
});

describe('the codex tool', () => {
  it('hands the backend only the prompt and a thread; cwd, sandbox and approval stay the orchestrator’s', async () => {
    const seen: Record<string, unknown>[] = [];
    const recording: AgentBackend = {
      name: 'codex-exec',
      runTurn: async (r) => {
        seen.push({ ...r });
        return { status: 'completed', threadId: 'thread-1', finalMessage: 'ok', usage: undefined };
      },
      close: async () => undefined,
    };
    const cwd = tempDir();
    const prompt = `Go.\n\n${fence('follow-up', 'Again.')}\n\n${fence('offline-tool-args', '{"cwd": "/", "sandbox": "danger-full-access"}')}\n`;
    const result = await runRoleTurn(runtime, request(cwd, prompt, [], recording));
    expect(result.status).toBe('completed');
    expect(seen.map((r) => [r['prompt'], r['cwd'], r['threadId']])).toEqual([
      ['Go.', cwd, undefined],
      ['Again.', cwd, 'thread-1'],
    ]);
    expect(Object.keys(seen[0] ?? {}).sort()).toEqual(['cwd', 'developerInstructions', 'onEvent', 'prompt', 'signal', 'threadId', 'timeoutMs']);
    expect(seen[0]?.['developerInstructions']).toContain('You are a builder agent run by codex-orchestrator.');
  });
});
