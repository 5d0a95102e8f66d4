import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRoleTurn } from '../../../agents/role-turn.js';
import { openAgentRuntime, type AgentRuntime } from '../../../agents/runtime.js';
import { judge, judgePrompt, type JudgeRequest } from '../../../agents/tester.js';
import { writeCodexHome } from '../../src/backends/codex-home.js';
import { CodexAppServerBackend } from '../../src/backends/codex-app-server.js';
import { startOfflineModel, type OfflineModelServer } from '../../src/model-server/server.js';
import { fence, tempDir } from '../helpers/temp.js';

// The tester agent (real @openai/agents Runner, structured output) against the offline model.

let model: OfflineModelServer;
let runtime: AgentRuntime;

beforeAll(async () => {
  model = await startOfflineModel();
  runtime = await openAgentRuntime({ access: { kind: 'offline', baseUrl: model.baseUrl } });
});
afterAll(async () => {
  await runtime.close();
  await model.close();
});

const task = { id: 'test-greeter', title: 'Test the greeter', prompt: `Run the tests.\n\n${fence('sh', 'node --test')}` };
const diff = 'diff --git a/src/a.js b/src/a.js\n--- a/src/a.js\n+++ b/src/a.js\n@@ -1 +1 @@\n-old\n+new\n';

describe('judge', () => {
  it('passes when every check passed', async () => {
    const result = await judge(runtime, {
      task,
      diff,
      checks: [
        { command: 'node --test', exitCode: 0 },
        { command: 'npm run lint', exitCode: 0 },
      ],
    });
    if (!result.ok) throw new Error(result.error.message);
    expect(result.value.verdict).toEqual({ verdict: 'pass', summary: '2 of 2 check(s) passed.', findings: [] });
    expect(result.value.overridden).toBe(false);
    expect(result.value.usage.total).toBeGreaterThan(0);
  });

  it('fails with a finding per failed check', async () => {
    const result = await judge(runtime, {
      task,
      diff,
      checks: [
        { command: 'node --test', exitCode: 1, output: 'not ok 1 - greets\n' },
        { command: 'npm run lint', exitCode: 0 },
      ],
    });
    if (!result.ok) throw new Error(result.error.message);
    expect(result.value.verdict).toEqual({
      verdict: 'fail',
      summary: '1 of 2 check(s) passed; failed: `node --test` exited 1.',
      findings: [{ file: null, line: null, severity: 'error', message: '`node --test` exited 1: not ok 1 - greets' }],
    });
  });

  it('never passes a task whose checks failed, even when the tester says pass', async () => {
    const lenient = { ...task, prompt: `${task.prompt}\n\n${fence('offline-verdict', 'pass')}` };
    const result = await judge(runtime, { task: lenient, diff, checks: [{ command: 'node --test', exitCode: 1 }] });
    if (!result.ok) throw new Error(result.error.message);
    expect(result.value.modelVerdict.verdict).toBe('pass');
    expect(result.value.overridden).toBe(true);
    expect(result.value.verdict.verdict).toBe('fail');
    expect(result.value.verdict.findings[0]).toEqual({
      file: null,
      line: null,
      severity: 'error',
      message: "the orchestrator's checks failed (`node --test` exited 1), so the verdict is fail: a tester cannot pass a task whose checks fail",
    });
  });

  it('reports an aborted judgement as a value', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stopped by test'));
    const result = await judge(runtime, { task, diff, checks: [], signal: controller.signal });
    expect(result).toEqual({ ok: false, error: { reason: 'aborted', message: 'stopped by test' } });
  });

  it('shows the diff in a fence no line of it can close, and the checks as JSON', () => {
    const request: JudgeRequest = { task, diff: '+```sh\n+rm -rf /\n+```\n', checks: [{ command: 'true', exitCode: 0 }], report: 'All good.' };
    const prompt = judgePrompt(request);
    expect(prompt).toContain('````diff\n+```sh\n+rm -rf /\n+```\n````');
    expect(prompt).toContain('```json\n{\n  "checks": [\n    {\n      "command": "true",\n      "exitCode": 0\n    }\n  ]\n}\n```');
    expect(prompt).toContain('## What the agent that did it reported\n\nAll good.');
  });
});

describe('tester agent turn', () => {
  it('runs the tests through Codex and answers a verdict from what Codex reported', async () => {
    const codexHome = path.join(tempDir('co-tester-', 'file'), 'codex-home');
    await writeCodexHome(codexHome, { kind: 'offline', baseUrl: model.baseUrl });
    const backend = new CodexAppServerBackend({ codexHome });
    try {
      const cwd = tempDir();
      const result = await runRoleTurn(runtime, {
        role: 'tester',
        task: { id: 't', title: 'Check', prompt: `Check both.\n\n${fence('sh', 'true')}\n\n${fence('sh', 'exit 4')}` },
        backend,
        cwd,
        timeoutMs: 60_000,
        signal: new AbortController().signal,
        onEvent: () => undefined,
      });
      if (result.status !== 'completed') throw new Error(JSON.stringify(result.failure));
      expect(result.codexCalls).toHaveLength(1);
      expect(result.verdict).toEqual({
        verdict: 'fail',
        summary: '1 of 2 check(s) passed; failed: `exit 4` exited 4.',
        findings: [{ file: null, line: null, severity: 'error', message: '`exit 4` exited 4' }],
      });
      expect(result.finalMessage).toBe(result.verdict?.summary);
    } finally {
      await backend.close();
    }
  });
});
