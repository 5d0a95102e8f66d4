import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalyzedGraph } from '../../src/graph/analyzed.js';
import { analyzeGraphSource, loadGraph } from '../../src/graph/load.js';
import { renderGraphLoadFailure } from '../../src/graph/render.js';
import { DEFAULT_TASK_TIMEOUT_MS } from '../../src/graph/schema.js';

const GRAPH = `# A small graph: two builders, a tester after both, a gate last.
name: demo
settings:
  repo: ../app
  timeout: 20m
  retries: 1
tasks:
  - id: docs
    role: builder
    prompt: Write the docs
    cwd: ./docs/
  - id: api
    title: Build the API
    role: builder
    prompt: Build the API
    timeout: 90
    retries: 3
  - id: test
    role: tester
    prompt: Test everything
    deps: [api, docs, api]
    verify: [npm test]
  - id: ship
    role: gate
    deps: [test]
`;

/** The analyzed graph for a text that must be valid. */
function analyze(file: string, source: string): AnalyzedGraph {
  const result = analyzeGraphSource(file, source);
  if (!result.ok) throw new Error(renderGraphLoadFailure(result.error));
  return result.value;
}

describe('loadGraph', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'graph-load-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('applies defaults, orders tasks and hashes the file bytes', async () => {
    const file = join(dir, 'tasks', 'demo.yaml');
    await mkdir(join(dir, 'tasks'));
    await writeFile(file, GRAPH);
    const result = await loadGraph(file);
    if (!result.ok) throw new Error(renderGraphLoadFailure(result.error));
    const graph = result.value;

    expect(graph.file).toBe(file);
    expect(graph.source).toBe(GRAPH);
    expect(graph.sha256).toBe(createHash('sha256').update(Buffer.from(GRAPH)).digest('hex'));
    expect(graph.name).toBe('demo');
    expect(graph.settings).toEqual({
      repo: join(dir, 'app'),
      baseRef: 'HEAD',
      backend: 'codex-app-server',
      concurrency: { builder: 4, tester: 2 },
      retryBackoffMs: 2000,
      runTimeoutMs: undefined,
      secrets: { patterns: [], env: [] },
      agents: true,
      maxTokens: undefined,
      mcpServers: [],
      setupTimeoutMs: 15 * 60_000,
      setupCache: 'copy',
      worktreeRoot: undefined,
      keptWorktrees: 6,
    });
    expect(graph.order).toEqual(['docs', 'api', 'test', 'ship']);
    const [docs, api, test, ship] = graph.tasks;
    expect(docs).toEqual({
      id: 'docs',
      title: 'docs',
      role: 'builder',
      prompt: 'Write the docs',
      deps: [],
      verify: [],
      setup: [],
      cwd: 'docs',
      instructions: undefined,
      checklist: undefined,
      timeoutMs: 20 * 60_000,
      retries: 1,
      judge: false,
      maxFixAttempts: 2,
      fix: undefined,
      expectChanges: true,
      when: 'success',
      index: 0,
    });
    expect(api).toMatchObject({ title: 'Build the API', timeoutMs: 90_000, retries: 3, index: 1 });
    expect(test).toMatchObject({ deps: ['api', 'docs'], verify: ['npm test'], judge: true, maxFixAttempts: 2, index: 2 });
    expect(ship).toMatchObject({ prompt: undefined, deps: ['test'], judge: false, maxFixAttempts: 0, index: 3 });
  });

  it('reports a missing file with a hint', async () => {
    const result = await loadGraph(join(dir, 'tasks', 'nope.yaml'));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toEqual({ reason: 'not-found', file: join(dir, 'tasks', 'nope.yaml') });
    expect(renderGraphLoadFailure(result.error, { cwd: dir })).toBe('error: graph file not found: tasks/nope.yaml\n' + '  hint: check the path; graph files are YAML (.yaml, .yml) or JSON (.json)');
  });

  it('shows a file outside the working directory by its absolute path', async () => {
    const result = await loadGraph(join(dir, 'elsewhere.yml'));
    if (result.ok) throw new Error('expected a failure');
    expect(renderGraphLoadFailure(result.error, { cwd: join(dir, 'tasks') })).toBe(
      `error: graph file not found: ${join(dir, 'elsewhere.yml')}\n` + '  hint: check the path; graph files are YAML (.yaml, .yml) or JSON (.json)',
    );
  });

  it('reports a directory as unreadable and a .txt file as unsupported', async () => {
    await mkdir(join(dir, 'folder.yaml'));
    const folder = await loadGraph(join(dir, 'folder.yaml'));
    expect(folder.ok ? undefined : folder.error.reason).toBe('unreadable');

    await writeFile(join(dir, 'graph.txt'), GRAPH);
    const text = await loadGraph(join(dir, 'graph.txt'));
    if (text.ok) throw new Error('expected a failure');
    expect(renderGraphLoadFailure(text.error, { cwd: dir })).toBe(
      'error: unsupported graph file type: graph.txt\n' + '  hint: graph files are YAML (.yaml, .yml) or JSON (.json); rename the file or convert it',
    );
  });

  it('resolves instructionsFile from the graph file and reports one that does not exist', async () => {
    await mkdir(join(dir, 'roles'), { recursive: true });
    await writeFile(join(dir, 'roles', 'careful.md'), '# Careful\n');
    const file = join(dir, 'tasks', 'instructed.yaml');
    const source = ['tasks:', '  - {id: a, role: builder, prompt: A, instructionsFile: ../roles/careful.md}', '  - {id: b, role: tester, prompt: B, instructions: Only read.}', ''].join('\n');
    await writeFile(file, source);
    const loaded = await loadGraph(file);
    if (!loaded.ok) throw new Error(renderGraphLoadFailure(loaded.error));
    expect(loaded.value.tasks.map((t) => t.instructions)).toEqual([
      { kind: 'file', path: join(dir, 'roles', 'careful.md') },
      { kind: 'text', text: 'Only read.' },
    ]);

    await writeFile(file, source.replace('careful.md', 'missing.md'));
    const missing = await loadGraph(file);
    if (missing.ok) throw new Error('expected a failure');
    expect(
      renderGraphLoadFailure(missing.error, { cwd: dir }),
    ).toBe(`tasks/instructed.yaml:2:57: error: instructions file "../roles/missing.md" of task "a" does not exist (looked for ${join(dir, 'roles', 'missing.md')})
    2 |   - {id: a, role: builder, prompt: A, instructionsFile: ../roles/missing.md}
      |                                                         ^^^^^^^^^^^^^^^^^^^
  hint: the path is relative to the graph file; create the file or fix the path

1 problem in tasks/instructed.yaml`);
    // Text alone is analyzed without looking at the disk.
    expect(analyzeGraphSource(file, source.replace('careful.md', 'missing.md')).ok).toBe(true);
  });

  it('rejects a file that is not UTF-8 at its first byte that is not', async () => {
    // "tasks:\n  - id: café" in Latin-1: é is the single byte 0xE9.
    await writeFile(join(dir, 'latin1.yaml'), Buffer.concat([Buffer.from('tasks:\n  - id: caf'), Buffer.from([0xe9, 0x0a])]));
    const result = await loadGraph(join(dir, 'latin1.yaml'));
    if (result.ok) throw new Error('expected a failure');
    expect(renderGraphLoadFailure(result.error, { cwd: dir })).toBe(
      'latin1.yaml:2:12: error: the file is not UTF-8 text: byte 0xE9 cannot be read here\n' +
        '    2 |   - id: caf\uFFFD\n' +
        '      |            ^\n' +
        '  hint: save the file as UTF-8 (graph files are text)\n' +
        '\n' +
        '1 problem in latin1.yaml',
    );
  });
});

