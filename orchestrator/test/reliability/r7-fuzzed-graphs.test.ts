import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { taskIdProblem } from '../../src/core/ids.js';
import type { AnalyzedGraph } from '../../src/graph/analyzed.js';
import { loadGraph, type GraphLoadFailure } from '../../src/graph/load.js';
import { renderGraphLoadFailure } from '../../src/graph/render.js';
import type { Result } from '../../src/core/result.js';
import { BIN, cli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';
import { count, duration, figure, random, scaled, seedFor, timeLimitMs } from './battery.js';
import { fuzzBases, fuzzGraph } from './fuzz-graphs.js';

// R7: every graph file, however broken, gets an answer: a valid graph, or errors that each name
// file:line:col (and `validate` exits 2, without a stack trace), never a crash, each within 1 s.
// Thousands of seeded mutations of real graph files go through the loader in-process; a sample
// also goes through the built CLI as users run it. The CLI's time is checked as the CPU time its
// process used (its wall time, printed too, also counts waiting for a core on a shared machine).

const FILES = scaled({ ci: 300, full: 2000 });
const THROUGH_CLI = scaled({ ci: 20, full: 100 });
const LIMIT_MS = timeLimitMs(1000);
const SEED = seedFor('R7');
const DEMO = path.resolve(path.dirname(BIN), '../tasks/demo.yaml');
const CPU_USAGE = pathToFileURL(fileURLToPath(new URL('./children/cpu-usage.mjs', import.meta.url))).href;

/** What is wrong with an answer, or undefined when it is a valid graph or well-placed errors. */
function judge(result: Result<AnalyzedGraph, GraphLoadFailure>, rendered: string | undefined, file: string): string | undefined {
  if (result.ok) {
    const g = result.value;
    if (g.tasks.length === 0) return 'valid graph without tasks';
    const unsafe = g.tasks.find((t) => taskIdProblem(t.id) !== undefined);
    if (unsafe !== undefined) return `valid graph with unsafe id ${JSON.stringify(unsafe.id)}`;
    if (new Set(g.order).size !== g.tasks.length) return 'order is not every task once';
    return undefined;
  }
  const f = result.error;
  if (f.reason !== 'invalid') return `no position: ${f.reason}`;
  if (f.diagnostics.length === 0) return 'rejected without a diagnostic';
  const lines = f.source.split('\n');
  for (const d of f.diagnostics) {
    const { line, column, length } = d.position;
    const text = lines[line - 1];
    if (d.position.file !== file) return `diagnostic names ${d.position.file}`;
    if (!Number.isInteger(line) || text === undefined) return `line ${line} is not in the file (${lines.length} lines)`;
    if (!Number.isInteger(column) || column < 1 || column > text.length + 1) return `column ${column} is not on line ${line} (${text.length} characters)`;
    if (!(length >= 1)) return `underline of length ${length}`;
    const where = `${path.basename(file)}:${line}:${column}: error: `;
    if (!rendered?.includes(where)) return `rendered text lacks ${where}`;
  }
  if (rendered === undefined || /\n\s+at |Internal error/.test(rendered)) return 'rendered text shows an internal error';
  return undefined;
}

describe('R7 fuzzed graph files', () => {
  it(`${FILES} fuzzed graph files: all answered with a valid graph or file:line:col errors, 0 crashes`, { timeout: 60_000 + FILES * 100 + THROUGH_CLI * 3000 }, async (context) => {
    const dir = tempDir('co-fuzz-');
    const rng = random(SEED);
    const bases = fuzzBases(readFileSync(DEMO, 'utf8'));
    const problems: string[] = [];
    const crashes: string[] = [];
    const verdicts: { name: string; recipe: string; valid: boolean }[] = [];
    let slowest = 0;
    let slowestRecipe = '';
    let slow = 0;
    let largest = 0;

    for (let i = 0; i < FILES; i++) {
      const g = fuzzGraph(rng, bases);
      const name = `case-${String(i).padStart(4, '0')}.${g.ext}`;
      const file = path.join(dir, name);
      writeFileSync(file, g.bytes);
      largest = Math.max(largest, g.bytes.length);
      const started = performance.now();
      try {
        const result = await loadGraph(file);
        const rendered = result.ok ? undefined : renderGraphLoadFailure(result.error, { cwd: dir });
        const ms = performance.now() - started;
        if (ms > slowest) [slowest, slowestRecipe] = [ms, g.recipe];
        if (ms > LIMIT_MS) {
          slow++;
          problems.push(`${name} (${g.recipe}): took ${duration(ms)}`);
        }
        const problem = judge(result, rendered, file);
        if (problem !== undefined) problems.push(`${name} (${g.recipe}): ${problem}`);
        verdicts.push({ name, recipe: g.recipe, valid: result.ok });
      } catch (e) {
        crashes.push(`${name} (${g.recipe}): ${e instanceof Error ? (e.stack ?? e.message).split('\n').slice(0, 4).join(' | ') : String(e)}`);
      }
    }

    // The built CLI on an even sample, as users run it.
    const cliProblems: string[] = [];
    const cliSlow: string[] = [];
    let cliSlowest = 0;
    let cliMostCpu = 0;
    const usageFile = path.join(dir, 'cpu-usage.json');
    const sample = Array.from({ length: Math.min(THROUGH_CLI, verdicts.length) }, (_, k) => verdicts[Math.floor((k * verdicts.length) / THROUGH_CLI)]!);
    for (const v of sample) {
      const started = performance.now();
      const r = await cli(['validate', v.name], dir, { NODE_OPTIONS: `--import=${CPU_USAGE}`, CPU_USAGE_FILE: usageFile });
      const ms = performance.now() - started;
      const usage = JSON.parse(readFileSync(usageFile, 'utf8')) as { user: number; system: number };
      const cpuMs = (usage.user + usage.system) / 1000;
      cliSlowest = Math.max(cliSlowest, ms);
      cliMostCpu = Math.max(cliMostCpu, cpuMs);
      const errors = r.stderr.split('\n').filter((l) => /^\S.*: error: /.test(l) || l.startsWith('error: '));
      const what = `${v.name} (${v.recipe})`;
      if (cpuMs > LIMIT_MS) cliSlow.push(`${what}: took ${duration(cpuMs)} of CPU (${duration(ms)} in all)`);
      if (r.code !== (v.valid ? 0 : 2)) cliProblems.push(`${what}: exit ${r.code}, expected ${v.valid ? 0 : 2}`);
      else if (/\n\s+at |internal error/i.test(r.stderr)) cliProblems.push(`${what}: internal error or stack trace`);
      else if (!v.valid && (errors.length === 0 || errors.some((l) => !/^case-\d+\.(?:yaml|json):\d+:\d+: error: /.test(l)))) {
        cliProblems.push(`${what}: an error without file:line:col: ${errors.find((l) => !/^case-\d+/.test(l)) ?? '(none)'}`);
      }
    }

    const valid = verdicts.filter((v) => v.valid).length;
    figure(
      context,
      `R7 fuzzed graphs: ${count(FILES)} files of up to ${count(Math.ceil(largest / 1024))} KB (seed ${SEED}), ${count(verdicts.length - valid)} rejected with file:line:col, ` +
        `${count(valid)} valid, ${crashes.length} crashes, ${problems.length - slow} bad answers, slowest ${duration(slowest)} (${slowestRecipe}; ${slow} over ${duration(LIMIT_MS)}); ` +
        `validate CLI on ${sample.length}: ${sample.length - cliProblems.length} right answers (exit 2 with file:line:col, or 0), ` +
        `most CPU ${duration(cliMostCpu)} (${cliSlow.length} over ${duration(LIMIT_MS)}), slowest ${duration(cliSlowest)} in all`,
    );

    const keep = `(KEEP_TEMP=1 keeps the files in ${dir})`;
    expect({ crashes, problems, cliProblems, cliSlow }, keep).toEqual({ crashes: [], problems: [], cliProblems: [], cliSlow: [] });
    // The fuzzer reaches both sides.
    expect(valid).toBeGreaterThan(0);
    expect(verdicts.length - valid).toBeGreaterThan(FILES / 2);
  });
});
