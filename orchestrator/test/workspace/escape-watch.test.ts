import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectKeys, sealRun } from '../../src/review/seal.js';
import { noteOwnWrite, writeRunFileAtomic } from '../../src/store/run-files.js';
import { EscapeWatch } from '../../src/workspace/escape-watch.js';
import { tempDir, tempRepo } from '../helpers/temp.js';

// The escape watch names what changed outside a task's worktree during its turn, but never what
// the orchestrator itself wrote meanwhile: the store's files, a checkpoint seal, a checklist item
// a reviewer ticked in the checkout while the run was live.

function setUp(): { repo: string; runDir: string } {
  const repo = tempRepo({ 'README.md': '# test\n', '.gitignore': '.runs/\n', 'tasks/tasks-x.md': '- [ ] one\n' });
  const runDir = path.join(repo, '.runs', '2026-12-01T10-00-00Z-abcd');
  mkdirSync(runDir, { recursive: true });
  return { repo, runDir };
}

describe('escape watch', () => {
  it("names a change to the checkout and an unknown file in the run folder, but not the orchestrator's own writes", async () => {
    const { repo, runDir } = setUp();
    const watch = await EscapeWatch.open(repo, runDir);
    const before = await watch.snapshot();
    // The orchestrator's own: a store file, a seal (as a live approval's checkpoint writes it), a ticked checklist.
    await writeRunFileAtomic(runDir, path.join(runDir, 'manifest.json'), '{}\n');
    const sealed = await sealRun(runDir, projectKeys(path.dirname(runDir), { CODEX_ORCHESTRATOR_KEYS_DIR: tempDir() }));
    expect(sealed.ok).toBe(true);
    const checklist = path.join(repo, 'tasks/tasks-x.md');
    noteOwnWrite(checklist);
    writeFileSync(checklist, '- [x] one\n');
    expect(watch.changes(before, await watch.snapshot())).toEqual([]);
    // A task's.
    writeFileSync(path.join(repo, 'README.md'), 'changed\n');
    writeFileSync(path.join(runDir, 'planted.txt'), 'x\n');
    expect(watch.changes(before, await watch.snapshot())).toEqual(['.runs/2026-12-01T10-00-00Z-abcd/planted.txt', 'README.md']);
  });

  it('snapshots asked for while one is being taken share the next one, which begins after them: it sees what changed before they were asked', async () => {
    const { repo, runDir } = setUp();
    const watch = await EscapeWatch.open(repo, runDir);
    const before = await watch.snapshot();
    const first = watch.snapshot();
    writeFileSync(path.join(repo, 'README.md'), 'changed\n');
    const [second, third] = [watch.snapshot(), watch.snapshot()];
    expect(await second).toBe(await third);
    expect(await second).not.toBe(await first);
    expect(watch.changes(before, await second)).toEqual(['README.md']);
    writeFileSync(path.join(repo, 'new.txt'), 'x\n');
    expect(watch.changes(before, await watch.snapshot())).toEqual(['README.md', 'new.txt']);
  });
});
