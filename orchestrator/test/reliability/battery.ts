import type { TestContext } from 'vitest';

/**
 * The reliability battery (issue 5): one file per case, `r<N>-<what>.test.ts`, each proving one
 * property under load or hostile input and printing one line of figures, e.g.
 *
 *   R4 torn reads: 1,000 pollers in 4 processes × 10.0 s, 2,345,678 reads, …, 0 torn
 *
 * Conventions for every case:
 * - counts come from `scaled({ ci, full })`: `RELIABILITY_SCALE=full` (what `npm run
 *   test:reliability` sets) uses the issue's counts; `ci` (the default, part of `npm test`) uses
 *   small ones so the whole battery stays well under a minute;
 * - the issue's time limits are checked as counts of violations (`0 over 1 s`) against
 *   `timeLimitMs(limit)`: the issue's limit at full scale, a margin at ci scale, where the battery
 *   shares two cores with the rest of the suite; the figure always shows the real maximum;
 * - anything random draws from `random(seedFor('R7'))`, and the figure names the seed, so a
 *   failure reproduces with `RELIABILITY_SEED=<seed>`;
 * - the case measures first, reports its figure with `figure(context, line)`, then asserts, so a
 *   failing case still shows what it measured. `reporter.ts` prints every figure again at the end
 *   with the `N passed, N failed` line.
 */

export type Scale = 'ci' | 'full';

export const SCALE: Scale = readScale(process.env['RELIABILITY_SCALE']);

function readScale(raw: string | undefined): Scale {
  if (raw === undefined || raw === '' || raw === 'ci') return 'ci';
  if (raw === 'full') return 'full';
  throw new Error(`RELIABILITY_SCALE must be "ci" or "full" (got ${JSON.stringify(raw)})`);
}

/** The value for the current scale. */
export function scaled<T>(values: { readonly ci: T; readonly full: T }): T {
  return values[SCALE];
}

/** How much slower than the issue's limit a ci-scale run may be before it counts as a violation. */
const CI_TIME_MARGIN = 5;

/** The time limit to check: the issue's at full scale, five times it at ci scale. */
export function timeLimitMs(issueLimitMs: number): number {
  return SCALE === 'full' ? issueLimitMs : issueLimitMs * CI_TIME_MARGIN;
}

declare module 'vitest' {
  interface TaskMeta {
    /** The figure lines a reliability case reported (see `figure`). */
    reliabilityFigures?: string[];
  }
}

/** Prints a case's figure on its own line and keeps it for the battery's summary. */
export function figure(context: TestContext, line: string): void {
  (context.task.meta.reliabilityFigures ??= []).push(line);
  console.log(line);
}

/**
 * The seed of a case's random choices: `RELIABILITY_SEED` when given (to reproduce a failure),
 * else fixed per case at ci scale (CI stays deterministic) and fresh at full scale (each full run
 * explores new inputs).
 */
export function seedFor(caseId: string): number {
  const given = process.env['RELIABILITY_SEED'];
  if (given !== undefined && given !== '') {
    const seed = Number(given);
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new Error(`RELIABILITY_SEED must be a whole number from 0 to 4294967295 (got ${JSON.stringify(given)})`);
    return seed;
  }
  if (SCALE === 'full') return Math.floor(Math.random() * 0x100000000);
  let h = 2166136261;
  for (const c of caseId) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
  return h;
}

/** A seeded pseudo-random source (mulberry32): small, fast and the same on every platform. */
export interface Random {
  /** In [0, 1). */
  next(): number;
  /** A whole number in [min, max]. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
}

export function random(seed: number): Random {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  return {
    next,
    int,
    pick: <T>(items: readonly T[]): T => {
      if (items.length === 0) throw new Error('Internal error: pick from an empty list');
      return items[int(0, items.length - 1)] as T;
    },
    chance: (p) => next() < p,
  };
}

/** `2,345,678` */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** `0.62 s` / `412 ms` */
export function duration(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}
