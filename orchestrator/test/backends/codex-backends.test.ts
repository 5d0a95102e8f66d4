import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentBackend, TurnRequest } from '../../src/backends/backend.js';
import { codexBinary, codexVersion, hasMcpServer } from '../../src/backends/codex-binary.js';
import { errorKindOf, fromAppServerNotification } from '../../src/backends/app-server-events.js';
import { answerServerRequest, CodexAppServerBackend } from '../../src/backends/codex-app-server.js';
import { CodexExecBackend } from '../../src/backends/codex-exec.js';
import { writeCodexHome } from '../../src/backends/codex-home.js';
import { CodexMcpPool, TURNS_PER_SERVER } from '../../src/backends/codex-mcp-pool.js';
import type { AgentEvent } from '../../src/core/events.js';
import { packageRoot } from '../../src/core/package-info.js';
import { mcpServerMissing } from '../../src/engine/session/codex-session.js';
import { classifyTurnError } from '../../src/engine/attempt/failure-class.js';
import { crossCheckDiff } from '../../src/engine/attempt/checks.js';
import { descendantsOf } from '../../src/core/process-tree.js';
import { startOfflineModel, type OfflineModelServer } from '../../src/model-server/server.js';
import { backendsHere, describeWithMcpServer, makeBackend } from '../helpers/codex-here.js';
import { addFilePatch, fence, tempDir } from '../helpers/temp.js';

// Real Codex CLI (the pinned binary) against the offline model server.

let model: OfflineModelServer;
let codexHome: string;

beforeAll(async () => {
  model = await startOfflineModel();
  codexHome = path.join(tempDir('co-home-', 'file'), 'codex-home');
  await writeCodexHome(codexHome, { kind: 'offline', baseUrl: model.baseUrl });
});
afterAll(async () => {
  await model.close();
});

function turn(cwd: string, prompt: string, events: AgentEvent[], extra: Partial<TurnRequest> = {}): TurnRequest {
  return {
    prompt,
    cwd,
    timeoutMs: 60_000,
    signal: new AbortController().signal,
    onEvent: (e) => {
      if (e) events.push(e);
    },
    ...extra,
  };
}

describe.each(backendsHere().map((name) => [name, () => makeBackend(name, codexHome)] as const))('%s backend', (_name, make) => {
  let backend: AgentBackend;
  beforeAll(() => {
    backend = make();
  });
  afterAll(async () => {
    await backend.close();
  });

  it('applies a patch and runs a command through real Codex, reporting events and usage', async () => {
    const cwd = tempDir();
    const events: AgentEvent[] = [];
    const prompt = `Create the greeting file.\n\n${addFilePatch('hello.txt', 'hi there')}\n\nThen show it:\n\n${fence('sh', 'cat hello.txt && exit 3')}`;
    const outcome = await backend.runTurn(turn(cwd, prompt, events));
    expect(outcome.status).toBe('completed');
    expect(readFileSync(path.join(cwd, 'hello.txt'), 'utf8')).toBe('hi there\n');
    const end = events.find((e) => e.type === 'command-end');
    expect(end).toMatchObject({ command: 'cat hello.txt && exit 3', exitCode: 3 });
    // Codex 0.153.4 (both `exec --json` and `mcp-server`) now and then reports a finished command
    // with an empty output when the cores are full (3 to 4 in 40 turns under `yes` load, with no
    // output deltas either): a race inside Codex. Otherwise the output must be there.
    const output = end?.type === 'command-end' ? end.output : undefined;
    if (output !== '') expect(output).toContain('hi there');
    expect(events.some((e) => e.type === 'patch-applied' && e.success)).toBe(true);
    expect(outcome.threadId).toMatch(/^[0-9a-f-]{36}$/);
    expect(outcome.usage?.total).toBeGreaterThan(0);
    if (outcome.status === 'completed') {
      expect(outcome.finalMessage).toContain('carried out 2 of 2 steps, 1 failed');
      expect(outcome.finalMessage).toContain('exit 3');
    }
  });

  it('continues the same thread with a follow-up', async () => {
    const cwd = tempDir();
    const first = await backend.runTurn(turn(cwd, fence('sh', 'echo one > one.txt'), []));
    expect(first.status).toBe('completed');
    const second = await backend.runTurn(turn(cwd, fence('sh', 'echo two > two.txt'), [], { threadId: first.threadId }));
    expect(second.status).toBe('completed');
    expect(second.threadId).toBe(first.threadId);
    expect(existsSync(path.join(cwd, 'two.txt'))).toBe(true);
  });

  it('cancels a running turn on abort and leaves no command running', async () => {
    const cwd = tempDir();
    const controller = new AbortController();
    const events: AgentEvent[] = [];
    const started = new Promise<void>((resolve) => {
      const request = turn(cwd, fence('sh', 'sleep 30; echo late > late.txt'), events, {
        signal: controller.signal,
        onEvent: (e) => {
          if (e) events.push(e);
          if (e?.type === 'command-begin') resolve();
        },
      });
      void backend.runTurn(request).then((o) => outcomes.push(o));
    });
    const outcomes: Awaited<ReturnType<AgentBackend['runTurn']>>[] = [];
    await started;
    controller.abort(new Error('stopped by test'));
    await expect.poll(() => outcomes.length, { timeout: 5000 }).toBe(1);
    expect(outcomes[0]).toMatchObject({ status: 'failed', reason: 'aborted', message: 'stopped by test' });
    const sleepers = descendantsOf(process.pid).filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('sleep 30');
      } catch {
        return false;
      }
    });
    expect(sleepers).toEqual([]);
  });
});

