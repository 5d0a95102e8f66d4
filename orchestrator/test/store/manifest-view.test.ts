import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { pollDocument } from '../../src/views/poll.js';
import { Manifest } from '../../src/store/manifest.js';
import { isManifestView, readManifestView } from '../../src/store/manifest-view.js';
import { readManifest } from '../../src/store/read.js';
import { manifestFixture } from '../helpers/manifests.js';
import { tempDir } from '../helpers/temp.js';

const V1_FIXTURE = fileURLToPath(new URL('../fixtures/manifest-v1.json', import.meta.url));
const NOW = Date.parse('2026-11-21T10:10:00.000Z');
const usage = { input: 10, cachedInput: 4, output: 3, reasoning: 1, total: 13 };
const digest = 'e'.repeat(64);

/** A manifest with every field poll shows set, written in an order of its own and with fields the schema does not know. */
function richManifest(): Record<string, unknown> {
  const m = manifestFixture() as unknown as Record<string, unknown>;
  const tasks = m['tasks'] as Record<string, unknown>[];
  Object.assign(tasks[0] as object, {
    status: 'failed',
    reason: 'verify-failed',
    message: 'npm test failed',
    extra: 'not in the schema',
    attempts: [
      { n: 1, status: 'failed', startedAt: '2026-11-21T10:04:06.000Z', finishedAt: '2026-11-21T10:04:16.000Z', reason: 'verify-failed' },
      {
        status: 'failed',
        n: 2,
        startedAt: '2026-11-21T10:04:20.000Z',
        finishedAt: '2026-11-21T10:04:30.000Z',
        followUp: { from: 'fix', prompt: 'fix it', fix: 1, requestedAt: '2026-11-21T10:04:17.000Z' },
      },
    ],
    threadId: 'thread-1',
    startedAt: '2026-11-21T10:04:06.000Z',
    finishedAt: '2026-11-21T10:04:30.000Z',
    durationMs: 24000,
    diffStat: { deletions: 2, insertions: 5, files: 1, surplus: 9 },
    checks: [{ command: 'npm test', exitCode: 1, signal: null, timedOut: false, durationMs: 800, outputPath: 'tasks/task-0/checks/1.log' }],
    usage,
    codexUsage: usage,
    verdict: { verdict: 'fail', summary: 'no test', findings: 1, overridden: true, attempt: 2, path: 'tasks/task-0/verdict.json' },
    triage: { probableCause: 'the test fails', nextStep: 'retry', by: 'rules', at: '2026-11-21T10:04:31.000Z', attempt: 2 },
    sandboxDenials: [
      { message: 'Read-only file system', command: 'touch /x', path: '/x' },
      { command: 'curl x', message: 'Operation not permitted' },
    ],
    artifacts: { log: { path: 'tasks/task-0/log.txt', sha256: digest, bytes: 3 }, diff: { path: 'tasks/task-0/../task-0/diff.patch', sha256: digest, bytes: 4 } },
  });
  Object.assign(tasks[1] as object, { resultCommit: 'f'.repeat(40), followUp: { from: 'reject', prompt: 'revise it', requestedAt: '2026-11-21T10:05:01.000Z' } });
  Object.assign(tasks[2] as object, {
    role: 'gate',
    status: 'awaiting-approval',
    awaitingSince: '2026-11-21T10:05:00.000Z',
    approval: { sections: ['Risk'], criteria: ['Named'], author: 'task-1', artifact: 'docs/a.md' },
  });
  const counts = { rejected: 0, approved: 0, 'awaiting-approval': 1, cancelled: 0, skipped: 0, failed: 1, succeeded: 0, running: 0, ready: 0, pending: 1 };
  // A copy of its own: a test that breaks it must not break the shared pieces.
  return structuredClone({
    unknown: true,
    ...m,
    status: 'awaiting-approval',
    message: 'gate task-2 awaits approval',
    counts,
    codexUsage: usage,
    agentUsage: { total: 0, reasoning: 0, output: 0, cachedInput: 0, input: 0 },
    usage,
    settings: { concurrency: { tester: 2, builder: 4 }, backend: 'codex-mcp', agents: true },
    budget: { reachedAt: '2026-11-21T10:06:00.000Z', maxTokens: 10 },
    integration: { skipped: [{ reason: 'failed', taskId: 'task-0' }], merged: ['task-1'], commit: 'f'.repeat(40), branch: 'codex-orchestrator/x' },
    waitingSince: '2026-11-21T10:05:00.000Z',
    waitMs: 1000,
  });
}

