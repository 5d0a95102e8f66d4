import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../src/engine/run/events.js';
import { cli } from '../helpers/cli.js';
import { backendsHere } from '../helpers/codex-here.js';
import { repoWithGraph, runGraph, task, worktreesOf } from '../helpers/run.js';
import { tempDir } from '../helpers/temp.js';
import { figure } from './battery.js';

// R16: a task's commands write outside its worktree — the user's checkout, its `.git/`, the run
// folder, `/tmp` and the orchestrator's `$TMPDIR` — with the project under the OS temp folder
// (where Codex's default `workspace-write` sandbox let all of them through). Every write is
// denied by the sandbox, the denials show in `poll` and `review`, the task fails `sandbox-escape`
// naming the paths, its dependent is skipped, and nothing outside the worktree changed. A change
// to the checkout made during a task's turn by something outside the sandbox is detected too.
// Real Codex (every backend) against the offline model server.

const BACKENDS = backendsHere();
const strays: string[] = [];
afterEach(() => {
  for (const f of strays.splice(0)) rmSync(f, { force: true });
});

const tally = { attempted: 0, denied: 0, detected: 0, escaped: 0 };

/** A builder whose one shell block is `lines` (Codex 0.153.4 can drop a command's first milliseconds of output: the block starts with a pause). */
function shellGraph(lines: readonly string[]): string {
  const block = ['```sh', 'sleep 1', ...lines, 'echo inside > inside.txt', '```'].map((l) => `        ${l}`).join('\n');
  return `
  tasks:
    - id: esc
      role: builder
      prompt: |
${block}
    - id: after
      role: builder
      deps: [esc]
      prompt: nothing to do
  `;
}

describe('R16 sandbox escape', () => {
  for (const backend of BACKENDS) {
    it(`${backend}: writes outside the worktree are denied, shown, and fail the task`, { timeout: 120_000 }, async () => {
      const id = randomBytes(6).toString('hex');
      const slashTmp = path.join('/tmp', `r16-${id}`);
      const userTmp = tempDir('co-r16-tmpdir-');
      const userTmpFile = path.join(userTmp, `r16-${id}`);
      strays.push(slashTmp);
      const { repo, graph, runsDir } = repoWithGraph('');
      expect(repo.startsWith(tmpdir())).toBe(true);
      writeFileSync(
        graph,
        shellGraph([
          `echo escaped > ${path.join(repo, 'README.md')}`,
          `echo escaped > ${path.join(repo, '.git', 'hooks', 'pre-commit')}`,
          `echo escaped > ${path.join(runsDir, 'escape-run.txt')}`,
          `echo escaped > ${slashTmp}`,
          `echo escaped > ${userTmpFile}`,
        ]),
      );
      tally.attempted += 5;
      const readmeBefore = readFileSync(path.join(repo, 'README.md'), 'utf8');
      const { manifest } = await runGraph(graph, runsDir, { backend, env: { TMPDIR: userTmp } });
      const esc = task(manifest, 'esc');
      const rel = path.relative(repo, path.join(runsDir, 'escape-run.txt'));

      const denied = (esc.sandboxDenials ?? []).map((d) => d.path);
      tally.denied += denied.length;
      const changed = [
        readFileSync(path.join(repo, 'README.md'), 'utf8') !== readmeBefore,
        ...[path.join(repo, '.git', 'hooks', 'pre-commit'), path.join(runsDir, 'escape-run.txt'), slashTmp, userTmpFile].map(existsSync),
      ];
      tally.escaped += changed.filter(Boolean).length;

      expect(changed).toEqual([false, false, false, false, false]);
      expect(denied).toEqual([path.join(repo, 'README.md'), path.join(repo, '.git', 'hooks', 'pre-commit'), path.join(runsDir, 'escape-run.txt'), slashTmp, userTmpFile]);
      expect(esc.sandboxDenials?.every((d) => d.message === 'Read-only file system')).toBe(true);
      expect(esc.status).toBe('failed');
      expect(esc.reason).toBe('sandbox-escape');
      expect(esc.message).toBe(
        `the task tried to write outside its worktree and the sandbox denied it: .git/hooks/pre-commit, ${rel}, README.md. Change the task so it writes only inside its worktree.`,
      );
      expect(task(manifest, 'after').status).toBe('skipped');
      expect(manifest.status).toBe('failed');
      // The work inside the worktree is kept on the task's branch.
      expect(esc.diffStat?.files).toBe(1);

      const poll = JSON.parse((await cli(['poll', manifest.runId, '--json'], repo)).stdout) as { tasks: { id: string; sandboxDenials: { path?: string }[] }[] };
      expect(poll.tasks.find((t) => t.id === 'esc')?.sandboxDenials.map((d) => d.path)).toEqual(denied);
      const table = (await cli(['poll', manifest.runId], repo)).stdout;
      expect(table).toContain(`esc: the sandbox denied 5 writes: ${path.join(repo, 'README.md')} (Read-only file system), `);
      const review = (await cli(['review', manifest.runId], repo)).stdout;
      expect(review).toContain(`  sandbox:   denied 5 writes: ${path.join(repo, 'README.md')} (Read-only file system), `);
      const reviewed = JSON.parse((await cli(['review', manifest.runId, '--json'], repo)).stdout) as { tasks: { id: string; sandboxDenials: unknown[] }[] };
      expect(reviewed.tasks.find((t) => t.id === 'esc')?.sandboxDenials).toEqual(esc.sandboxDenials);
    });

    it(`${backend}: a change to the checkout during the task's turn fails the task, naming the path`, { timeout: 120_000 }, async () => {
      // The write comes from outside the sandbox (here the test; in life a daemon or a server the
      // task talks to): only the orchestrator's own watch can see it.
      const { repo, graph, runsDir } = repoWithGraph('');
      writeFileSync(graph, shellGraph(['for i in $(seq 1 1200); do [ -f go ] && break; sleep 0.05; done']));
      tally.attempted += 1;
      const events: EngineEvent[] = [];
      const running = runGraph(graph, runsDir, { backend, events });
      const deadline = Date.now() + 60_000;
      while (!events.some((e) => e.type === 'task-command' && e.taskId === 'esc')) {
        if (Date.now() > deadline) throw new Error('the task never started its command');
        await new Promise((r) => setTimeout(r, 20));
      }
      writeFileSync(path.join(repo, 'notes.txt'), 'written during the turn\n');
      const runId = readdirSync(runsDir).find((n) => n !== 'index.json' && !n.startsWith('.')) ?? '';
      writeFileSync(path.join(worktreesOf(path.join(runsDir, runId)), 'esc', 'go'), '');
      const { manifest } = await running;
      const esc = task(manifest, 'esc');
      if (esc.reason === 'sandbox-escape') tally.detected += 1;
      else tally.escaped += 1;

      expect(esc.status).toBe('failed');
      expect(esc.reason).toBe('sandbox-escape');
      expect(esc.message).toBe(
        "files outside the task's worktree changed during its turn: notes.txt. Check the changed files and restore what the task should not have changed (a change made while tasks ran is charged to every task running then); change the task so it writes only inside its worktree.",
      );
      expect(task(manifest, 'after').status).toBe('skipped');
      expect(manifest.status).toBe('failed');
    });
  }

  it('figure', (context) => {
    figure(
      context,
      `R16 sandbox escape: ${tally.attempted} writes outside the worktree attempted (${BACKENDS.length} backends, project under ${tmpdir()}), ${tally.denied} denied by the sandbox, ${tally.detected} detected by the orchestrator, ${tally.escaped} escaped`,
    );
    expect(tally.escaped).toBe(0);
  });
});
