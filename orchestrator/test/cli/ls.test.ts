import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { repoWithGraph } from '../helpers/run.js';
import { tempDir } from '../helpers/temp.js';

// `ls` with the built CLI over real runs (the real Codex, the offline model): newest first, the
// state of each, `--status`, `--json`, and a run folder whose manifest is broken listed with its problem.

const GRAPH = `
tasks:
  - id: build
    role: builder
    prompt: "\`\`\`sh\\necho built > build.txt\\n\`\`\`"
  - id: sign-off
    role: gate
    deps: [build]
`;

describe('codex-orchestrator ls', () => {
  it('lists the runs newest first with their state, filters by --status, and shows a broken one', async () => {
    const { repo } = repoWithGraph(GRAPH);
    const env = { CODEX_ORCHESTRATOR_KEYS_DIR: path.join(tempDir(), 'keys') };
    const empty = await cli(['ls'], repo, env);
    expect({ code: empty.code, stdout: empty.stdout }).toEqual({ code: 0, stdout: 'no runs\n' });

    const first = await cli(['run', 'graph.yaml', '--exit-at-gates', '--json'], repo, env);
    const waiting = (JSON.parse(first.stdout) as { runId: string }).runId;
    const second = await cli(['run', 'graph.yaml', '--exit-at-gates', '--json'], repo, env);
    const approved = (JSON.parse(second.stdout) as { runId: string }).runId;
    expect((await cli(['approve', approved, '--task', 'sign-off', '--reviewer', 'ada'], repo, env)).code).toBe(0);
    const broken = '2026-01-01T00-00-00Z-dead';
    mkdirSync(path.join(repo, '.runs', broken));
    writeFileSync(path.join(repo, '.runs', broken, 'manifest.json'), '{ not json');

    const r = await cli(['ls', '--json'], repo, env);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { schema: string; runs: { id: string; graph: string | null; status: string; counts: Record<string, number>; problem: string | null }[] };
    expect(doc.schema).toBe('codex-orchestrator/ls@1');
    expect(doc.runs.map((x) => [x.id, x.status])).toEqual([
      [approved, 'succeeded'],
      [waiting, 'awaiting-approval'],
      [broken, 'unreadable'],
    ]);
    expect(doc.runs[0]).toMatchObject({ graph: 'graph', counts: { succeeded: 1, approved: 1 }, problem: null });
    expect(doc.runs[2]?.problem).toMatch(/manifest/);

    const table = await cli(['ls'], repo, env);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^RUN +GRAPH +STATUS +STARTED +DURATION +TASKS$/);
    expect(lines[1]).toMatch(new RegExp(`^${approved} +graph +SUCCEEDED .* 1 succeeded, 1 approved$`));
    expect(lines[2]).toMatch(new RegExp(`^${waiting} +graph +AWAITING-APPROVAL .* 1 succeeded, 1 awaiting approval$`));

    const only = await cli(['ls', '--status', 'awaiting-approval', '--json'], repo, env);
    expect((JSON.parse(only.stdout) as { runs: { id: string }[] }).runs.map((x) => x.id)).toEqual([waiting]);
    const bad = await cli(['ls', '--status', 'done'], repo, env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('error: --status must be one of running, awaiting-approval, succeeded');
  }, 120_000);
});