function writeRun(json: unknown): string {
  const runDir = path.join(tempDir('co-view-'), '2026-11-21T10-04-05Z-7f3a');
  mkdirSync(runDir, { recursive: true });
  writeFileSync(path.join(runDir, 'manifest.json'), JSON.stringify(json));
  return runDir;
}

describe("poll's view of a manifest", () => {
  it('shows what the full schema shows: the same poll document, key for key, for the v1 fixture, a fresh run and a run with every field poll shows', () => {
    const manifests = [JSON.parse(readFileSync(V1_FIXTURE, 'utf8')) as unknown, manifestFixture(), richManifest()];
    for (const json of manifests) {
      expect(isManifestView(json)).toBe(true);
      const parsed = Manifest.parse(json);
      if (!isManifestView(json)) throw new Error('unreachable');
      expect(JSON.stringify(pollDocument(json, '/repo/.runs/r', NOW, 4242))).toBe(JSON.stringify(pollDocument(parsed, '/repo/.runs/r', NOW, 4242)));
    }
  });

  it("refuses what the schema refuses in the fields poll shows, with the schema's own message", async () => {
    const breakages: [string, (m: Record<string, any>) => void][] = [
      ['a newer schema version', (m) => (m['schemaVersion'] = 3)],
      ['an unknown run state', (m) => (m['status'] = 'done')],
      ['a count missing', (m) => delete m['counts']['ready']],
      ['a count of another state', (m) => (m['counts']['paused'] = 0)],
      ['a negative token count', (m) => (m['usage']['total'] = -1)],
      ['a null where a field may only be absent', (m) => (m['tasks'][0]['reason'] = null)],
      ['an unknown task state', (m) => (m['tasks'][1]['status'] = 'halted')],
      ['an unknown attempt state', (m) => (m['tasks'][0]['attempts'][0]['status'] = 'paused')],
      ['a fractional finding count', (m) => (m['tasks'][0]['verdict']['findings'] = 1.5)],
      ['a denial without its message', (m) => delete m['tasks'][0]['sandboxDenials'][0]['message']],
      ['tasks that are not a list', (m) => (m['tasks'] = {})],
      ['no graph', (m) => delete m['graph']],
      ['a budget of no tokens', (m) => (m['budget']['maxTokens'] = 0)],
    ];
    for (const [what, breakIt] of breakages) {
      const json = richManifest() as Record<string, any>;
      breakIt(json);
      const runDir = writeRun(json);
      const full = await readManifest(runDir);
      expect(full.ok, what).toBe(false);
      expect(isManifestView(json), what).toBe(false);
      expect(await readManifestView(runDir), what).toEqual(full);
    }
  });

  it('reads a file that is not JSON, or is missing, as readManifest does', async () => {
    const runDir = writeRun({});
    writeFileSync(path.join(runDir, 'manifest.json'), '{"schemaVersion": 1, "tasks": [');
    expect(await readManifestView(runDir)).toEqual(await readManifest(runDir));
    const gone = path.join(runDir, 'nowhere');
    expect(await readManifestView(gone)).toEqual(await readManifest(gone));
  });

  it('does not check what poll does not show: a malformed artifact digest is shown, not refused', async () => {
    const json = richManifest() as Record<string, any>;
    json['tasks'][0]['artifacts']['log']['sha256'] = 'not a digest';
    const runDir = writeRun(json);
    expect((await readManifest(runDir)).ok).toBe(false);
    const view = await readManifestView(runDir);
    expect(view.ok && view.value.tasks[0]?.artifacts.log?.path).toBe('tasks/task-0/log.txt');
  });
});
