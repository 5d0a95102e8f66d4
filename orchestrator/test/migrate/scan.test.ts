import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { countLines, gitFacts, scanTree } from '../../src/migrate/assess/scan.js';
import { git, tempDir, writeFiles } from '../helpers/temp.js';
import { NO_GIT } from './trees.js';

// The scanner on real folders: what it enters, reads, keeps and records.

const noGit = { git: async () => NO_GIT };

describe('scanTree', () => {
  it('keeps manifests, counts source lines, never opens what no rule reads', async () => {
    const dir = tempDir('co-scan-');
    writeFiles(dir, { 'package.json': '{"name":"x"}\n', 'src/a.js': 'a\nb\nc', 'src/b.ts': '', 'logo.png': 'not really a png', 'docs/guide.md': '# guide\n' });
    const tree = await scanTree(dir, noGit);
    expect(tree.files.map((f) => [f.path, f.read, f.lines, f.text])).toEqual([
      ['docs/guide.md', 'not-read', null, null],
      ['logo.png', 'not-read', null, null],
      ['package.json', 'kept', 1, '{"name":"x"}\n'],
      ['src/a.js', 'counted', 3, null],
      ['src/b.ts', 'counted', 0, null],
    ]);
    expect(tree.directories).toEqual(['docs', 'src']);
  });

  it('records symbolic links without following them, and never enters the skipped folders', async () => {
    const outside = tempDir('co-scan-outside-');
    writeFiles(outside, { 'package.json': '{"dependencies":{"fastify":"4"}}', 'inner/x.js': 'x\n' });
    const dir = tempDir('co-scan-');
    writeFiles(dir, { 'index.js': 'x\n', 'node_modules/express/package.json': '{}', '.git/config': '', 'app/build/out.js': 'x\n', 'app/main.py': 'x\n' });
    symlinkSync(path.join(outside, 'package.json'), path.join(dir, 'package.json'));
    symlinkSync(path.join(outside, 'inner'), path.join(dir, 'linked'));
    symlinkSync(path.join(dir, 'gone'), path.join(dir, 'dangling.js'));
    const tree = await scanTree(dir, noGit);
    expect(tree.files.map((f) => f.path)).toEqual(['app/main.py', 'index.js']);
    expect(tree.symlinks).toEqual(['dangling.js', 'linked', 'package.json']);
    expect(tree.skipped).toEqual(['.git', 'app/build', 'node_modules']);
  });

  it('counts a file over the bound by its size and never reads it; a binary file has no lines', async () => {
    const dir = tempDir('co-scan-');
    writeFiles(dir, { 'config/big.yaml': `owners:\n${'  x: y\n'.repeat(200)}`, 'small.yaml': 'a: 1\n' });
    writeFileSync(path.join(dir, 'blob.js'), Buffer.from([0x61, 0x00, 0x0a, 0x62]));
    const tree = await scanTree(dir, { ...noGit, readBound: 1024 });
    expect(tree.files.map((f) => [f.path, f.read, f.size, f.lines, f.text, f.hits.length])).toEqual([
      ['blob.js', 'binary', 4, null, null, 0],
      ['config/big.yaml', 'too-large', 1408, null, null, 0],
      ['small.yaml', 'kept', 5, 1, 'a: 1\n', 0],
    ]);
    expect(tree.readBound).toBe(1024);
  });

  it('runs the probes on what it reads and keeps their lines', async () => {
    const dir = tempDir('co-scan-');
    writeFiles(dir, { 'src/q.py': 'import heapq\n\n# the event log\n' });
    const [file] = (await scanTree(dir, noGit)).files;
    expect(file?.hits).toEqual([
      { probe: 'event-log', line: 3 },
      { probe: 'priority-queue', line: 1 },
    ]);
  });
});

describe('countLines', () => {
  it('counts as an editor shows: a last line without a newline counts', () => {
    expect(['', 'a', 'a\n', 'a\nb', 'a\nb\n', '\n\n'].map((t) => countLines(Buffer.from(t)))).toEqual([0, 1, 1, 2, 2, 2]);
  });
});

describe('gitFacts', () => {
  const env = { ...process.env };
  afterEach(() => {
    process.env['PATH'] = env['PATH'];
  });

  it('counts commits and authors of the whole repository, or of the folder only in a subfolder', async () => {
    const dir = tempDir('co-scan-git-');
    git(dir, 'init', '-q', '-b', 'main');
    writeFiles(dir, { 'a.txt': 'a\n', 'sub/b.txt': 'b\n' });
    git(dir, 'add', 'a.txt');
    git(dir, 'commit', '-q', '-m', 'one', '--date=2024-01-02T10:00:00Z', '--author=Ada <ada@example.com>');
    git(dir, 'add', 'sub');
    // Addresses are told apart without their case: one person, whatever they typed.
    git(dir, 'commit', '-q', '-m', 'two', '--date=2025-06-07T08:00:00Z', '--author=Grace <GRACE@example.com>');
    git(dir, 'commit', '-q', '--allow-empty', '-m', 'three', '--date=2025-06-08T08:00:00Z', '--author=Grace <grace@example.com>');
    expect(await gitFacts(dir)).toEqual({ kind: 'repository', subfolder: false, commits: 3, contributors: 2, firstCommit: '2024-01-02T10:00:00+00:00', lastCommit: '2025-06-08T08:00:00+00:00' });
    expect(await gitFacts(path.join(dir, 'sub'))).toEqual({
      kind: 'repository',
      subfolder: true,
      commits: 1,
      contributors: 1,
      firstCommit: '2025-06-07T08:00:00+00:00',
      lastCommit: '2025-06-07T08:00:00+00:00',
    });
  });

  it('says when the folder is not in a repository, or git cannot be run', async () => {
    const dir = tempDir('co-scan-');
    mkdirSync(path.join(dir, 'x'));
    expect(await gitFacts(dir)).toEqual({ kind: 'not-a-repository' });
    process.env['PATH'] = dir;
    expect(await gitFacts(dir)).toEqual({ kind: 'git-unavailable', reason: 'git is not installed (not found on PATH)' });
  });
});
