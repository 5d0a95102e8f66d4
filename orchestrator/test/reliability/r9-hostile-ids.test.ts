import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { Output } from '../../src/cli/output.js';
import { isRunId, taskIdProblem, toTaskId, type RunId, type TaskId } from '../../src/core/ids.js';
import { RunLayout } from '../../src/store/layout.js';
import { Worktrees } from '../../src/workspace/worktrees.js';
import { cli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';
import { count, figure, random, scaled, seedFor } from './battery.js';
import { fuzzRunId, fuzzTaskId, HOSTILE_IDS } from './fuzz-ids.js';

// R9: no id, however hostile, names a path outside the run folder. Hostile ids and many fuzzed
// ones go through the one place ids are checked (`core/ids.ts`); every id it accepts goes through
// the layout (`RunLayout`, task worktrees) and must name exactly one entry of its folder, distinct
// for distinct ids. Where users type ids (`poll <run-id>`, `run --run-id`), every rejected id is
// answered with exit 2 and a clear, one-problem message.

const FUZZED = scaled({ ci: 1000, full: 10_000 });
/** Ids that also go through the built binary (the rest through the CLI's `main` in-process). */
const THROUGH_BINARY = scaled({ ci: 4, full: Infinity });

/** One seed for the case; task ids draw from it, run ids from the next one. */
const SEED = seedFor('R9');

const RUNS_DIR = path.resolve('/virtual/.runs');
const RUN_ID = '2026-11-21T10-04-05Z-7f3a' as RunId;
const RUN_DIR = RunLayout.runDir(RUNS_DIR, RUN_ID);

/** `child` is one entry directly inside `parent`, spelt without NUL (which no file name holds). */
function isEntryOf(parent: string, child: string): boolean {
  const rel = path.relative(path.resolve(parent), path.resolve(child));
  return rel !== '' && rel !== '.' && !rel.startsWith('..') && !path.isAbsolute(rel) && !rel.includes(path.sep) && !rel.includes('\0');
}

/** Ids for a run of this case: the hostile ones, then `FUZZED` from a seeded generator. */
function ids(seed: number, fuzz: (rng: ReturnType<typeof random>) => string): string[] {
  const rng = random(seed);
  return [...HOSTILE_IDS, ...Array.from({ length: FUZZED }, () => fuzz(rng))];
}

function captured(): Output & { readonly text: () => string } {
  let text = '';
  return { data: (t) => (text += t), info: (t) => (text += `${t}\n`), isTTY: false, text: () => text };
}

describe('R9 hostile ids', () => {
  it('every accepted task or run id names one entry inside its folder', { timeout: 120_000 }, (context) => {
    const worktrees = new Worktrees('/virtual/repo', RUN_ID, 'b'.repeat(40), RunLayout.worktrees(RUN_DIR));
    const tasksDir = path.join(RUN_DIR, 'tasks');
    const escapes: string[] = [];
    const inconsistent: string[] = [];
    const owners = new Map<string, string>();
    const collisions: string[] = [];

    const taskIds = ids(SEED, fuzzTaskId);
    const acceptedTasks = new Set<string>();
    for (const raw of taskIds) {
      const problem = taskIdProblem(raw);
      let made = true;
      try {
        toTaskId(raw);
      } catch {
        made = false;
      }
      if (made !== (problem === undefined)) inconsistent.push(JSON.stringify(raw));
      if (problem !== undefined || acceptedTasks.has(raw)) continue;
      acceptedTasks.add(raw);
      const id = raw as TaskId;
      const places: [string, string][] = [[tasksDir, RunLayout.taskDir(RUN_DIR, id)]];
      for (const attempt of [1, 2, 3]) places.push([worktrees.dir, worktrees.pathOf(id, attempt)]);
      places.forEach(([parent, place], i) => {
        if (!isEntryOf(parent, place)) escapes.push(`task ${JSON.stringify(raw)}: ${place}`);
        const owner = `${raw} (${i === 0 ? 'task folder' : `worktree of attempt ${i}`})`;
        const other = owners.get(place);
        if (other !== undefined) collisions.push(`${owner} and ${other}: ${place}`);
        else owners.set(place, owner);
      });
    }

    const runIds = ids(SEED + 1, fuzzRunId);
    const acceptedRuns = new Set<string>();
    for (const raw of runIds) {
      if (!isRunId(raw)) continue;
      acceptedRuns.add(raw);
      const dir = RunLayout.runDir(RUNS_DIR, raw);
      if (!isEntryOf(RUNS_DIR, dir)) escapes.push(`run ${JSON.stringify(raw)}: ${dir}`);
    }

    figure(
      context,
      `R9 hostile ids: ${HOSTILE_IDS.length} hostile + ${count(FUZZED)} fuzzed task ids (seed ${SEED}), ${count(acceptedTasks.size)} distinct accepted, ` +
        `${HOSTILE_IDS.length} + ${count(FUZZED)} run ids, ${count(acceptedRuns.size)} accepted; ${escapes.length} paths outside their folder, ` +
        `${collisions.length} folders shared by two ids, ${inconsistent.length} ids checked two ways`,
    );

    expect(escapes).toEqual([]);
    expect(collisions).toEqual([]);
    expect(inconsistent).toEqual([]);
    // The generators do reach accepted ids, so the layout was really exercised.
    expect(acceptedTasks.size).toBeGreaterThan(FUZZED / 20);
    expect(acceptedRuns.size).toBeGreaterThan(0);
  });

  it('poll <id> and run --run-id <id> answer every rejected run id with exit 2 and a clear message', { timeout: 120_000 }, async (context) => {
    const runsDir = tempDir('co-runs-');
    const rejected = ids(SEED + 1, fuzzRunId).filter((id) => !isRunId(id));
    const unclear: string[] = [];
    /** One `error:` line and its hint, no control characters, no stack, short whatever the id. */
    const check = (what: string, code: number, text: string, expected: RegExp): void => {
      const clear = code === 2 && expected.test(text) && !/[\u0000-\u0009\u000b-\u001f\u007f]/.test(text) && text.length < 400;
      if (!clear) unclear.push(`${what}: exit ${code}: ${JSON.stringify(text.slice(0, 300))}`);
    };
    const POLL = /^error: (?:".*"(?:… \(\d+ characters\))? is not a run id\n {2}hint: run ids look like \S+; use "latest" for the newest run|no runs in \S+\n {2}hint: .*)\n$/;
    const RUN = /^error: --run-id: ".*"(?:… \(\d+ characters\))? is not a run id\n {2}hint: run ids look like \S+\n$/;

    for (const id of rejected) {
      const poll = captured();
      check(`poll ${JSON.stringify(id)}`, await main(['poll', '--runs-dir', runsDir, '--', id], poll), poll.text(), POLL);
      const run = captured();
      check(`run --run-id ${JSON.stringify(id)}`, await main(['run', 'graph.yaml', '--runs-dir', runsDir, `--run-id=${id}`], run), run.text(), RUN);
    }
    // The built binary, as users run it (argv cannot carry NUL).
    const sample = HOSTILE_IDS.filter((id) => !isRunId(id) && !id.includes('\0')).slice(0, THROUGH_BINARY);
    for (const id of sample) {
      const r = await cli(['poll', '--runs-dir', runsDir, '--', id], runsDir);
      check(`binary: poll ${JSON.stringify(id)}`, r.code ?? -1, r.stdout + r.stderr, POLL);
    }

    figure(
      context,
      `R9 hostile ids at the CLI: ${count(rejected.length)} rejected run ids (seed ${SEED}) through poll and run --run-id, ` +
        `${count(sample.length)} through the built binary; ${unclear.length} answers without exit 2 and a clear message`,
    );
    expect(unclear.slice(0, 20)).toEqual([]);

    // The exact answer, once.
    const one = captured();
    expect(await main(['poll', '--runs-dir', runsDir, '../x'], one)).toBe(2);
    expect(one.text()).toBe('error: "../x" is not a run id\n  hint: run ids look like 2026-11-21T10-04-05Z-7f3a; use "latest" for the newest run\n');
  });
});
