import { existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { atomicWrite, type AtomicWrite } from '../../src/store/atomic.js';
import { RunLayout } from '../../src/store/layout.js';
import { Manifest } from '../../src/store/manifest.js';
import { insideRunDir, makeRunDir, openRunFile, writeRunFileAtomic } from '../../src/store/run-files.js';
import { readRunIndex } from '../../src/store/run-index.js';
import { RunWriter } from '../../src/store/run-writer.js';
import { renderStoreFailure, storeFailureOf, StoreError, type StoreFailure } from '../../src/store/store-failure.js';
import { sweepRunTemps } from '../../src/store/temp-sweep.js';
import { FIXTURE_RUN_ID, manifestFixture } from '../helpers/manifests.js';
import { tempDir } from '../helpers/temp.js';

const RUN_ID = FIXTURE_RUN_ID;

function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: simulated`), { code });
}

/** The real atomic write, until `failWith` is set: then it leaves half a temp file behind (as a killed or failed write can) and throws. */
function faultyDisk(): { write: AtomicWrite; failWith: string | undefined; writes: number } {
  const disk = {
    failWith: undefined as string | undefined,
    writes: 0,
    write: async (file: string, data: string): Promise<void> => {
      disk.writes++;
      if (disk.failWith) {
        writeFileSync(`${file}.3012214441`, data.slice(0, data.length / 2));
        throw errno(disk.failWith);
      }
      await atomicWrite(file, data);
    },
  };
  return disk;
}

async function create(write?: AtomicWrite): Promise<{ writer: RunWriter; runsDir: string; runDir: string }> {
  const runsDir = tempDir('co-runs-');
  const runDir = path.join(runsDir, RUN_ID);
  const created = await RunWriter.create(runsDir, runDir, manifestFixture(), 'tasks: []\n', write ? { atomicWrite: write } : {});
  if (!created.ok) throw new Error(`could not create: ${JSON.stringify(created.error)}`);
  return { writer: created.value, runsDir, runDir };
}

describe('a full disk while the run writes', () => {
  it('keeps the last good manifest, stops writing it, and says so once', async () => {
    const disk = faultyDisk();
    const { writer, runsDir, runDir } = await create(disk.write);
    const failures: StoreFailure[] = [];
    writer.onStoreFailure((f) => failures.push(f));
    writer.beat('2026-11-21T10:04:07.000Z');
    await writer.flush();
    const good = readFileSync(RunLayout.manifest(runDir), 'utf8');

    disk.failWith = 'ENOSPC';
    writer.apply({ kind: 'attempt-started', task: 'task-0', n: 1 });
    await writer.flush(); // resolves: a full disk is not a bug
    expect(failures).toEqual([{ reason: 'disk-full', file: RunLayout.manifest(runDir) }]);
    expect(writer.failure).toEqual(failures[0]);
    expect(readFileSync(RunLayout.manifest(runDir), 'utf8')).toBe(good);
    expect(Manifest.parse(JSON.parse(good)).heartbeatAt).toBe('2026-11-21T10:04:07.000Z');

    // Space comes back: the writer still leaves the manifest alone (resume starts from it).
    disk.failWith = undefined;
    const writes = disk.writes;
    writer.apply({ kind: 'run-finished', status: 'succeeded' });
    await writer.flush();
    expect(disk.writes).toBe(writes);
    expect(readFileSync(RunLayout.manifest(runDir), 'utf8')).toBe(good);
    expect((await readRunIndex(runsDir)).runs[0]?.status).toBe('running');
    expect(failures).toHaveLength(1);

    // The half-written temp file is what the next writer's sweep removes.
    expect(readdirSync(runDir)).toContain('manifest.json.3012214441');
    expect((await sweepRunTemps(runDir)).map((f) => path.basename(f))).toEqual(['manifest.json.3012214441']);
    writer.close();
  });

  it('tells a disk quota and an I/O error apart from a full disk, and other errors from all three', () => {
    expect(storeFailureOf(errno('EDQUOT'), '/r/x')).toEqual({ reason: 'disk-quota', file: '/r/x' });
    expect(storeFailureOf(errno('EIO'), '/r/x')).toEqual({ reason: 'disk-io', file: '/r/x' });
    expect(storeFailureOf(errno('ELOOP'), '/r/x')).toEqual({ reason: 'symlink', file: '/r/x', link: '/r/x' });
    expect(storeFailureOf(errno('EACCES'), '/r/x')).toBeUndefined();
    expect(storeFailureOf(new Error('a bug'), '/r/x')).toBeUndefined();
  });

  it('reports a failure while the run folder is made as a run that did not start', async () => {
    const disk = faultyDisk();
    disk.failWith = 'ENOSPC';
    const runsDir = tempDir('co-runs-');
    const runDir = path.join(runsDir, RUN_ID);
    const created = await RunWriter.create(runsDir, runDir, manifestFixture(), 'tasks: []\n', { atomicWrite: disk.write });
    expect(created).toEqual({ ok: false, error: { reason: 'disk-full', file: RunLayout.graphCopy(runDir) } });
  });

  it('says what happened, that the last good manifest is kept, and what to do', () => {
    const file = `.runs/${RUN_ID}/manifest.json`;
    expect(renderStoreFailure({ reason: 'disk-full', file }, RUN_ID, true)).toBe(
      `error: the disk is full while writing .runs/${RUN_ID}/manifest.json; the last good manifest is kept; free space and run: codex-orchestrator resume ${RUN_ID}`,
    );
    expect(renderStoreFailure({ reason: 'disk-quota', file }, RUN_ID, true)).toBe(
      `error: the disk quota is used up while writing .runs/${RUN_ID}/manifest.json; the last good manifest is kept; free space and run: codex-orchestrator resume ${RUN_ID}`,
    );
    expect(renderStoreFailure({ reason: 'disk-io', file }, RUN_ID, true)).toBe(
      `error: the disk reported an I/O error while writing .runs/${RUN_ID}/manifest.json; the last good manifest is kept; check the disk and run: codex-orchestrator resume ${RUN_ID}`,
    );
    expect(renderStoreFailure({ reason: 'symlink', file: `.runs/${RUN_ID}/tasks/a/log.txt`, link: `.runs/${RUN_ID}/tasks/a` }, RUN_ID, true)).toBe(
      `error: refusing to write .runs/${RUN_ID}/tasks/a/log.txt: .runs/${RUN_ID}/tasks/a is a symbolic link (links in a run folder are never followed); the last good manifest is kept; remove .runs/${RUN_ID}/tasks/a and run: codex-orchestrator resume ${RUN_ID}`,
    );
    expect(renderStoreFailure({ reason: 'disk-full', file: `.runs/${RUN_ID}/graph.yaml` }, RUN_ID, false)).toBe(
      `error: the disk is full while writing .runs/${RUN_ID}/graph.yaml; the run did not start; free space and run it again`,
    );
  });
});

describe('symbolic links in a run folder', () => {
  /** A run folder, and a file outside it that a planted link points at. */
  function plantable(): { runDir: string; target: string } {
    const runDir = path.join(tempDir('co-runs-'), RUN_ID);
    mkdirSync(path.join(runDir, 'tasks', 'a'), { recursive: true });
    const target = path.join(tempDir('co-outside-'), 'passwd');
    writeFileSync(target, 'root:x:0:0\n');
    return { runDir, target };
  }

  it('are never written through: a link at the file is refused', async () => {
    const { runDir, target } = plantable();
    const log = path.join(runDir, 'tasks', 'a', 'log.txt');
    symlinkSync(target, log);
    await expect(openRunFile(runDir, log, 'append')).rejects.toEqual(new StoreError({ reason: 'symlink', file: log, link: log }));
    const manifestFile = path.join(runDir, 'manifest.json');
    symlinkSync(target, manifestFile);
    await expect(writeRunFileAtomic(runDir, manifestFile, '{}')).rejects.toEqual(new StoreError({ reason: 'symlink', file: manifestFile, link: manifestFile }));
    expect(readFileSync(target, 'utf8')).toBe('root:x:0:0\n');
  });

  it('are never passed through: a task folder that is a link to another folder is refused', async () => {
    const { runDir, target } = plantable();
    const elsewhere = path.dirname(target);
    symlinkSync(elsewhere, path.join(runDir, 'tasks', 'b'));
    const file = path.join(runDir, 'tasks', 'b', 'checks.json');
    const refused = new StoreError({ reason: 'symlink', file, link: path.join(runDir, 'tasks', 'b') });
    await expect(writeRunFileAtomic(runDir, file, '{}')).rejects.toEqual(refused);
    await expect(openRunFile(runDir, file, 'truncate')).rejects.toThrow('is a symbolic link');
    await expect(makeRunDir(runDir, path.join(runDir, 'tasks', 'b', 'checks'))).rejects.toThrow('is a symbolic link');
    expect(readdirSync(elsewhere)).toEqual(['passwd']);
  });

  it('stop a new run before it writes anything through them', async () => {
    const runsDir = tempDir('co-runs-');
    const runDir = path.join(runsDir, RUN_ID);
    const elsewhere = tempDir('co-outside-');
    symlinkSync(elsewhere, runDir);
    const created = await RunWriter.create(runsDir, runDir, manifestFixture(), 'tasks: []\n');
    expect(created).toEqual({ ok: false, error: { reason: 'symlink', file: runDir, link: runDir } });
    expect(readdirSync(elsewhere)).toEqual([]);
  });

  it('only ever name places inside the run folder', () => {
    expect(insideRunDir('/r/run', '/r/run/tasks/a/log.txt')).toBe(true);
    expect(insideRunDir('/r/run', '/r/run/..hidden')).toBe(true);
    expect(insideRunDir('/r/run', '/r/run/../other/log.txt')).toBe(false);
    expect(insideRunDir('/r/run', '/etc/passwd')).toBe(false);
    expect(existsSync('/r/run')).toBe(false);
  });
});
