import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PollDocument } from '../../src/views/poll.js';
import { cli, startCli } from '../helpers/cli.js';
import { backendsHere } from '../helpers/codex-here.js';
import { repoWithGraph } from '../helpers/run.js';
import { fence, tempDir } from '../helpers/temp.js';

/** A turn of two steps: the second a command that waits for a file the test writes, so the turn is still going when polled. */
function slowGraph(release: string): string {
  const prompt = `${fence('sh', 'echo one > one.txt')}\n${fence('sh', `while [ ! -e '${release}' ]; do sleep 0.1; done; echo two > two.txt`)}`;
  return `tasks:\n  - id: slow\n    role: builder\n    prompt: ${JSON.stringify(prompt)}\n`;
}

function firstRunId(repo: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(path.join(repo, '.runs', 'index.json'), 'utf8')) as { runs: { id: string }[] }).runs[0]?.id;
  } catch {
    return undefined;
  }
}

describe('tokens while a run works', () => {
  for (const backend of backendsHere(['codex-exec', 'codex-mcp', 'codex-app-server'])) {
    it(`poll shows the running total before the turn ends (${backend}: after each model response)`, async () => {
      const release = path.join(tempDir(), 'release');
      const { repo } = repoWithGraph(slowGraph(release));
      const env = { CODEX_ORCHESTRATOR_KEYS_DIR: path.join(tempDir(), 'keys') };
      const { done } = startCli(['run', 'graph.yaml', '--backend', backend, '--agents', 'off'], repo, env);
      await expect.poll(() => firstRunId(repo), { timeout: 90_000, interval: 100 }).toBeTruthy();
      const runId = firstRunId(repo) as string;
      const poll = async (): Promise<PollDocument> => JSON.parse((await cli(['poll', runId, '--json'], repo, env)).stdout) as PollDocument;
      // The first step's response is in; the turn waits in its second command.
      await expect.poll(async () => (await poll()).usage.total, { timeout: 90_000, interval: 200 }).toBeGreaterThan(0);
      const during = await poll();
      expect(during.status).toBe('running');
      expect(during.tasks[0]).toMatchObject({ status: 'running', usage: { total: during.usage.total } });
      // The release file lets the turn end.
      writeFileSync(release, '');
      const result = await done;
      expect(result.code).toBe(0);
      const after = await poll();
      expect(after.status).toBe('succeeded');
      expect(after.usage.total).toBeGreaterThan(during.usage.total);
    });
  }
});