describe('codex-app-server backend', () => {
  it('streams command output as it comes, and continues a thread from a new server process (thread/resume)', async () => {
    const cwd = tempDir();
    const raws: unknown[] = [];
    const events: AgentEvent[] = [];
    const first = new CodexAppServerBackend({ codexHome });
    let threadId: string | undefined;
    try {
      const outcome = await first.runTurn(
        turn(cwd, fence('sh', 'sleep 0.5; echo streamed-line; sleep 0.5'), events, {
          onEvent: (e, raw) => {
            if (e) events.push(e);
            raws.push(raw);
          },
        }),
      );
      expect(outcome.status).toBe('completed');
      threadId = outcome.threadId;
    } finally {
      await first.close();
    }
    // The output arrived in a delta before the command's end.
    const methods = raws.map((r) => (r as { method?: string }).method);
    const delta = methods.indexOf('item/commandExecution/outputDelta');
    const end = events.findIndex((e) => e.type === 'command-end');
    expect(delta).toBeGreaterThanOrEqual(0);
    expect(JSON.stringify(raws[delta])).toContain('streamed-line');
    expect(raws.indexOf(raws.find((r, i) => i > delta && (r as { params?: { item?: { type?: string } } }).params?.item?.type === 'commandExecution'))).toBeGreaterThan(delta);
    expect(events[end]).toMatchObject({ type: 'command-end', command: 'sleep 0.5; echo streamed-line; sleep 0.5', exitCode: 0, output: 'streamed-line\n' });
    expect(events[0]).toEqual({ type: 'thread-started', threadId });

    // A new process knows nothing of the thread until it resumes it; the conversation goes on.
    const second = new CodexAppServerBackend({ codexHome });
    try {
      const resumed: AgentEvent[] = [];
      const outcome = await second.runTurn(turn(cwd, fence('sh', 'echo two > two.txt'), resumed, { threadId }));
      expect(outcome).toMatchObject({ status: 'completed', threadId });
      expect(resumed[0]).toEqual({ type: 'thread-started', threadId });
      expect(existsSync(path.join(cwd, 'two.txt'))).toBe(true);
      // Usage is the thread's: it grew over the first turn's.
      expect(outcome.usage?.total).toBeGreaterThan(0);
    } finally {
      await second.close();
    }
  });

  it("classifies model errors by Codex's codexErrorInfo where it says, else by the message", async () => {
    const backend = new CodexAppServerBackend({ codexHome });
    try {
      const seen: unknown[] = [];
      const faults = ['429', '500', '503', '401', 'disconnect'];
      for (const fault of faults) {
        const outcome = await backend.runTurn(turn(tempDir(), `${fence('offline-fault', fault)}\n\n${fence('sh', 'echo never')}`, []));
        if (outcome.status !== 'failed') throw new Error(`fault ${fault}: the turn completed`);
        seen.push([fault, outcome.reason, outcome.errorKind, classifyTurnError(outcome.errorKind, outcome.message)]);
      }
      // Every version classes them the same. Codex 0.153.4 reports the kind itself for 429 and 500
      // only ("other" for the rest, read from the message); 0.171.0 for 503 and 401 too.
      const expected: Record<string, readonly [string | undefined, string, boolean, boolean]> = {
        // fault: [kind, reason, retryable, whether Codex must report the kind itself]
        '429': ['rate-limited', 'model-rate-limited', true, true],
        '500': ['unavailable', 'model-unavailable', true, true],
        '503': ['unavailable', 'model-unavailable', true, false],
        '401': ['auth', 'auth-failed', false, false],
        disconnect: ['transport', 'transport-error', true, false],
      };
      expect(
        seen.map((entry) => {
          const [fault, reason, kind, cls] = entry as [string, string, string | undefined, { reason: string; retryable: boolean }];
          const [want, wantReason, wantRetryable, must] = expected[fault] ?? [];
          const kindOk = kind === want || (!must && kind === undefined);
          return [fault, reason, kindOk ? 'kind ok' : `kind ${kind}`, cls.reason === wantReason && cls.retryable === wantRetryable ? 'class ok' : `class ${JSON.stringify(cls)}`];
        }),
      ).toEqual(faults.map((fault) => [fault, 'codex-error', 'kind ok', 'class ok']));
    } finally {
      await backend.close();
    }
  });

  it('declines approvals it did not expect, refuses other requests, and tells the turn that was asked', () => {
    const told: unknown[] = [];
    const stderr: string[] = [];
    const listener = { notification: () => undefined, exited: () => undefined, declined: (r: { method: string }, answer: string) => told.push([r.method, answer]) };
    const listeners = new Map([['t1', listener]]);
    const ask = (method: string, params: unknown) => answerServerRequest({ id: 7, method, params }, listeners, (t) => stderr.push(t));
    expect(ask('item/commandExecution/requestApproval', { threadId: 't1', turnId: 'u', itemId: 'i', command: 'rm -rf /' })).toEqual({ result: { decision: 'decline' } });
    expect(ask('item/fileChange/requestApproval', { threadId: 't1', turnId: 'u', itemId: 'i' })).toEqual({ result: { decision: 'decline' } });
    expect(ask('execCommandApproval', { conversationId: 't1' })).toEqual({ result: { decision: 'denied' } });
    expect(ask('item/tool/requestUserInput', { threadId: 't1' })).toEqual({ error: { code: -32601, message: 'codex-orchestrator does not answer item/tool/requestUserInput' } });
    expect(told).toEqual([
      ['item/commandExecution/requestApproval', 'decline'],
      ['item/fileChange/requestApproval', 'decline'],
      ['execCommandApproval', 'denied'],
      ['item/tool/requestUserInput', 'unsupported'],
    ]);
    // A request of no running turn is answered all the same, and reported in the run's log.
    expect(ask('item/commandExecution/requestApproval', { threadId: 'gone' })).toEqual({ result: { decision: 'decline' } });
    expect(stderr).toEqual(["codex-orchestrator: answered decline to codex app-server's item/commandExecution/requestApproval request (no running turn of its thread)\n"]);
  });

  it("reads the files of Codex's own turn diff, and says which are missing from the task's", () => {
    const diff = 'diff --git a/src/a.js b/src/a.js\n--- a/src/a.js\n+++ b/src/a.js\n@@ -1 +1 @@\n-x\n+y\ndiff --git a/old.txt b/old.txt\ndeleted file mode 100644\n';
    expect(fromAppServerNotification('turn/diff/updated', { threadId: 't', turnId: 'u', diff })).toEqual({ type: 'turn-diff', files: ['old.txt', 'src/a.js'] });
    expect(crossCheckDiff(['old.txt', 'src/a.js'], ['new.txt', 'old.txt', 'src/a.js'])).toBe("# Codex's own diff of the turn names 2 files; all are in the task's diff (3 files)");
    expect(crossCheckDiff(['src/a.js'], [])).toBe("# Codex's own diff of the turn names 1 file; not in the task's diff: src/a.js (changed back afterwards, or not tracked by git)");
  });

  it('reads every codexErrorInfo form it knows', () => {
    const cases: [unknown, string | undefined][] = [
      ['rateLimitExceeded', 'rate-limited'],
      ['usageLimitExceeded', 'usage-limit'],
      ['serverOverloaded', 'unavailable'],
      ['internalServerError', 'unavailable'],
      ['unauthorized', 'auth'],
      ['badRequest', 'bad-request'],
      ['sandboxError', 'sandbox'],
      ['contextWindowExceeded', 'context-window'],
      ['other', undefined],
      ['somethingNew', undefined],
      [null, undefined],
      [{ responseTooManyFailedAttempts: { httpStatusCode: 429 } }, 'rate-limited'],
      [{ responseTooManyFailedAttempts: { httpStatusCode: 503 } }, 'unavailable'],
      [{ httpConnectionFailed: { httpStatusCode: 401 } }, 'auth'],
      [{ responseStreamConnectionFailed: { httpStatusCode: 400 } }, 'bad-request'],
      [{ responseStreamDisconnected: { httpStatusCode: null } }, 'transport'],
      [{ activeTurnNotSteerable: { turnKind: 'review' } }, undefined],
    ];
    expect(cases.map(([info]) => [info, errorKindOf(info)])).toEqual(cases);
  });

  it('a thread id no rollout has is a codex error, not a hang', async () => {
    const backend = new CodexAppServerBackend({ codexHome });
    try {
      const outcome = await backend.runTurn(turn(tempDir(), 'hello', [], { threadId: '01a23647-0000-7000-8000-000000000000' }));
      expect(outcome).toMatchObject({ status: 'failed', reason: 'codex-error' });
      expect(outcome.status === 'failed' ? outcome.message : '').toContain('could not resume thread 01a23647-0000-7000-8000-000000000000');
    } finally {
      await backend.close();
    }
  });

  it('leaves no process behind after close', async () => {
    const backend = new CodexAppServerBackend({ codexHome });
    const outcome = await backend.runTurn(turn(tempDir(), fence('sh', 'echo hi'), []));
    expect(outcome.status).toBe('completed');
    const servers = (): number[] =>
      descendantsOf(process.pid).filter((pid) => {
        try {
          return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('app-server');
        } catch {
          return false;
        }
      });
    expect(servers().length).toBe(1);
    await backend.close();
    await backend.close();
    expect(servers()).toEqual([]);
  });
});

