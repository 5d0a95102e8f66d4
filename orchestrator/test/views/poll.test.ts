import { describe, expect, it } from 'vitest';
import { pollDocument } from '../../src/views/poll.js';
import { renderPollTable } from '../../src/views/poll-table.js';
import type { Manifest } from '../../src/store/manifest.js';
import { countTasks } from '../../src/store/manifest.js';

const at = '2026-11-21T10:04:05.000Z';
const tasks: Manifest['tasks'] = [
  {
    id: 'build',
    title: 'Build',
    role: 'builder',
    deps: [],
    status: 'succeeded',
    attempts: [{ n: 1, status: 'succeeded', startedAt: at }],
    durationMs: 3200,
    diffStat: { files: 2, insertions: 12, deletions: 3 },
    checks: [{ command: 'npm test', exitCode: 0, signal: null, timedOut: false, durationMs: 900, outputPath: 'tasks/build/checks/1.log' }],
    artifacts: { diff: { path: 'tasks/build/diff.patch', sha256: 'a'.repeat(64), bytes: 10 } },
  },
  {
    id: 'test',
    title: 'Test',
    role: 'tester',
    deps: ['build'],
    status: 'failed',
    reason: 'verify-failed',
    message: 'verify failed: `npm test` exited 1',
    attempts: [{ n: 1, status: 'failed', startedAt: at }],
    durationMs: 65_000,
    checks: [{ command: 'npm test', exitCode: 1, signal: null, timedOut: false, durationMs: 900, outputPath: 'tasks/test/checks/1.log' }],
    artifacts: {},
  },
  {
    id: 'docs',
    title: 'Docs',
    role: 'builder',
    deps: ['test'],
    status: 'skipped',
    reason: 'dependency-failed',
    message: 'not run: dependency "test" did not succeed (failed)',
    attempts: [],
    artifacts: {},
  },
];
const manifest: Manifest = {
  schemaVersion: 1,
  runId: '2026-11-21T10-04-05Z-7f3a',
  status: 'failed',
  message: '1 succeeded, 1 failed, 1 skipped',
  graph: { path: '/repo/tasks/demo.yaml', sha256: 'b'.repeat(64), name: 'demo', copy: 'graph.yaml' },
  repo: { root: '/repo', baseRef: 'HEAD', baseCommit: 'c'.repeat(40) },
  settings: { backend: 'codex-mcp', concurrency: { builder: 4, tester: 2 } },
  model: { kind: 'offline', name: 'offline-stand-in' },
  tools: { orchestrator: '0.1.0', codex: '0.153.4', node: '20.20.2' },
  process: { pid: 1, hostname: 'h' },
  startedAt: at,
  finishedAt: '2026-11-21T10:05:15.000Z',
  heartbeatAt: at,
  durationMs: 70_000,
  counts: countTasks(tasks),
  usage: { input: 100, cachedInput: 0, output: 20, reasoning: 0, total: 120 },
  runnerLog: 'runner.log',
  tasks,
};

