import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoWithGraph, runGraph } from '../helpers/run.js';
import { git } from '../helpers/temp.js';

// Codex keeps full transcripts in its CODEX_HOME, so a run's is private and outside .runs/.

describe("the run's CODEX_HOME", () => {
  it('is a folder only its owner can read, in the project beside .runs/ and kept out of git', async () => {
    const { repo, graph, runsDir } = repoWithGraph(`
tasks:
  - id: hello
    role: builder
    prompt: "\`\`\`sh\\necho hello > hello.txt\\n\`\`\`"
`);
    const { manifest, runDir } = await runGraph(graph, runsDir);
    expect(manifest.status).toBe('succeeded');
    expect(readdirSync(runDir)).not.toContain('codex-home');
    const home = path.join(repo, '.codex-orchestrator', 'codex-home', manifest.runId);
    for (const dir of [path.join(repo, '.codex-orchestrator'), path.dirname(home), home]) expect(statSync(dir).mode & 0o777).toBe(0o700);
    // Ignored by git: nothing of it shows as untracked.
    expect(git(repo, 'status', '--porcelain', '--', '.codex-orchestrator')).toBe('');
    expect(git(repo, 'check-ignore', path.join(home, 'config.toml'))).toBe(path.join(home, 'config.toml'));
    expect(existsSync(path.join(home, 'config.toml'))).toBe(true);
    // Kept after the run: a later session continues a task's thread from its rollout file.
    const sessions = readdirSync(path.join(home, 'sessions'), { recursive: true }).map(String);
    expect(sessions.some((f) => f.endsWith(`${manifest.tasks[0]?.threadId}.jsonl`))).toBe(true);
  });
});