describe('every task thread', () => {
  it.each(backendsHere())("offers the model Codex's tools but no subagent (%s): a subagent would work in the task's worktree beside it", async (name) => {
    const offered = new Set<string>();
    const server = await startOfflineModel({ onRequest: (body) => body.tools?.forEach((t) => offered.add(t.name ?? t.type ?? '?')) });
    const home = path.join(tempDir('co-home-', 'file'), 'codex-home');
    await writeCodexHome(home, { kind: 'offline', baseUrl: server.baseUrl });
    const backend = makeBackend(name, home);
    try {
      expect((await backend.runTurn(turn(tempDir(), fence('sh', 'echo hi'), []))).status).toBe('completed');
      expect([...offered]).toEqual(expect.arrayContaining(['exec_command']));
      expect([...offered].filter((t) => /agent/i.test(t))).toEqual([]);
    } finally {
      await backend.close();
      await server.close();
    }
  });
});

describe('codex-exec backend', () => {
  it('counts a turn whose stream Codex reconnected and then completed as a success', async () => {
    // Codex retries a dropped stream only where the provider allows it (the offline one does not).
    const home = path.join(tempDir('co-home-', 'file'), 'codex-home');
    await writeCodexHome(home, { kind: 'offline', baseUrl: model.baseUrl });
    const config = path.join(home, 'config.toml');
    writeFileSync(config, readFileSync(config, 'utf8').replace('stream_max_retries = 0', 'stream_max_retries = 2'));
    const backend = new CodexExecBackend({ codexHome: home });
    try {
      const cwd = tempDir();
      const events: AgentEvent[] = [];
      const outcome = await backend.runTurn(turn(cwd, `${fence('offline-fault', 'disconnect')}\n\n${fence('sh', 'echo after > after.txt')}`, events));
      expect(events.filter((e) => e.type === 'error').map((e) => (e.type === 'error' ? e.message : ''))).toEqual([expect.stringMatching(/^Reconnecting\.\.\. 1\/2/)]);
      expect(outcome.status).toBe('completed');
      expect(readFileSync(path.join(cwd, 'after.txt'), 'utf8')).toBe('after\n');
    } finally {
      await backend.close();
    }
  });
});