describe('analyzeGraphSource', () => {
  it('orders dependencies first and breaks ties by file order', () => {
    const graph = analyze(
      '/virtual/order.yaml',
      `tasks:
  - {id: e, role: gate, deps: [d, b]}
  - {id: d, role: gate, deps: [a]}
  - {id: c, role: gate}
  - {id: b, role: gate}
  - {id: a, role: gate}
`,
    );
    expect(graph.order).toEqual(['c', 'b', 'a', 'd', 'e']);
    expect(graph.name).toBe('order');
    expect(graph.settings.repo).toBeUndefined();
  });

  it('reads JSON graphs and takes every setting from the file', () => {
    const source = JSON.stringify({
      settings: {
        repo: '.',
        baseRef: 'main',
        backend: 'codex-exec',
        concurrency: { tester: 1 },
        retryBackoff: '250ms',
        runTimeout: '2h',
        secrets: ['tok_[0-9a-f]{32}'],
        secretEnv: ['DATABASE_URL'],
        agents: false,
        maxFixAttempts: 1,
        maxTokens: 50_000,
        setup: ['npm ci'],
        setupTimeout: '5m',
        setupCache: 'link',
        worktreeRoot: '../wt',
        keptWorktrees: 3,
      },
      tasks: [
        { id: 'only', role: 'tester', prompt: 'Check', timeout: '500ms', checklist: 'docs/tasks.md#check' },
        { id: 'build', role: 'builder', prompt: 'Build', judge: true, fix: 'Fix it.' },
        { id: 'careful', role: 'builder', prompt: 'Build', maxFixAttempts: 0, setup: [] },
      ],
    });
    const graph = analyze('/virtual/graphs/one.json', source);
    expect(graph.settings).toEqual({
      repo: '/virtual/graphs',
      baseRef: 'main',
      backend: 'codex-exec',
      concurrency: { builder: 4, tester: 1 },
      retryBackoffMs: 250,
      runTimeoutMs: 7_200_000,
      secrets: { patterns: ['tok_[0-9a-f]{32}'], env: ['DATABASE_URL'] },
      agents: false,
      maxTokens: 50_000,
      mcpServers: [],
      setupTimeoutMs: 300_000,
      setupCache: 'link',
      worktreeRoot: '/virtual/wt',
      keptWorktrees: 3,
    });
    expect(graph.tasks[0]).toMatchObject({ timeoutMs: 500, retries: 0, checklist: 'docs/tasks.md#check', judge: true, maxFixAttempts: 1, fix: undefined });
    expect(graph.tasks[1]).toMatchObject({ judge: true, maxFixAttempts: 1, fix: 'Fix it.' });
    expect(graph.tasks[2]).toMatchObject({ judge: false, maxFixAttempts: 0, setup: [] });
    expect(graph.tasks[1]).toMatchObject({ setup: ['npm ci'] });
  });

  it('uses the default timeout when neither the task nor the settings give one', () => {
    const graph = analyze('/virtual/g.yml', 'tasks:\n  - {id: a, role: gate}\n');
    expect(graph.tasks[0]?.timeoutMs).toBe(DEFAULT_TASK_TIMEOUT_MS);
  });
});
