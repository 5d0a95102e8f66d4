import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { triage } from '../../../agents/manager.js';
import { runRoleTurn } from '../../../agents/role-turn.js';
import { openAgentRuntime } from '../../../agents/runtime.js';
import { judge } from '../../../agents/tester.js';
import type { TraceRecord } from '../../../agents/tracing.js';
import { writeCodexHome } from '../../src/backends/codex-home.js';
import { CodexAppServerBackend } from '../../src/backends/codex-app-server.js';
import { startOfflineModel, type OfflineModelServer } from '../../src/model-server/server.js';
import { fence, tempDir } from '../helpers/temp.js';

// The agents' spans go to the run's trace file, one JSON object a line, and nowhere else.

let model: OfflineModelServer;

beforeAll(async () => {
  model = await startOfflineModel();
});
afterAll(async () => {
  await model.close();
});

function records(file: string): TraceRecord[] {
  return readFileSync(file, 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as TraceRecord);
}

describe('trace file', () => {
  it('names every agent that ran, with spans linked to their parents and traces', async () => {
    const dir = tempDir();
    const traceFile = path.join(dir, 'run', 'trace.jsonl');
    const runtime = await openAgentRuntime({ access: { kind: 'offline', baseUrl: model.baseUrl }, traceFile, workflowName: 'codex-orchestrator run r1', groupId: 'r1' });
    const codexHome = path.join(dir, 'codex-home');
    await writeCodexHome(codexHome, { kind: 'offline', baseUrl: model.baseUrl });
    const backend = new CodexAppServerBackend({ codexHome });
    const secret = 'do-not-trace-this-prompt';
    try {
      const turn = await runRoleTurn(runtime, {
        role: 'builder',
        task: { id: 'b', title: 'B', prompt: `${secret}\n\n${fence('sh', 'echo hi > hi.txt')}` },
        backend,
        cwd: tempDir(),
        timeoutMs: 60_000,
        signal: new AbortController().signal,
        onEvent: () => undefined,
      });
      expect(turn.status).toBe('completed');
      expect((await judge(runtime, { task: { id: 'b', title: 'B', prompt: secret }, diff: '', checks: [{ command: 'true', exitCode: 0 }] })).ok).toBe(true);
      expect((await triage(runtime, { taskId: 'b', role: 'builder', reason: 'timeout', message: secret })).ok).toBe(true);
    } finally {
      await backend.close();
      await runtime.close();
    }
    const lines = records(traceFile);
    for (const r of lines) expect(Object.keys(r)).toEqual(['type', 'name', 'traceId', 'spanId', 'parentId', 'startedAt', 'endedAt', 'error', 'data']);
    const agents = lines.filter((r) => r.type === 'agent');
    expect(agents.map((r) => r.name)).toEqual(['builder', 'tester', 'manager']);
    expect(agents[0]?.data).toEqual({ tools: ['codex'], handoffs: [], outputType: 'text' });
    const traces = lines.filter((r) => r.type === 'trace');
    expect(traces).toHaveLength(3);
    expect(traces.every((t) => t.name === 'codex-orchestrator run r1' && t.data['groupId'] === 'r1' && t.startedAt !== null)).toBe(true);
    const spans = lines.filter((r) => r.type !== 'trace');
    const ids = new Set(spans.map((s) => s.spanId));
    for (const s of spans) {
      expect(traces.some((t) => t.traceId === s.traceId)).toBe(true);
      if (s.parentId !== null) expect(ids.has(s.parentId)).toBe(true);
      expect(Date.parse(s.endedAt ?? '') >= Date.parse(s.startedAt ?? '')).toBe(true);
    }
    // The codex tool call sits under the builder's agent span.
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const ancestors = (s: TraceRecord | undefined): string[] => (s?.parentId ? [byId.get(s.parentId)?.name ?? '?', ...ancestors(byId.get(s.parentId))] : []);
    expect(ancestors(spans.find((s) => s.type === 'function' && s.name === 'codex'))).toContain('builder');
    expect(readFileSync(traceFile, 'utf8')).not.toContain(secret);
  });

  it('keeps two runtimes in one process apart', async () => {
    const dir = tempDir();
    const [a, b] = await Promise.all(['a', 'b'].map((n) => openAgentRuntime({ access: { kind: 'offline', baseUrl: model.baseUrl }, traceFile: path.join(dir, `${n}.jsonl`) })));
    await Promise.all([triage(a!, { taskId: 'in-a', role: 'builder', reason: 'timeout', message: 'x' }), judge(b!, { task: { id: 'in-b', title: 'B', prompt: 'p' }, diff: '', checks: [] })]);
    await Promise.all([a!.close(), b!.close()]);
    expect(
      records(path.join(dir, 'a.jsonl'))
        .filter((r) => r.type === 'agent')
        .map((r) => r.name),
    ).toEqual(['manager']);
    expect(
      records(path.join(dir, 'b.jsonl'))
        .filter((r) => r.type === 'agent')
        .map((r) => r.name),
    ).toEqual(['tester']);
  });

  it('puts the agent runs of one task in one trace named for it, written by the caller’s writer', async () => {
    const written: TraceRecord[] = [];
    let closed = 0;
    const writer = { write: (r: TraceRecord) => void written.push(r), close: async () => void closed++ };
    const runtime = await openAgentRuntime({ access: { kind: 'offline', baseUrl: model.baseUrl }, traceFile: 'trace.jsonl', traceWriter: writer, groupId: 'r2' });
    await runtime.inTrace('task api, attempt 1', { task: 'api', attempt: '1' }, async () => {
      await judge(runtime, { task: { id: 'api', title: 'API', prompt: 'p' }, diff: '', checks: [{ command: 'false', exitCode: 1 }] });
      await triage(runtime, { taskId: 'api', role: 'builder', reason: 'verify-failed', message: 'verify failed' });
    });
    await runtime.close();
    await runtime.close();
    expect(closed).toBe(1);
    const traces = written.filter((r) => r.type === 'trace');
    expect(traces.map((t) => [t.name, t.data])).toEqual([['task api, attempt 1', { groupId: 'r2', task: 'api', attempt: '1' }]]);
    const agents = written.filter((r) => r.type === 'agent');
    expect(agents.map((a) => a.name)).toEqual(['tester', 'manager']);
    expect(agents.every((a) => a.traceId === traces[0]?.traceId)).toBe(true);
  });

  it('does not hold the process open at exit (no exporter is left waiting)', async () => {
    const dist = (p: string): string => JSON.stringify(pathToFileURL(path.resolve('dist', p)).href);
    const traceFile = path.join(tempDir(), 'trace.jsonl');
    const script = `
      const { startOfflineModel } = await import(${dist('orchestrator/src/model-server/server.js')});
      const { openAgentRuntime } = await import(${dist('agents/runtime.js')});
      const { triage } = await import(${dist('agents/manager.js')});
      const model = await startOfflineModel();
      const runtime = await openAgentRuntime({ access: { kind: 'offline', baseUrl: model.baseUrl }, traceFile: ${JSON.stringify(traceFile)} });
      const r = await triage(runtime, { taskId: 't', role: 'builder', reason: 'timeout', message: 'slow' });
      await runtime.close();
      await model.close();
      console.log(r.ok ? 'done' : 'failed');`;
    const env = { ...process.env };
    delete env['NODE_ENV']; // as a user runs it: tracing on by default
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let done = 0;
    child.stdout.on('data', (d: Buffer) => {
      if (String(d).includes('done')) done = performance.now();
    });
    const exited = await new Promise<number>((resolve) => child.on('exit', () => resolve(performance.now())));
    expect(done).toBeGreaterThan(0);
    const lingered = exited - done;
    console.log(`process exited ${Math.round(lingered)} ms after its work was done`);
    expect(lingered).toBeLessThan(1500);
    expect(records(traceFile).some((r) => r.type === 'agent' && r.name === 'manager')).toBe(true);
  });
});