describeWithMcpServer('codex-mcp pool', () => {
  it('spreads new turns over its servers and sends each follow-up to the server that holds its thread', async () => {
    const pool = new CodexMcpPool({ codexHome }, 2 * TURNS_PER_SERVER);
    expect(pool.size).toBe(2);
    try {
      const cwds = Array.from({ length: 4 }, () => tempDir());
      const firsts = await Promise.all(cwds.map((cwd, i) => pool.runTurn(turn(cwd, fence('sh', `echo ${i} > first.txt`), []))));
      expect(firsts.map((o) => o.status)).toEqual(['completed', 'completed', 'completed', 'completed']);
      // Both servers were used: two `codex mcp-server` processes are children of this one.
      const servers = descendantsOf(process.pid).filter((pid) => {
        try {
          return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('mcp-server');
        } catch {
          return false;
        }
      });
      expect(servers.length).toBe(2);
      // A thread lives in its server's process: each follow-up must reach the right one.
      const seconds = await Promise.all(cwds.map((cwd, i) => pool.runTurn(turn(cwd, fence('sh', 'echo again > second.txt'), [], { threadId: firsts[i]?.threadId }))));
      expect(seconds.map((o) => [o.status, o.threadId])).toEqual(firsts.map((o) => ['completed', o.threadId]));
      for (const cwd of cwds) expect(existsSync(path.join(cwd, 'second.txt'))).toBe(true);
    } finally {
      await pool.close();
    }
  });
});

