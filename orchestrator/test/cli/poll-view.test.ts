import { describe, expect, it } from 'vitest';
import { pollDocument, renderPollTable } from '../../src/cli/poll-view.js';
import type { Manifest } from '../../src/store/manifest.js';
import { countTasks } from '../../src/store/manifest.js';

const at = '2026-11-21T10:04:05.000Z';
const tasks: Manifest['tasks'] = [
  {
    id: 'build', title: 'Build', role: 'builder', deps: [], status: 'succeeded', attempts: [{ n: 1, status: 'succeeded', startedAt: at }],
    durationMs: 3200, diffStat: { files: 2, insertions: 12, deletions: 3 },
    checks: [{ command: 'npm test', exitCode: 0, signal: null, timedOut: false, durationMs: 900, outputPath: 'tasks/build/checks/1.log' }],
    artifacts: { diff: { path: 'tasks/build/diff.patch', sha256: 'a'.repeat(64), bytes: 10 } },
  },
  {
    id: 'test', title: 'Test', role: 'tester', deps: ['build'], status: 'failed', reason: 'verify-failed', message: 'verify failed: `npm test` exited 1',
    attempts: [{ n: 1, status: 'failed', startedAt: at }], durationMs: 65_000,
    checks: [{ command: 'npm test', exitCode: 1, signal: null, timedOut: false, durationMs: 900, outputPath: 'tasks/test/checks/1.log' }],
    artifacts: {},
  },
  { id: 'docs', title: 'Docs', role: 'builder', deps: ['test'], status: 'skipped', reason: 'dependency-failed', message: 'not run: dependency "test" did not succeed (failed)', attempts: [], artifacts: {} },
];
const manifest: Manifest = {
  schemaVersion: 1, runId: '2026-11-21T10-04-05Z-7f3a', status: 'failed', message: '1 task(s) failed, 1 skipped',
  graph: { path: '/repo/tasks/demo.yaml', sha256: 'b'.repeat(64), name: 'demo', copy: 'graph.yaml' },
  repo: { root: '/repo', baseRef: 'HEAD', baseCommit: 'c'.repeat(40) },
  settings: { backend: 'codex-mcp', concurrency: { builder: 4, tester: 2 } },
  model: { kind: 'offline', name: 'offline-stand-in' }, tools: { orchestrator: '0.1.0', codex: '0.153.4', node: '20.20.2' },
  process: { pid: 1, hostname: 'h' }, startedAt: at, finishedAt: '2026-11-21T10:05:15.000Z', heartbeatAt: at, durationMs: 70_000,
  counts: countTasks(tasks), usage: { input: 100, cachedInput: 0, output: 20, reasoning: 0, total: 120 }, runnerLog: 'runner.log', tasks,
};

describe('poll views', () => {
  it('renders the table people read', () => {
    expect(renderPollTable(pollDocument(manifest, '/repo/.runs/2026-11-21T10-04-05Z-7f3a'), '/repo')).toBe(
      [
        'run 2026-11-21T10-04-05Z-7f3a  FAILED  3/3 tasks done  1m10s',
        'graph tasks/demo.yaml  tokens 120',
        '1 task(s) failed, 1 skipped',
        '',
        'TASK   ROLE     STATUS     ATTEMPTS  DURATION  DIFF              CHECKS',
        'build  builder  succeeded  1         3.2s      +12 -3 (2 files)  1/1 ok',
        'test   tester   failed     1         1m05s     -                 0/1 FAILED',
        'docs   builder  skipped    0         -         -                 -',
        '',
        'test: verify-failed: verify failed: `npm test` exited 1',
        'docs: dependency-failed: not run: dependency "test" did not succeed (failed)',
        '',
        'manifest: .runs/2026-11-21T10-04-05Z-7f3a/manifest.json',
      ].join('\n'),
    );
  });

  it('gives scripts absolute artifact paths and check counts', () => {
    const doc = pollDocument(manifest, '/repo/.runs/x');
    expect(doc.tasks[0]).toMatchObject({ checks: { passed: 1, failed: 0, total: 1 }, artifacts: { diff: '/repo/.runs/x/tasks/build/diff.patch', log: null } });
    expect(doc.tasks[2]).toMatchObject({ attempts: 0, durationMs: null, diff: null, checks: null });
  });
});
