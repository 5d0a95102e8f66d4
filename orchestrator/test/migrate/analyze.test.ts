import { describe, expect, it } from 'vitest';
import { analyze, RULES, type Rule } from '../../src/migrate/assess/analyze.js';
import { featuresOf, type Features } from '../../src/migrate/assess/features.js';
import type { Factor } from '../../src/migrate/assess/schema.js';
import { assessFixture, NOW } from './trees.js';

/** A small, well-kept repository: tests, CI, in git, nothing else. Each case changes what it is about. */
function features(over: Partial<Features> = {}): Features {
  return {
    files: 40,
    sourceFiles: 20,
    sourceLines: 2000,
    contributors: 2,
    inGit: true,
    daysSinceLastCommit: 3,
    languages: ['JavaScript'],
    frameworks: ['express'],
    manifests: 1,
    hasTests: true,
    testFiles: 5,
    hasCi: true,
    containers: false,
    deployInfra: [],
    agentSetups: [],
    patterns: [],
    databases: [],
    dataTools: [],
    unlocked: [],
    ...over,
  };
}

const rules = (factors: readonly Factor[]): string[] => factors.map((f) => `${f.rule} ${f.points > 0 ? '+' : ''}${f.points}`);

describe('analyze: the scoring rules', () => {
  it('has one row per rule with a unique id, printed with its points (hours and caps for effort)', () => {
    const ids = RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    const rows = analyze(features()).rules;
    expect(rows).toHaveLength(RULES.length);
    expect(rows.find((r) => r.id === 'C13')).toEqual({ id: 'C13', area: 'complexity', condition: 'no test runner found', points: '+2' });
    expect(rows.find((r) => r.id === 'C17')).toEqual({ id: 'C17', area: 'complexity', condition: 'CI configuration present', points: '-1' });
    expect(rows.find((r) => r.id === 'E7')).toEqual({ id: 'E7', area: 'effort', condition: 'data-migration: each database', points: '+4 h (at most 16 h)' });
  });

  it('a well-kept small repository is simple and low risk: what it has lowers complexity, below 0 counts as 0', () => {
    const s = analyze(features({ containers: true, agentSetups: ['agents-md'] }));
    expect(rules(s.complexity.factors)).toEqual(['C17 -1', 'C18 -1', 'C19 -1', 'C20 -1']);
    expect(s.complexity).toMatchObject({ level: 'simple', points: 0 });
    expect(s.risk).toEqual({ level: 'low', points: 0, factors: [] });
    // preparation 2, configuration 3 - 1, testing 2, deployment 1; simple: × 1.
    expect(s.effort).toEqual({
      hours: 7,
      multiplier: 1,
      phases: { preparation: 2, configuration: 2, 'data-migration': 0, 'gap-implementation': 0, testing: 2, deployment: 1 },
      factors: [
        { rule: 'E1', factor: 'baseline', points: 2, why: 'branch, baseline check run, inventory' },
        { rule: 'E3', factor: 'baseline', points: 3, why: 'settings, setup and verify commands, agent instructions' },
        { rule: 'E6', factor: 'existing: agent setups', points: -1, why: 'agent setups: agents-md' },
        { rule: 'E14', factor: 'baseline', points: 2, why: 'checks in a worktree, a trial run' },
        { rule: 'E16', factor: 'baseline', points: 1, why: 'merge, CI, hand-over' },
      ],
    });
  });

  it('a folder with no tests, no CI and no history: moderate, high risk, and the gaps cost hours (× 1.25, to the half hour)', () => {
    const s = analyze(features({ hasTests: false, testFiles: 0, hasCi: false, inGit: false, contributors: null, daysSinceLastCommit: null, sourceLines: 12000 }));
    expect(rules(s.complexity.factors)).toEqual(['C4 +1', 'C13 +2', 'C15 +1']);
    expect(s.complexity).toMatchObject({ level: 'moderate', points: 4 });
    expect(s.risk.factors).toEqual([
      { rule: 'R7', factor: 'gap: tests', points: 2, why: 'nothing checks that behaviour is kept' },
      { rule: 'R8', factor: 'gap: CI', points: 1, why: 'no CI configuration found' },
      { rule: 'R9', factor: 'history', points: 2, why: 'no git history to roll back to' },
    ]);
    expect(s.risk).toMatchObject({ level: 'high', points: 5 });
    // gap implementation: 6 + ceil(12,000 / 5,000) + 3 = 12 → 15 h; preparation 2 → 2.5; configuration 3 → 3.75 → 4; testing 2 → 2.5; deployment 1 → 1.25 → 1.5.
    expect(s.effort.phases).toEqual({ preparation: 2.5, configuration: 4, 'data-migration': 0, 'gap-implementation': 15, testing: 2.5, deployment: 1.5 });
    expect(s.effort).toMatchObject({ hours: 25.5, multiplier: 1.25 });
  });

  it('data raises risk and complexity, and gives the data-migration phase its hours', () => {
    const s = analyze(features({ databases: ['postgresql', 'redis'], dataTools: ['alembic'] }));
    expect(rules(s.risk.factors)).toEqual(['R1 +2', 'R2 +1', 'R3 +1']);
    expect(s.risk).toMatchObject({ level: 'medium', points: 4 });
    expect(rules(s.complexity.factors)).toEqual(['C16 +1', 'C17 -1', 'C18 -1']);
    expect(s.effort.phases['data-migration']).toBe(10);
    expect(s.effort.factors.find((f) => f.rule === 'E7')).toEqual({ rule: 'E7', factor: 'data migration', points: 8, why: 'databases: postgresql, redis' });
  });

  it('scale raises both: thresholds are strict (more than), caps hold', () => {
    expect(rules(analyze(features({ files: 500 })).complexity.factors)).not.toContain('C1 +1');
    const big = analyze(features({ files: 5001, sourceLines: 150_000, contributors: 140, languages: ['Go', 'TypeScript', 'Python', 'Java'], frameworks: ['a', 'b', 'c'], manifests: 12 }));
    expect(rules(big.complexity.factors)).toEqual(['C1 +1', 'C2 +1', 'C4 +1', 'C5 +1', 'C7 +1', 'C8 +1', 'C9 +1', 'C10 +1', 'C11 +1', 'C12 +1', 'C17 -1', 'C18 -1']);
    expect(big.complexity).toMatchObject({ level: 'very complex', points: 8 });
    expect(rules(big.risk.factors)).toEqual(['R4 +1', 'R5 +1', 'R6 +1']);
    const effort = Object.fromEntries(big.effort.factors.map((f) => [f.rule, f.points]));
    // 14 and 11 times a point, capped at 8; 150,000 lines are 7 times 20,000.
    expect(effort).toEqual({ E1: 2, E2: 8, E3: 3, E4: 3, E5: 8, E14: 2, E15: 7, E16: 1 });
    expect(big.effort.multiplier).toBe(2);
  });

  it('a repository without a commit for a year is dormant', () => {
    expect(rules(analyze(features({ daysSinceLastCommit: 366 })).risk.factors)).toEqual(['R10 +1']);
    expect(analyze(features({ daysSinceLastCommit: 365 })).risk.factors).toEqual([]);
  });

  it('levels start where the table says', () => {
    const fixed = (points: number): Rule => ({ id: 'X', area: 'complexity', factor: 'x', condition: 'x', points, measure: () => ({ times: 1, why: 'x' }) });
    const levelAt = (points: number): string => analyze(features(), [fixed(points)]).complexity.level;
    expect([0, 1, 2, 4, 5, 7, 8, 20].map(levelAt)).toEqual(['simple', 'simple', 'moderate', 'moderate', 'complex', 'complex', 'very complex', 'very complex']);
  });
});