describe('the Codex binary', () => {
  it('reports the version the binary itself prints, without starting it', async () => {
    const bin = codexBinary();
    const printed = execFileSync(bin.command, [...bin.prefixArgs, '--version'], { env: { ...process.env, ...bin.env }, encoding: 'utf8' });
    expect(await codexVersion()).toBe(/(\d+\.\d+\.\d+\S*)/.exec(printed)?.[1]);
    // … and the one installed (package.json pins it; `.ci/run` swaps another in for its second pass).
    const installed = JSON.parse(readFileSync(createRequire(import.meta.url).resolve('@openai/codex/package.json'), 'utf8')) as { version: string };
    expect(await codexVersion()).toBe(installed.version);
  });

  it('is pinned exactly, to a release with codex app-server (the default backend)', () => {
    const pkg = JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(pkg.dependencies['@openai/codex']).toMatch(/^\d+\.\d+\.\d+$/);
    expect(hasMcpServer(pkg.dependencies['@openai/codex'] as string)).toBe(false);
  });

  it('knows which versions still have `codex mcp-server`, and says what to do without it', () => {
    const versions = ['0.153.4', '0.153.99', '0.154.0', '0.154.0-alpha.1', '0.171.0', '1.0.0', '0.99.0', 'unreadable'];
    expect(versions.map((v) => [v, hasMcpServer(v)])).toEqual([
      ['0.153.4', true],
      ['0.153.99', true],
      ['0.154.0', false],
      ['0.154.0-alpha.1', false],
      ['0.171.0', false],
      ['1.0.0', false],
      ['0.99.0', true],
      ['unreadable', true],
    ]);
    expect(mcpServerMissing('0.171.0')).toBe(
      'the installed Codex 0.171.0 has no `codex mcp-server` (removed in 0.154.0), which the codex-mcp backend needs: run with `--backend codex-app-server` or `--backend codex-exec` (or `settings.backend` in the graph), or install @openai/codex 0.153.4',
    );
  });
});
