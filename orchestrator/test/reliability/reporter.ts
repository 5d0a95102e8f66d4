import path from 'node:path';
import type { Reporter, TestModule, Vitest } from 'vitest/node';

/**
 * Ends a run that included reliability cases (`reliability/r<N>-*.test.ts`) with their figures
 * and one line `N passed, N failed`, counted per case (a case passes when all its tests pass;
 * skipped cases are left out). Runs after vitest's own reporter, whose summary it leaves as it
 * is; prints nothing when no case ran.
 */

const CASE_FILE = /^r(\d+)-.*\.test\.ts$/;

export default class ReliabilityReporter implements Reporter {
  private log: (text: string) => void = (text) => process.stdout.write(`${text}\n`);

  onInit(vitest: Vitest): void {
    this.log = (text) => vitest.logger.log(text);
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const cases = modules
      .map((module) => ({ module, match: CASE_FILE.exec(path.basename(module.moduleId)) }))
      .filter((c) => c.match !== null && path.basename(path.dirname(c.module.moduleId)) === 'reliability')
      .map(({ module, match }) => ({ module, n: Number(match?.[1]) }))
      .sort((a, b) => a.n - b.n);
    if (cases.length === 0) return;

    const scale = process.env['RELIABILITY_SCALE'] === 'full' ? 'full' : 'ci';
    const lines = [``, `Reliability battery (${scale} scale):`];
    let passed = 0;
    let failed = 0;
    for (const { module, n } of cases) {
      const state = module.state();
      // A case filtered out or skipped is neither; anything else that did not pass failed.
      if (state === 'skipped') continue;
      const ok = state === 'passed';
      if (ok) passed++;
      else failed++;
      const figures = [...module.children.allTests()].flatMap((t) => t.meta().reliabilityFigures ?? []);
      if (figures.length === 0) figures.push(`R${n}: no figure (${state})`);
      for (const f of figures) lines.push(`  ${ok ? 'ok  ' : 'FAIL'} ${f}`);
    }
    lines.push(`${passed} passed, ${failed} failed`);
    this.log(lines.join('\n'));
  }
}
