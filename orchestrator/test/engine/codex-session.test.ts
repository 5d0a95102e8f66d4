import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { codexTurnsAtOnce, mcpServerMissing, startCodex } from '../../src/engine/session/codex-session.js';
import { openModelSession } from '../../src/engine/session/model-access.js';
import { CODEX_HERE, MCP_SERVER_HERE } from '../helpers/codex-here.js';
import { fence, tempDir } from '../helpers/temp.js';

describe("a session's Codex", () => {
  const tasks = [
    { id: 'b1', role: 'builder' },
    { id: 'b2', role: 'builder' },
    { id: 'b3', role: 'builder' },
    { id: 't1', role: 'tester' },
    { id: 'g1', role: 'gate' },
  ] as const;

  it('is sized for the turns the graph can run at once: per role, its concurrency or its tasks left', () => {
    expect(codexTurnsAtOnce(tasks, { builder: 8, tester: 8 })).toBe(4);
    expect(codexTurnsAtOnce(tasks, { builder: 2, tester: 2 })).toBe(3);
    // resume: tasks that succeeded are not run again
    expect(codexTurnsAtOnce(tasks, { builder: 8, tester: 8 }, new Set(['b1', 't1']))).toBe(2);
    expect(codexTurnsAtOnce([{ id: 'g', role: 'gate' }], { builder: 4, tester: 2 })).toBe(0);
  });

  it('hands over what Codex wrote on stderr before the run log was there', async () => {
    const model = await openModelSession({}, 0);
    // Below a temporary folder: Codex's command folder (`<home>-tmp`, beside it) goes with it.
    const codexHome = path.join(tempDir('co-session-'), 'home');
    const session = await startCodex({ runsDir: codexHome, runId: 'r', codexHome, model, env: { ...process.env, RUST_LOG: 'info' }, repoRoot: codexHome, backend: 'codex-app-server', turnsAtOnce: 1 });
    try {
      // RUST_LOG=info makes `codex app-server` log its start-up on stderr.
      await new Promise((resolve) => setTimeout(resolve, 2000));
      const seen: string[] = [];
      session.stderrTo((text) => seen.push(text));
      expect(seen.join('')).not.toBe('');
    } finally {
      await session.close();
      await model.close();
    }
  });

  it(`runs codex-mcp where the installed Codex has mcp-server, and refuses it at once where not (here ${CODEX_HERE})`, async () => {
    const model = await openModelSession({}, 0);
    // Below a temporary folder: Codex's command folder (`<home>-tmp`, beside it) goes with it.
    const codexHome = path.join(tempDir('co-session-'), 'home');
    const session = await startCodex({ runsDir: codexHome, runId: 'r', codexHome, model, env: process.env, repoRoot: codexHome, backend: 'codex-mcp', turnsAtOnce: 1 });
    try {
      const started = Date.now();
      const outcome = await session.main.runTurn({ prompt: fence('sh', 'echo hi > hi.txt'), cwd: tempDir(), timeoutMs: 60_000, signal: new AbortController().signal, onEvent: () => undefined });
      if (MCP_SERVER_HERE) {
        expect(outcome.status).toBe('completed');
      } else {
        expect(outcome).toMatchObject({ status: 'failed', reason: 'unsupported', message: mcpServerMissing(CODEX_HERE) });
        // No Codex was started to find out.
        expect(Date.now() - started).toBeLessThan(1000);
      }
    } finally {
      await session.close();
      await model.close();
    }
  });
});