describe('analyze: the fixtures', () => {
  it('scores each fixture as its stack suggests', async () => {
    const scored: Record<string, string> = {};
    for (const name of ['node-express-pg', 'django-celery', 'go-k8s', 'rust-crate', 'coordination']) {
      const { scoring: s } = await assessFixture(name);
      scored[name] = `${s.complexity.level} ${s.complexity.points} / ${s.risk.level} ${s.risk.points} / ${s.effort.hours} h`;
    }
    // Not in git (the tests say so): every fixture gets R9's +2 risk.
    expect(scored).toEqual({
      'node-express-pg': 'simple 0 / high 5 / 16 h',
      'django-celery': 'simple 0 / high 6 / 21 h',
      'go-k8s': 'simple 0 / high 6 / 15 h',
      'rust-crate': 'simple 0 / medium 2 / 8 h',
      coordination: 'simple 0 / medium 3 / 10 h',
    });
  });

  it('features read the detection: programming languages only, gaps, last commit age', async () => {
    const doc = await assessFixture('go-k8s', { kind: 'repository', subfolder: false, commits: 10, contributors: 3, firstCommit: '2024-01-01T10:00:00+01:00', lastCommit: '2025-12-31T09:00:00Z' });
    const f = featuresOf(doc.detection, NOW);
    expect(f).toMatchObject({
      languages: ['Go'],
      contributors: 3,
      inGit: true,
      daysSinceLastCommit: 61,
      deployInfra: ['kubernetes'],
      databases: ['postgresql'],
      dataTools: ['golang-migrate'],
      unlocked: [],
    });
  });
});
