import { existsSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { executeRun } from '../../src/engine/run/execute.js';
import { loadGraph } from '../../src/graph/load.js';
import { atomicWrite, type AtomicWrite } from '../../src/store/atomic.js';
import { Manifest } from '../../src/store/manifest.js';
import { renderStoreFailure } from '../../src/store/store-failure.js';
import { processesWith } from '../helpers/processes.js';
import { readRunFile, repoWithGraph, runGraph, worktreesOf } from '../helpers/run.js';
import { tempDir } from '../helpers/temp.js';

// Real Codex against the offline model; the disk is made to fail through the store's own write interface.

async function run(graphFile: string, runsDir: string, write?: AtomicWrite) {
  const loaded = await loadGraph(graphFile);
  if (!loaded.ok) throw new Error('graph did not load');
  return executeRun({
    graph: loaded.value,
    runsDir,
    signal: new AbortController().signal,
    env: { ...process.env, OPENAI_API_KEY: '' },
    ...(write ? { atomicWrite: write } : {}),
  });
}

function onlyRun(runsDir: string): string {
  const runs = readdirSync(runsDir).filter((n) => /^\d{4}-/.test(n));
  expect(runs).toHaveLength(1);
  return path.join(runsDir, runs[0] as string);
}

describe('a run whose disk fills up', () => {
  it('stops with a clear error, keeps the last good manifest, and leaves no process behind', async () => {
    const marker = `disk-full-${process.pid}`;
    const { graph, runsDir } = repoWithGraph(`
tasks:
  - id: write-it
    role: builder
    prompt: "\`\`\`sh\\necho ${marker} > out.txt\\n\`\`\`"
  - id: after
    role: builder
    deps: [write-it]
    prompt: "\`\`\`sh\\necho never\\n\`\`\`"
`);
    let lastGood = '';
    const write: AtomicWrite = async (file, data) => {
      if (path.basename(file) === 'diff.patch') throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      await atomicWrite(file, data);
      if (path.basename(file) === 'manifest.json') lastGood = data;
    };
    const result = await run(graph, runsDir, write);
    const runDir = onlyRun(runsDir);
    const runId = path.basename(runDir);
    const diff = path.join(runDir, 'tasks', 'write-it', 'diff.patch');
    expect(result).toEqual({ ok: false, error: { reason: 'store-failed', runId, failure: { reason: 'disk-full', file: diff }, started: true } });
    if (result.ok || result.error.reason !== 'store-failed') throw new Error('unreachable');
    expect(renderStoreFailure(result.error.failure, runId, true, (p) => path.relative(path.dirname(runsDir), p))).toBe(
      `error: the disk is full while writing .runs/${runId}/tasks/write-it/diff.patch; the last good manifest is kept; free space and run: codex-orchestrator resume ${runId}`,
    );
    // The manifest on disk is the last one written whole: the run still "running", for resume.
    const onDisk = readRunFile(runDir, 'manifest.json');
    expect(onDisk).toBe(lastGood);
    const m = Manifest.parse(JSON.parse(onDisk));
    expect(m.status).toBe('running');
    expect(m.tasks.map((t) => [t.id, t.status])).toEqual([
      ['write-it', 'running'],
      ['after', 'pending'],
    ]);
    expect(readRunFile(runDir, 'runner.log')).toContain(`run ${runId} stopped: the disk is full while writing ${diff}`);
    await expect.poll(() => processesWith(marker), { timeout: 10_000 }).toEqual([]);
    expect(existsSync(worktreesOf(runDir))).toBe(false);
  });
});

describe('links planted in a run folder', () => {
  it('are not written through: a check that links checks.json elsewhere stops the run, and the target is untouched', async () => {
    const outside = tempDir('co-outside-');
    const target = path.join(outside, 'passwd');
    writeFileSync(target, 'root:x:0:0\n');
    const { graph, runsDir } = repoWithGraph(`
tasks:
  - id: planter
    role: builder
    prompt: "\`\`\`sh\\necho hi > hi.txt\\n\`\`\`"
    verify:
      - ln -s ${target} "$(echo $(git rev-parse --path-format=absolute --git-common-dir)/../.runs/*/tasks/planter)/checks.json"
`);
    const result = await run(graph, runsDir);
    const runDir = onlyRun(runsDir);
    const checks = path.join(runDir, 'tasks', 'planter', 'checks.json');
    expect(result.ok ? undefined : result.error).toMatchObject({ reason: 'store-failed', failure: { reason: 'symlink', file: checks, link: checks } });
    expect(readFileSync(target, 'utf8')).toBe('root:x:0:0\n');
  });

  it('are not passed through: a task folder made a link to another folder is refused before anything is written there', async () => {
    const outside = tempDir('co-outside-');
    const { graph, runsDir } = repoWithGraph(`
tasks:
  - id: planter
    role: builder
    prompt: "\`\`\`sh\\necho hi > hi.txt\\n\`\`\`"
    verify:
      - ln -s ${outside} "$(echo $(git rev-parse --path-format=absolute --git-common-dir)/../.runs/*/tasks)/victim"
  - id: victim
    role: builder
    deps: [planter]
    prompt: "\`\`\`sh\\necho hi\\n\`\`\`"
`);
    const result = await run(graph, runsDir);
    const runDir = onlyRun(runsDir);
    expect(result.ok ? undefined : result.error).toMatchObject({
      reason: 'store-failed',
      failure: { reason: 'symlink', link: path.join(runDir, 'tasks', 'victim') },
    });
    expect(readdirSync(outside)).toEqual([]);
  });
});

describe('the start of a run', () => {
  it('sweeps temp files that interrupted writes of earlier runs left behind', async () => {
    const { graph, runsDir } = repoWithGraph(`
tasks:
  - id: hello
    role: builder
    prompt: "\`\`\`sh\\necho hello > hello.txt\\n\`\`\`"
`);
    const old = path.join(runsDir, '2026-01-01T00-00-00Z-0bad');
    const leftovers = [path.join(old, 'manifest.json.3012214441'), path.join(old, 'tasks', 'x', 'checks.json.77'), path.join(runsDir, 'index.json.1234')];
    for (const f of leftovers) {
      mkdirSync(path.dirname(f), { recursive: true });
      writeFileSync(f, '{"half": ');
      const t = (Date.now() - 10 * 60_000) / 1000;
      utimesSync(f, t, t);
    }
    writeFileSync(path.join(old, 'notes.txt'), 'mine');
    const { manifest, runDir } = await runGraph(graph, runsDir);
    expect(manifest.status).toBe('succeeded');
    expect(readdirSync(old, { recursive: true }).sort()).toEqual(['notes.txt', 'tasks', path.join('tasks', 'x')]);
    expect(readdirSync(runsDir)).not.toContain('index.json.1234');
    expect(readRunFile(runDir, 'runner.log')).toContain(
      'swept 2 temp file(s) left by interrupted writes: 2026-01-01T00-00-00Z-0bad/manifest.json.3012214441, 2026-01-01T00-00-00Z-0bad/tasks/x/checks.json.77',
    );
  });
});
