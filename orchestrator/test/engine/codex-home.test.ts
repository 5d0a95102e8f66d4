import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makePrivateCodexHome, sweepAbandonedCodexHomes } from '../../src/backends/codex-home.js';
import { readRunFile, repoWithGraph, runGraph } from '../helpers/run.js';
import { tempDir } from '../helpers/temp.js';

// Codex keeps full transcripts in its CODEX_HOME, so a run's is private and outside .runs/.

const GRAPH = `
tasks:
  - id: hello
    role: builder
    prompt: "\`\`\`sh\\necho hello\\n\`\`\`"
`;

function ourHomes(): string[] {
  return readdirSync(tmpdir()).filter((n) => n.startsWith(`codex-orchestrator-home-${process.pid}-`));
}

describe("the run's CODEX_HOME", () => {
  it('is a folder only its owner can read, made outside .runs/ and removed when the run ends', async () => {
    const { graph, runsDir } = repoWithGraph(GRAPH);
    const { manifest, runDir } = await runGraph(graph, runsDir);
    expect(manifest.status).toBe('succeeded');
    expect(readdirSync(runDir).sort()).toEqual(['graph.yaml', 'manifest.json', 'runner.log', 'tasks']);
    expect(ourHomes()).toEqual([]);
    expect(readRunFile(runDir, 'runner.log')).not.toContain('CODEX_HOME');
  });

  it('is kept, with Codex sessions in it, when CODEX_ORCHESTRATOR_KEEP_CODEX_HOME=1, and the runner log says where', async () => {
    const { graph, runsDir } = repoWithGraph(GRAPH);
    const { runDir } = await runGraph(graph, runsDir, { env: { CODEX_ORCHESTRATOR_KEEP_CODEX_HOME: '1' } });
    const kept = /CODEX_HOME (\S+) \(kept after the run/.exec(readRunFile(runDir, 'runner.log'))?.[1];
    expect(kept).toBeDefined();
    try {
      expect(path.dirname(kept as string)).toBe(tmpdir());
      expect(statSync(kept as string).mode & 0o777).toBe(0o700);
      expect(existsSync(path.join(kept as string, 'config.toml'))).toBe(true);
      expect(readdirSync(path.join(kept as string, 'sessions'), { recursive: true }).some((f) => String(f).endsWith('.jsonl'))).toBe(true);
    } finally {
      rmSync(kept as string, { recursive: true, force: true });
    }
  });

  it('is made mode 0700, and one left by a killed run is swept: ours by name and owner, its process gone', async () => {
    const parent = tempDir();
    const fresh = await makePrivateCodexHome(parent);
    expect(statSync(fresh).mode & 0o777).toBe(0o700);
    // A shell that has exited (and been reaped) by the time execFileSync returns.
    const deadPid = Number(execFileSync('bash', ['-c', 'echo $$'], { encoding: 'utf8' }).trim());
    const abandoned = path.join(parent, `codex-orchestrator-home-${deadPid}-aB3xYz`);
    const notOurs = path.join(parent, `codex-orchestrator-home-${deadPid}-notours-x`);
    const someoneElses = path.join(parent, 'codex-orchestrator-home-backup');
    for (const dir of [abandoned, notOurs, someoneElses]) mkdirSync(path.join(dir, 'sessions'), { recursive: true });
    expect(await sweepAbandonedCodexHomes(parent)).toEqual([abandoned]);
    expect(readdirSync(parent).sort()).toEqual([path.basename(fresh), path.basename(someoneElses), path.basename(notOurs)].sort());
  });
});
