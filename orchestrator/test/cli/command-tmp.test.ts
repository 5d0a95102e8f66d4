import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { repoWithGraph } from '../helpers/run.js';
import { fence } from '../helpers/temp.js';

// The tasks' commands get a temporary folder of the run's (`TMPDIR`, beside the run's CODEX_HOME):
// what they leave there goes when the session ends; the CODEX_HOME, which resume needs, stays.

describe("the run's temporary folder for commands", () => {
  it('is there while the tasks work and gone once the run ends', { timeout: 120_000 }, async () => {
    const { repo } = repoWithGraph(`
tasks:
  - id: one
    role: builder
    prompt: |
      ${fence('sh', 'echo scratch > "$TMPDIR/scratch.txt" && test -s "$TMPDIR/scratch.txt" && echo ok > ok.txt').split('\n').join('\n      ')}
`);
    const run = await cli(['run', 'graph.yaml', '--json'], repo);
    expect(run.code, run.stderr).toBe(0);
    const { runId } = JSON.parse(run.stdout) as { runId: string };
    const homes = path.join(repo, '.codex-orchestrator', 'codex-home');
    expect(readdirSync(homes).filter((n) => !n.startsWith('.'))).toEqual([runId]);
    expect(existsSync(path.join(homes, runId, 'config.toml'))).toBe(true);
  });
});
