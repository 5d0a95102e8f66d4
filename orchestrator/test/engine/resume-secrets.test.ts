import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TaggedAbort } from '../../src/core/abort.js';
import type { RunId } from '../../src/core/ids.js';
import { executeRun } from '../../src/engine/run/execute.js';
import { renderResumeFailure, resumeRun } from '../../src/engine/run/resume.js';
import { loadGraph } from '../../src/graph/load.js';
import { repoWithGraph, task } from '../helpers/run.js';
import { tempDir } from '../helpers/temp.js';

// A graph that holds a secret is copied redacted into the run; resume must still run the real tasks.

const SECRET = `resume-secret-${process.pid}-0123456789`;
const env = { ...process.env, OPENAI_API_KEY: '', DEPLOY_TOKEN: SECRET };

function graphYaml(gate: string): string {
  return `
tasks:
  - id: first
    role: builder
    prompt: "\`\`\`sh\\necho first > first.txt\\n\`\`\`"
  - id: second
    role: builder
    deps: [first]
    prompt: "\`\`\`sh\\nuntil [ -f ${gate} ]; do sleep 0.1; done; echo ${SECRET} > token.txt\\n\`\`\`"
    verify: ['test "$(cat token.txt)" = "${SECRET}"', 'test "$DEPLOY_TOKEN" = "${SECRET}"']
`;
}

/** Runs the graph until `second` has started, then stops it. */
async function stoppedRun(graphFile: string, runsDir: string): Promise<RunId> {
  const loaded = await loadGraph(graphFile);
  if (!loaded.ok) throw new Error('graph did not load');
  const controller = new AbortController();
  const result = await executeRun({
    graph: loaded.value,
    runsDir,
    env,
    signal: controller.signal,
    observer: (e) => {
      if (e.type === 'task-command' && e.taskId === 'second') setTimeout(() => controller.abort(new TaggedAbort({ kind: 'stop', signal: 'request' })), 200);
    },
  });
  if (!result.ok) throw new Error(`run failed to start: ${JSON.stringify(result.error)}`);
  expect(result.value.status).toBe('stopped');
  return result.value.runId as RunId;
}

describe('resuming a run whose graph holds a secret', () => {
  it('runs the tasks from the graph file, not from the redacted copy', async () => {
    const gate = path.join(tempDir(), 'go');
    const { graph, runsDir } = repoWithGraph(graphYaml(gate));
    const runId = await stoppedRun(graph, runsDir);
    const runDir = path.join(runsDir, runId);
    expect(readFileSync(path.join(runDir, 'graph.yaml'), 'utf8')).toContain('echo [REDACTED:DEPLOY_TOKEN] > token.txt');
    writeFileSync(gate, '');
    const resumed = await resumeRun({ runsDir, runId, env, signal: new AbortController().signal });
    if (!resumed.ok || resumed.value.kind !== 'resumed') throw new Error(`resume failed: ${JSON.stringify(resumed)}`);
    const m = resumed.value.manifest;
    expect(m.status).toBe('succeeded');
    expect(task(m, 'second').checks?.map((c) => [c.command, c.exitCode])).toEqual([
      ['test "$(cat token.txt)" = "[REDACTED:DEPLOY_TOKEN]"', 0],
      ['test "$DEPLOY_TOKEN" = "[REDACTED:DEPLOY_TOKEN]"', 0],
    ]);
    expect(readFileSync(path.join(runDir, 'manifest.json'), 'utf8')).not.toContain(SECRET);
  });

  it('refuses to resume when that graph file has changed since', async () => {
    const gate = path.join(tempDir(), 'go');
    const { graph, runsDir } = repoWithGraph(graphYaml(gate));
    const runId = await stoppedRun(graph, runsDir);
    writeFileSync(graph, `${readFileSync(graph, 'utf8')}# edited\n`);
    const resumed = await resumeRun({ runsDir, runId, env, signal: new AbortController().signal });
    if (resumed.ok) throw new Error('resume should have been refused');
    expect(renderResumeFailure(resumed.error, (p) => path.relative(path.dirname(graph), p))).toBe(
      'error: the graph holds secrets, so the run keeps a redacted copy and resume reads graph.yaml, which has changed (or gone) since the run started\n' +
        '  hint: restore that file as it was when the run started, then resume again',
    );
  });
});
