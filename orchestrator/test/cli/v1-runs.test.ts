import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectKeys, sealRun } from '../../src/review/seal.js';
import type { Manifest } from '../../src/store/manifest.js';
import type { RunEvent } from '../../src/store/events/run-event.js';
import { cli } from '../helpers/cli.js';
import { repoWithGraph, task } from '../helpers/run.js';
import { tempDir } from '../helpers/temp.js';

// Runs recorded before the event log (manifest schemaVersion 1, no events.ndjson) still poll,
// review, take decisions and resume: their first change starts a log with a snapshot of them.

const GRAPH = `
tasks:
  - id: build
    role: builder
    prompt: "\`\`\`sh\\necho built > build.txt\\n\`\`\`"
  - id: sign-off
    role: gate
    deps: [build]
  - id: ship
    role: builder
    deps: [sign-off]
    prompt: "\`\`\`sh\\necho shipped > ship.txt\\n\`\`\`"
`;

describe('a run from before the event log', () => {
  it('polls, reviews, is approved and resumed; its log then starts with a snapshot of it', { timeout: 120_000 }, async () => {
    const { repo } = repoWithGraph(GRAPH);
    const keys = path.join(tempDir(), 'keys');
    const env = { CODEX_ORCHESTRATOR_KEYS_DIR: keys };
    const first = await cli(['run', 'graph.yaml', '--exit-at-gates', '--json'], repo, env);
    expect(first.code, first.stderr).toBe(0);
    const runId = (JSON.parse(first.stdout) as { runId: string }).runId;
    const runsDir = path.join(repo, '.runs');
    const runDir = path.join(runsDir, runId);
    const manifestFile = path.join(runDir, 'manifest.json');
    // What the code before the log left: a schemaVersion 1 manifest, no log, sealed as it was.
    const { events: _seq, ...v1 } = { ...(JSON.parse(readFileSync(manifestFile, 'utf8')) as Manifest), schemaVersion: 1 };
    writeFileSync(manifestFile, `${JSON.stringify(v1, null, 2)}\n`);
    rmSync(path.join(runDir, 'events.ndjson'));
    expect((await sealRun(runDir, projectKeys(runsDir, env))).ok).toBe(true);

    const polled = await cli(['poll', runId, '--json'], repo, env);
    expect(polled.code, polled.stderr).toBe(0);
    expect(JSON.parse(polled.stdout)).toMatchObject({ status: 'awaiting-approval' });
    const reviewed = await cli(['review', runId, '--json'], repo, env);
    expect(reviewed.code, reviewed.stderr).toBe(0);
    expect((await cli(['verify', runId], repo, env)).code).toBe(0);

    const approved = await cli(['approve', runId, '--task', 'sign-off', '--reviewer', 'carol'], repo, env);
    expect(approved.code, approved.stderr).toBe(0);
    const log = readFileSync(path.join(runDir, 'events.ndjson'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as RunEvent);
    expect(log.map((e) => e.kind)).toEqual(['snapshot', 'decided', 'run-settled']);
    expect(log[0]?.kind === 'snapshot' && log[0].from).toBe('import');
    expect(JSON.parse(readFileSync(manifestFile, 'utf8'))).toMatchObject({ schemaVersion: 2, events: { seq: 3 } });

    const resumed = await cli(['resume', runId, '--json'], repo, env);
    expect(resumed.code, resumed.stderr).toBe(0);
    const m = JSON.parse(readFileSync(manifestFile, 'utf8')) as Manifest;
    expect(m.status).toBe('succeeded');
    expect(task(m, 'build').attempts).toHaveLength(1);
    expect(task(m, 'ship').status).toBe('succeeded');
    expect(existsSync(path.join(runDir, 'events.ndjson'))).toBe(true);
    expect((await cli(['verify', runId], repo, env)).code).toBe(0);
  });
});