describe('poll views', () => {
  it('renders the table people read', () => {
    expect(renderPollTable(pollDocument(manifest, '/repo/.runs/2026-11-21T10-04-05Z-7f3a'), '/repo')).toBe(
      [
        'run 2026-11-21T10-04-05Z-7f3a  FAILED  1 succeeded, 1 failed, 1 skipped  1m10s',
        'graph tasks/demo.yaml  tokens 120',
        '',
        'TASK   ROLE     STATUS     ATTEMPTS  WORKED  WAITED  DIFF              CHECKS      VERDICT  TOKENS',
        'build  builder  succeeded  1         3.2s    -       +12 -3 (2 files)  1/1 ok      -        -',
        'test   tester   failed     1         1m05s   -       -                 0/1 FAILED  -        -',
        'docs   builder  skipped    0         -       -       -                 -           -        -',
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

  it('shows verdicts, fixes, tokens by Codex and agents, triage notes and a reached budget', () => {
    const u = (total: number) => ({ input: total - 10, cachedInput: 0, output: 10, reasoning: 0, total });
    const judged: Manifest = {
      ...manifest,
      reason: 'budget-exceeded',
      message: 'budget-exceeded: the run used 5200 tokens of its budget of 5000 (settings.maxTokens); 1 task(s) not started',
      settings: { ...manifest.settings, agents: true },
      usage: u(5200),
      codexUsage: u(4000),
      agentUsage: u(1200),
      budget: { maxTokens: 5000, reachedAt: at },
      tasks: [
        {
          ...tasks[0]!,
          attempts: [
            { n: 1, status: 'failed', reason: 'verify-failed', startedAt: at },
            { n: 2, status: 'succeeded', startedAt: at, followUp: { from: 'fix', fix: 1, prompt: 'fix it', requestedAt: at } },
          ],
          usage: u(3000),
          codexUsage: u(2500),
          agentUsage: u(500),
        },
        {
          ...tasks[1]!,
          usage: u(2200),
          codexUsage: u(1500),
          agentUsage: u(700),
          verdict: { verdict: 'fail', summary: '0 of 1 check(s) passed.', findings: 1, overridden: false, attempt: 1, path: 'tasks/test/verdict.json' },
          triage: { probableCause: 'The verify command `npm test` exited 1.', nextStep: 'Read the output.', by: 'manager', at, attempt: 1 },
          artifacts: { verdict: { path: 'tasks/test/verdict.json', sha256: 'd'.repeat(64), bytes: 10 } },
        },
        { ...tasks[2]!, status: 'cancelled', reason: 'budget-exceeded', message: 'not started: the run reached its token budget (settings.maxTokens)' },
      ],
    };
    judged.counts = countTasks(judged.tasks);
    const doc = pollDocument(judged, '/repo/.runs/x');
    expect(doc).toMatchObject({
      reason: 'budget-exceeded',
      agents: true,
      usage: { total: 5200 },
      codexUsage: { total: 4000 },
      agentUsage: { total: 1200 },
      budget: { maxTokens: 5000, used: 5200, remaining: 0, reached: true, reachedAt: at },
    });
    expect(doc.tasks[0]).toMatchObject({ attempts: 2, fixAttempts: 1, usage: { total: 3000 }, codexUsage: { total: 2500 }, agentUsage: { total: 500 }, verdict: null });
    expect(doc.tasks[1]).toMatchObject({
      verdict: { verdict: 'fail', findings: 1, file: '/repo/.runs/x/tasks/test/verdict.json' },
      triage: { probableCause: 'The verify command `npm test` exited 1.', nextStep: 'Read the output.', by: 'manager' },
      artifacts: { verdict: '/repo/.runs/x/tasks/test/verdict.json' },
    });
    expect(renderPollTable(doc, '/repo')).toBe(
      [
        'run 2026-11-21T10-04-05Z-7f3a  FAILED  1 succeeded, 1 failed, 1 cancelled  1m10s',
        'graph tasks/demo.yaml  tokens 5200 (Codex 4000, agents 1200); budget 5000, REACHED',
        'budget-exceeded: the run used 5200 tokens of its budget of 5000 (settings.maxTokens); 1 task(s) not started',
        '',
        'TASK   ROLE     STATUS     ATTEMPTS   WORKED  WAITED  DIFF              CHECKS      VERDICT  TOKENS',
        'build  builder  succeeded  2 (1 fix)  3.2s    -       +12 -3 (2 files)  1/1 ok      -        3000',
        'test   tester   failed     1          1m05s   -       -                 0/1 FAILED  FAIL     2200',
        'docs   builder  cancelled  0          -       -       -                 -           -        -',
        '',
        'test: verify-failed: verify failed: `npm test` exited 1',
        '  probable cause: The verify command `npm test` exited 1.',
        '  next step: Read the output.',
        'docs: budget-exceeded: not started: the run reached its token budget (settings.maxTokens)',
        '',
        'manifest: .runs/x/manifest.json',
      ].join('\n'),
    );
  });

  it('counts what happened: nothing succeeded is not "3/3 tasks done"', () => {
    const failed = tasks.map((t) => ({ ...t, status: t.id === 'build' ? ('failed' as const) : ('skipped' as const) }));
    const m: Manifest = { ...manifest, message: '2 skipped, 1 failed', tasks: failed, counts: countTasks(failed) };
    expect(renderPollTable(pollDocument(m, '/repo/.runs/x'), '/repo').split('\n')[0]).toBe('run 2026-11-21T10-04-05Z-7f3a  FAILED  1 failed, 2 skipped  1m10s');
  });

  it('tells working time from waiting: a 1 s rework after 4 minutes at a gate is not 4m15s of work', () => {
    const t = (s: number): string => new Date(Date.parse(at) + s * 1000).toISOString();
    const review = { decision: 'rejected' as const, reviewer: 'ada', at: t(254), reason: 'again', attempt: 1, digests: {} };
    const reworked: Manifest['tasks'] = [
      {
        ...tasks[0]!,
        startedAt: t(0),
        finishedAt: t(255),
        durationMs: 255_000,
        attempts: [
          { n: 1, status: 'succeeded', startedAt: t(0), finishedAt: t(14) },
          { n: 2, status: 'succeeded', startedAt: t(254), finishedAt: t(255), followUp: { from: 'reject', by: 'ada', prompt: 'again', requestedAt: t(254) } },
        ],
        reviews: [review],
      },
      {
        id: 'sign-off',
        title: 'Sign-off',
        role: 'gate',
        deps: ['build'],
        status: 'approved',
        attempts: [],
        artifacts: {},
        awaitingSince: t(14),
        reviews: [{ ...review, decision: 'approved', at: t(260), attempt: 0 }],
      },
    ];
    const m: Manifest = {
      ...manifest,
      status: 'succeeded',
      message: undefined,
      finishedAt: t(262),
      durationMs: 262_000,
      waitMs: 246_000,
      tasks: reworked,
      counts: countTasks(reworked),
    } as Manifest;
    delete m.message;
    const doc = pollDocument(m, '/repo/.runs/x');
    expect(doc.tasks[0]).toMatchObject({ durationMs: 255_000, workMs: 15_000, waitMs: 240_000 });
    expect(doc.tasks[1]).toMatchObject({ workMs: null, waitMs: 246_000 });
    expect(doc.waitMs).toBe(246_000);
    expect(renderPollTable(doc, '/repo').split('\n').slice(0, 6)).toEqual([
      'run 2026-11-21T10-04-05Z-7f3a  SUCCEEDED  1 succeeded, 1 approved  4m22s (4m06s waiting for reviewers)',
      'graph tasks/demo.yaml  tokens 120',
      '',
      'TASK      ROLE     STATUS     ATTEMPTS  WORKED  WAITED  DIFF              CHECKS  VERDICT  TOKENS',
      'build     builder  succeeded  2         15s     4m      +12 -3 (2 files)  1/1 ok  -        -',
      'sign-off  gate     approved   0         -       4m06s   -                 -       -        -',
    ]);
  });

  it('a run waiting at a gate gives the approve and reject commands; live it continues by itself, ended at its gates it needs resume', () => {
    const gated: Manifest['tasks'] = [tasks[0]!, { id: 'sign-off', title: 'Sign-off', role: 'gate', deps: ['build'], status: 'awaiting-approval', attempts: [], artifacts: {} }];
    const m: Manifest = { ...manifest, status: 'awaiting-approval', message: 'gate sign-off awaits approval', tasks: gated, counts: countTasks(gated) };
    const tail = (doc: ReturnType<typeof pollDocument>): string[] => renderPollTable(doc, '/repo').split('\n').slice(-4);
    expect(tail(pollDocument(m, '/repo/.runs/x'))).toEqual([
      'gate sign-off awaits approval',
      '  approve: codex-orchestrator approve 2026-11-21T10-04-05Z-7f3a --task sign-off --reviewer NAME [--note TEXT]',
      '  reject:  codex-orchestrator reject 2026-11-21T10-04-05Z-7f3a --task sign-off --reviewer NAME --reason TEXT',
      '  then continue the run with: codex-orchestrator resume 2026-11-21T10-04-05Z-7f3a',
    ]);
    const live = pollDocument({ ...m, message: 'waiting for a reviewer: gate sign-off awaits approval' }, '/repo/.runs/x', Date.now(), 4242);
    expect(live.waiting).toEqual({ gates: ['sign-off'], live: true, pid: 4242 });
    expect(tail(live)).toEqual([
      'waiting for a reviewer: gate sign-off awaits approval',
      '  approve: codex-orchestrator approve 2026-11-21T10-04-05Z-7f3a --task sign-off --reviewer NAME [--note TEXT]',
      '  reject:  codex-orchestrator reject 2026-11-21T10-04-05Z-7f3a --task sign-off --reviewer NAME --reason TEXT',
      '  the run continues by itself after a decision (its orchestrator, process 4242, is waiting)',
    ]);
  });
  it("shows a waiting gate's criteria and artifact, with the command that reads it", () => {
    const commit = 'd'.repeat(40);
    const artifact = 'migrations/migration_x/artifacts/MIG-1-assessment.md';
    const approval = { criteria: ['Every affected component is named', 'The risk is rated'], artifact, author: 'build', sections: ['Migration', 'Risk Level'] };
    const gated: Manifest['tasks'] = [
      { ...tasks[0]!, resultCommit: commit },
      { id: 'sign-off', title: 'Sign-off', role: 'gate', deps: ['build'], status: 'awaiting-approval', attempts: [], artifacts: {}, approval },
      { id: 'plain', title: 'Plain', role: 'gate', deps: ['build'], status: 'pending', attempts: [], artifacts: {}, approval: { criteria: ['Looks right'] } },
    ];
    const m: Manifest = { ...manifest, status: 'awaiting-approval', message: 'gate sign-off awaits approval', tasks: gated, counts: countTasks(gated) };
    const doc = pollDocument(m, '/repo/.runs/x');
    expect(doc.tasks.map((t) => t.approval)).toEqual([
      null,
      { ...approval, commit, show: `git show ${commit}:${artifact}` },
      { criteria: ['Looks right'], artifact: null, author: null, sections: [], commit: null, show: null },
    ]);
    const table = renderPollTable(doc, '/repo').split('\n');
    const from = table.indexOf('sign-off is approved on:');
    expect(table.slice(from - 1, from + 6)).toEqual([
      '',
      'sign-off is approved on:',
      '  criteria: - Every affected component is named',
      '            - The risk is rated',
      `  artifact: ${artifact}, written by build (sections: Migration, Risk Level)`,
      `  read it:  git show ${commit}:${artifact}`,
      '',
    ]);
    // Only a gate awaiting a decision: the pending one's criteria are for later.
    expect(table.join('\n')).not.toContain('plain is approved on');
  });

  it('says why each task still to come is not running, in a column only then', () => {
    const now = Date.parse(at) + 10_000;
    const pending = (id: string, deps: string[], role: 'builder' | 'tester' | 'gate' = 'builder'): Manifest['tasks'][number] => ({
      id,
      title: id,
      role,
      deps,
      status: 'pending',
      attempts: [],
      artifacts: {},
    });
    const running = (id: string): Manifest['tasks'][number] => ({
      id,
      title: id,
      role: 'builder',
      deps: [],
      status: 'running',
      startedAt: at,
      attempts: [{ n: 1, status: 'running', startedAt: at }],
      artifacts: {},
    });
    const ts = [running('a'), running('b'), pending('c', []), pending('d', ['a', 'b']), pending('e', ['test-failed']), { ...pending('test-failed', [], 'tester'), status: 'failed' as const }];
    const live: Manifest = {
      ...manifest,
      status: 'running',
      message: undefined,
      finishedAt: undefined,
      durationMs: undefined,
      heartbeatAt: new Date(now).toISOString(),
      settings: { backend: 'codex-mcp', concurrency: { builder: 2, tester: 1 } },
      tasks: ts,
      counts: countTasks(ts),
    };
    delete live.message;
    const doc = pollDocument(live, '/repo/.runs/x', now);
    expect(doc.tasks.map((t) => t.waiting)).toEqual([
      null,
      null,
      { kind: 'pool-full', role: 'builder', running: 2, limit: 2 },
      { kind: 'waiting-for', tasks: ['a', 'b'] },
      { kind: 'blocked', by: ['test-failed'] },
      null,
    ]);
    const table = renderPollTable(doc, '/repo').split('\n');
    expect(table.slice(3, 10)).toEqual([
      'TASK         ROLE     STATUS   ATTEMPTS  WORKED  WAITED  DIFF  CHECKS  VERDICT  TOKENS  WAITING',
      'a            builder  running  1         10s     -       -     -       -        -',
      'b            builder  running  1         10s     -       -     -       -        -',
      'c            builder  pending  0         -       -       -     -       -        -       pool full: builder 2/2',
      'd            builder  pending  0         -       -       -     -       -        -       waiting for a, b',
      'e            builder  pending  0         -       -       -     -       -        -       blocked by test-failed',
      'test-failed  tester   failed   0         -       -       -     -       -        -',
    ]);
  });
});
