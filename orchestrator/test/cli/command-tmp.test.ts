import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { backendsHere } from '../helpers/codex-here.js';
import type { Manifest } from '../../src/store/manifest.js';
import { repoWithGraph, task } from '../helpers/run.js';
import { fence, git } from '../helpers/temp.js';

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// The tasks' commands get a temporary folder (`TMPDIR`) of their worktree's, inside the run's
// (beside the run's CODEX_HOME): what they leave there goes when the attempt ends; the
// CODEX_HOME, which resume needs, stays.

describe("the run's temporary folder for commands", () => {
  it('is there while the tasks work and gone once the run ends', { timeout: 120_000 }, async () => {
    const { repo } = repoWithGraph(`
tasks:
  - id: one
    role: builder
    prompt: |
      ${fence('sh', 'echo scratch > "$TMPDIR/scratch.txt" && test -s "$TMPDIR/scratch.txt" && echo ok > ok.txt').split('\n').join('\n      ')}
`);
    const run = await cli(['run', 'graph.yaml', '--json'], repo);
    expect(run.code, run.stderr).toBe(0);
    const { runId } = JSON.parse(run.stdout) as { runId: string };
    const homes = path.join(repo, '.codex-orchestrator', 'codex-home');
    expect(readdirSync(homes).filter((n) => !n.startsWith('.'))).toEqual([runId]);
    expect(existsSync(path.join(homes, runId, 'config.toml'))).toBe(true);
  });

  it.each(backendsHere())("is each worktree's own: the run's folder around them is out of a task's reach (%s)", { timeout: 120_000 }, async (backend) => {
    const indent = (block: string) => block.split('\n').join('\n      ');
    const own = indent(fence('sh', 'echo "$TMPDIR" > tmp.txt\necho scratch > "$TMPDIR/scratch.txt" && test -s "$TMPDIR/scratch.txt"'));
    const { repo } = repoWithGraph(`
tasks:
  - id: one
    role: builder
    prompt: |
      ${own}
  - id: two
    role: builder
    prompt: |
      ${own}
  - id: three
    role: builder
    prompt: |
      ${indent(fence('sh', 'echo "$TMPDIR" > tmp.txt; echo "tmp=$TMPDIR."; echo x > "$TMPDIR/../three-was-here.txt" && echo landed > landed.txt; echo tried > tried.txt'))}
`);
    const run = await cli(['run', 'graph.yaml', '--json', '--backend', backend], repo);
    const { runId } = JSON.parse(run.stdout) as { runId: string };
    const manifest = JSON.parse(readFileSync(path.join(repo, '.runs', runId, 'manifest.json'), 'utf8')) as Manifest;
    const runTmp = path.join(repo, '.codex-orchestrator', 'codex-home', `${runId}-tmp`);
    const tmps = ['one', 'two'].map((id) => {
      expect(task(manifest, id).status, id).toBe('succeeded');
      return git(repo, 'show', `${task(manifest, id).branch}:tmp.txt`);
    });
    for (const tmp of tmps) expect(path.dirname(tmp)).toBe(runTmp);
    expect(new Set(tmps).size).toBe(2);
    const three = task(manifest, 'three');
    // Its transcript says what its commands printed: the refusal is read from there.
    const log = readFileSync(path.join(repo, '.runs', runId, 'tasks', 'three', 'log.txt'), 'utf8');
    if (log.includes('tmp=/')) {
      expect(log, 'three had a temporary folder of its own').toMatch(new RegExp(`tmp=${escapeRegExp(runTmp)}/[^/\\s]+\\.`));
      expect(three.status, three.status === 'failed' ? '' : log).toBe('failed');
      expect(three.reason).toBe('sandbox-escape');
      expect(three.sandboxDenials?.map((d) => d.path)).toEqual([path.join(runTmp, 'three-was-here.txt')]);
    } else {
      // Codex (0.153.4, now and then, on every backend) reported the command's end without its
      // output, streamed or not: the refusal went unheard, so the task stands; the write still
      // did not land.
      expect(three.status, log).toBe('succeeded');
      expect(path.dirname(git(repo, 'show', `${three.branch}:tmp.txt`))).toBe(runTmp);
      expect(git(repo, 'ls-tree', '--name-only', three.branch ?? '').split('\n')).not.toContain('landed.txt');
    }
    expect(existsSync(runTmp)).toBe(false);
  });
});
