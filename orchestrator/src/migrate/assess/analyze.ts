import type { Features } from './features.js';
import { count, list } from './words.js';
import type { Complexity, Factor, PhaseName, Risk, RuleRow, Scoring } from './schema.js';

/**
 * The analyzer: complexity, risk and effort from a detection's features, by the rules of `RULES`
 * (a table the report prints, so a reader can check every point). Existing infrastructure (CI,
 * tests, containers, agent and coordination setups) lowers complexity; scale and gaps raise it;
 * data migration, scale, gaps and a missing history raise risk. Effort is hours per plan phase,
 * scaled by the complexity level's multiplier.
 */

export interface Rule {
  readonly id: string;
  readonly area: 'complexity' | 'risk' | 'effort';
  /** The effort rule's plan phase. */
  readonly phase?: PhaseName;
  readonly factor: string;
  /** When it applies, as the report prints it. */
  readonly condition: string;
  /** Points each time it applies (hours, for effort). */
  readonly points: number;
  /** At most this many points in all. */
  readonly cap?: number;
  /** How many times it applies (0: not at all), and why, in the detection's terms. */
  readonly measure: (f: Features) => { readonly times: number; readonly why: string };
}

const above = (value: number, limit: number, one: string): { times: number; why: string } => ({ times: value > limit ? 1 : 0, why: count(value, one) });
const yes = (on: boolean, why: string): { times: number; why: string } => ({ times: on ? 1 : 0, why });

export const RULES: readonly Rule[] = [
  // Complexity: scale and gaps raise it, what the repository already has lowers it.
  { id: 'C1', area: 'complexity', factor: 'scale: files', condition: 'more than 500 files', points: 1, measure: (f) => above(f.files, 500, 'file') },
  { id: 'C2', area: 'complexity', factor: 'scale: files', condition: 'more than 5,000 files', points: 1, measure: (f) => above(f.files, 5000, 'file') },
  { id: 'C3', area: 'complexity', factor: 'scale: files', condition: 'more than 20,000 files', points: 1, measure: (f) => above(f.files, 20000, 'file') },
  { id: 'C4', area: 'complexity', factor: 'scale: lines', condition: 'more than 10,000 source lines', points: 1, measure: (f) => above(f.sourceLines, 10000, 'source line') },
  { id: 'C5', area: 'complexity', factor: 'scale: lines', condition: 'more than 100,000 source lines', points: 1, measure: (f) => above(f.sourceLines, 100000, 'source line') },
  { id: 'C6', area: 'complexity', factor: 'scale: lines', condition: 'more than 1,000,000 source lines', points: 1, measure: (f) => above(f.sourceLines, 1000000, 'source line') },
  { id: 'C7', area: 'complexity', factor: 'scale: contributors', condition: 'more than 5 contributors', points: 1, measure: (f) => above(f.contributors ?? 0, 5, 'contributor') },
  { id: 'C8', area: 'complexity', factor: 'scale: contributors', condition: 'more than 25 contributors', points: 1, measure: (f) => above(f.contributors ?? 0, 25, 'contributor') },
  {
    id: 'C9',
    area: 'complexity',
    factor: 'scale: languages',
    condition: '2 or more programming languages',
    points: 1,
    measure: (f) => yes(f.languages.length >= 2, `languages: ${list(f.languages)}`),
  },
  {
    id: 'C10',
    area: 'complexity',
    factor: 'scale: languages',
    condition: '4 or more programming languages',
    points: 1,
    measure: (f) => yes(f.languages.length >= 4, `languages: ${list(f.languages)}`),
  },
  { id: 'C11', area: 'complexity', factor: 'stack: frameworks', condition: '3 or more frameworks', points: 1, measure: (f) => yes(f.frameworks.length >= 3, `frameworks: ${list(f.frameworks)}`) },
  { id: 'C12', area: 'complexity', factor: 'stack: manifests', condition: '3 or more package manifests (a monorepo)', points: 1, measure: (f) => above(f.manifests, 2, 'package manifest') },
  { id: 'C13', area: 'complexity', factor: 'gap: tests', condition: 'no test runner found', points: 2, measure: (f) => yes(!f.hasTests, 'no test runner or test command found') },
  {
    id: 'C14',
    area: 'complexity',
    factor: 'gap: tests',
    condition: 'fewer than 1 test file per 10 source files',
    points: 1,
    measure: (f) => yes(f.hasTests && f.testFiles * 10 < f.sourceFiles, `${count(f.testFiles, 'test file')} for ${count(f.sourceFiles, 'source file')}`),
  },
  { id: 'C15', area: 'complexity', factor: 'gap: CI', condition: 'no CI configuration', points: 1, measure: (f) => yes(!f.hasCi, 'no CI configuration found') },
  {
    id: 'C16',
    area: 'complexity',
    factor: 'data',
    condition: 'a database, ORM or migration tool',
    points: 1,
    measure: (f) => yes(f.databases.length + f.dataTools.length > 0, `data: ${list([...f.databases, ...f.dataTools])}`),
  },
  { id: 'C17', area: 'complexity', factor: 'existing: CI', condition: 'CI configuration present', points: -1, measure: (f) => yes(f.hasCi, 'CI configuration present') },
  { id: 'C18', area: 'complexity', factor: 'existing: tests', condition: 'a test runner present', points: -1, measure: (f) => yes(f.hasTests, count(f.testFiles, 'test file')) },
  {
    id: 'C19',
    area: 'complexity',
    factor: 'existing: containers',
    condition: 'a Dockerfile, compose file or devcontainer',
    points: -1,
    measure: (f) => yes(f.containers, 'the environment is described in the repository'),
  },
  {
    id: 'C20',
    area: 'complexity',
    factor: 'existing: agent setups',
    condition: 'agent or coordination setups present',
    points: -1,
    measure: (f) => yes(f.agentSetups.length > 0, `agent setups: ${list(f.agentSetups)}`),
  },
  {
    id: 'C21',
    area: 'complexity',
    factor: 'existing: coordination patterns',
    condition: '3 or more coordination patterns',
    points: -1,
    measure: (f) => yes(f.patterns.length >= 3, `patterns: ${list(f.patterns)}`),
  },
  // Risk: data migration, scale, gaps, no history to go back to.
  { id: 'R1', area: 'risk', factor: 'data migration', condition: 'a database is used', points: 2, measure: (f) => yes(f.databases.length > 0, `databases: ${list(f.databases)}`) },
  {
    id: 'R2',
    area: 'risk',
    factor: 'data migration',
    condition: 'an ORM or schema migration tool',
    points: 1,
    measure: (f) => yes(f.dataTools.length > 0, `ORMs and migrations: ${list(f.dataTools)}`),
  },
  { id: 'R3', area: 'risk', factor: 'data migration', condition: '2 or more databases', points: 1, measure: (f) => yes(f.databases.length >= 2, `databases: ${list(f.databases)}`) },
  { id: 'R4', area: 'risk', factor: 'scale: files', condition: 'more than 5,000 files', points: 1, measure: (f) => above(f.files, 5000, 'file') },
  { id: 'R5', area: 'risk', factor: 'scale: lines', condition: 'more than 100,000 source lines', points: 1, measure: (f) => above(f.sourceLines, 100000, 'source line') },
  { id: 'R6', area: 'risk', factor: 'scale: contributors', condition: 'more than 10 contributors', points: 1, measure: (f) => above(f.contributors ?? 0, 10, 'contributor') },
  { id: 'R7', area: 'risk', factor: 'gap: tests', condition: 'no test runner found', points: 2, measure: (f) => yes(!f.hasTests, 'nothing checks that behaviour is kept') },
  { id: 'R8', area: 'risk', factor: 'gap: CI', condition: 'no CI configuration', points: 1, measure: (f) => yes(!f.hasCi, 'no CI configuration found') },
  { id: 'R9', area: 'risk', factor: 'history', condition: 'not a git repository', points: 2, measure: (f) => yes(!f.inGit, 'no git history to roll back to') },
  {
    id: 'R10',
    area: 'risk',
    factor: 'dormant',
    condition: 'no commit in the last 365 days',
    points: 1,
    measure: (f) => yes(f.daysSinceLastCommit !== null && f.daysSinceLastCommit > 365, `last commit ${count(f.daysSinceLastCommit ?? 0, 'day')} ago`),
  },
  {
    id: 'R11',
    area: 'risk',
    factor: 'deployment',
    condition: 'deployment infrastructure (Kubernetes, Helm, Terraform, …)',
    points: 1,
    measure: (f) => yes(f.deployInfra.length > 0, `infrastructure: ${list(f.deployInfra)}`),
  },
  // Effort: hours per phase of the plan.
  { id: 'E1', area: 'effort', phase: 'preparation', factor: 'baseline', condition: 'always', points: 2, measure: () => yes(true, 'branch, baseline check run, inventory') },
  {
    id: 'E2',
    area: 'effort',
    phase: 'preparation',
    factor: 'scale: contributors',
    condition: 'each 10 contributors',
    points: 1,
    cap: 8,
    measure: (f) => ({ times: Math.floor((f.contributors ?? 0) / 10), why: `${count(f.contributors ?? 0, 'contributor')} to agree the change with` }),
  },
  { id: 'E3', area: 'effort', phase: 'configuration', factor: 'baseline', condition: 'always', points: 3, measure: () => yes(true, 'settings, setup and verify commands, agent instructions') },
  {
    id: 'E4',
    area: 'effort',
    phase: 'configuration',
    factor: 'scale: languages',
    condition: 'each programming language beyond the first',
    points: 1,
    cap: 6,
    measure: (f) => ({ times: Math.max(0, f.languages.length - 1), why: `languages: ${list(f.languages)}` }),
  },
  {
    id: 'E5',
    area: 'effort',
    phase: 'configuration',
    factor: 'stack: manifests',
    condition: 'each package manifest beyond the first',
    points: 1,
    cap: 8,
    measure: (f) => ({ times: Math.max(0, f.manifests - 1), why: count(f.manifests, 'package manifest') }),
  },
  {
    id: 'E6',
    area: 'effort',
    phase: 'configuration',
    factor: 'existing: agent setups',
    condition: 'agent setups to build on',
    points: -1,
    measure: (f) => yes(f.agentSetups.length > 0, `agent setups: ${list(f.agentSetups)}`),
  },
  {
    id: 'E7',
    area: 'effort',
    phase: 'data-migration',
    factor: 'data migration',
    condition: 'each database',
    points: 4,
    cap: 16,
    measure: (f) => ({ times: f.databases.length, why: `databases: ${list(f.databases)}` }),
  },
  {
    id: 'E8',
    area: 'effort',
    phase: 'data-migration',
    factor: 'data migration',
    condition: 'each ORM or migration tool',
    points: 2,
    cap: 8,
    measure: (f) => ({ times: f.dataTools.length, why: `ORMs and migrations: ${list(f.dataTools)}` }),
  },
  {
    id: 'E9',
    area: 'effort',
    phase: 'gap-implementation',
    factor: 'gap: tests',
    condition: 'no test runner: characterisation tests',
    points: 6,
    measure: (f) => yes(!f.hasTests, 'no test runner found'),
  },
  {
    id: 'E10',
    area: 'effort',
    phase: 'gap-implementation',
    factor: 'gap: tests',
    condition: 'no test runner: each 5,000 source lines to cover',
    points: 1,
    cap: 40,
    measure: (f) => ({ times: f.hasTests ? 0 : Math.ceil(f.sourceLines / 5000), why: count(f.sourceLines, 'source line') }),
  },
  {
    id: 'E11',
    area: 'effort',
    phase: 'gap-implementation',
    factor: 'gap: tests',
    condition: 'fewer than 1 test file per 10 source files: tests around the pilot',
    points: 3,
    measure: (f) => yes(f.hasTests && f.testFiles * 10 < f.sourceFiles, `${count(f.testFiles, 'test file')} for ${count(f.sourceFiles, 'source file')}`),
  },
  { id: 'E12', area: 'effort', phase: 'gap-implementation', factor: 'gap: CI', condition: 'no CI configuration', points: 3, measure: (f) => yes(!f.hasCi, 'no CI configuration found') },
  {
    id: 'E13',
    area: 'effort',
    phase: 'gap-implementation',
    factor: 'gap: lockfile',
    condition: 'each manifest with dependencies and no lockfile',
    points: 1,
    cap: 4,
    measure: (f) => ({ times: f.unlocked.length, why: `no lockfile: ${list(f.unlocked)}` }),
  },
  { id: 'E14', area: 'effort', phase: 'testing', factor: 'baseline', condition: 'always', points: 2, measure: () => yes(true, 'checks in a worktree, a trial run') },
  {
    id: 'E15',
    area: 'effort',
    phase: 'testing',
    factor: 'scale: lines',
    condition: 'each 20,000 source lines',
    points: 1,
    cap: 16,
    measure: (f) => ({ times: Math.floor(f.sourceLines / 20000), why: count(f.sourceLines, 'source line') }),
  },
  { id: 'E16', area: 'effort', phase: 'deployment', factor: 'baseline', condition: 'always', points: 1, measure: () => yes(true, 'merge, CI, hand-over') },
  {
    id: 'E17',
    area: 'effort',
    phase: 'deployment',
    factor: 'deployment',
    condition: 'deployment infrastructure to check',
    points: 1,
    measure: (f) => yes(f.deployInfra.length > 0, `infrastructure: ${list(f.deployInfra)}`),
  },
];

/** Complexity and risk levels from their points: each level starts at `from`. */
export const COMPLEXITY_LEVELS: readonly { level: Complexity; from: number; multiplier: number }[] = [
  { level: 'simple', from: 0, multiplier: 1 },
  { level: 'moderate', from: 2, multiplier: 1.25 },
  { level: 'complex', from: 5, multiplier: 1.5 },
  { level: 'very complex', from: 8, multiplier: 2 },
];
export const RISK_LEVELS: readonly { level: Risk; from: number }[] = [
  { level: 'low', from: 0 },
  { level: 'medium', from: 2 },
  { level: 'high', from: 5 },
];

const PHASES: readonly PhaseName[] = ['preparation', 'configuration', 'data-migration', 'gap-implementation', 'testing', 'deployment'];

export function analyze(f: Features, rules: readonly Rule[] = RULES): Scoring {
  const applied = (area: Rule['area']): (Factor & { phase: PhaseName | undefined })[] =>
    rules
      .filter((r) => r.area === area)
      .flatMap((r) => {
        const { times, why } = r.measure(f);
        if (times <= 0) return [];
        const raw = r.points * times;
        const points = r.cap === undefined ? raw : Math.sign(raw) * Math.min(Math.abs(raw), r.cap);
        return [{ rule: r.id, factor: r.factor, points, why, phase: r.phase }];
      });
  const strip = ({ phase: _phase, ...factor }: Factor & { phase: PhaseName | undefined }): Factor => factor;
  const complexityFactors = applied('complexity');
  const complexityPoints = Math.max(0, sum(complexityFactors.map((c) => c.points)));
  const level = levelOf(COMPLEXITY_LEVELS, complexityPoints);
  const riskFactors = applied('risk');
  const riskPoints = Math.max(0, sum(riskFactors.map((c) => c.points)));
  const effortFactors = applied('effort');
  const multiplier = level.multiplier;
  const phases = Object.fromEntries(
    PHASES.map((phase) => {
      const hours = sum(effortFactors.filter((e) => e.phase === phase).map((e) => e.points));
      // Half hours: finer figures would claim a precision the rules do not have.
      return [phase, hours <= 0 ? 0 : roundHalf(hours * multiplier)];
    }),
  ) as Record<PhaseName, number>;
  return {
    complexity: { level: level.level, points: complexityPoints, factors: complexityFactors.map(strip) },
    risk: { level: levelOf(RISK_LEVELS, riskPoints).level, points: riskPoints, factors: riskFactors.map(strip) },
    effort: { hours: sum(Object.values(phases)), multiplier, phases, factors: effortFactors.map(strip) },
    rules: rules.map(ruleRow),
    levels: { complexity: COMPLEXITY_LEVELS.map(({ level: l, from }) => ({ level: l, from })), risk: RISK_LEVELS.map(({ level: l, from }) => ({ level: l, from })) },
  };
}

function ruleRow(r: Rule): RuleRow {
  const sign = r.points > 0 ? '+' : '';
  const points = r.area === 'effort' ? `${sign}${r.points} h${r.cap === undefined ? '' : ` (at most ${r.cap} h)`}` : `${sign}${r.points}`;
  return { id: r.id, area: r.area, condition: r.phase === undefined ? r.condition : `${r.phase}: ${r.condition}`, points };
}

function levelOf<L extends { from: number }>(levels: readonly L[], points: number): L {
  return levels.reduce((found, l) => (points >= l.from ? l : found), levels[0] as L);
}

export function roundHalf(x: number): number {
  return Math.round(x * 2) / 2;
}

function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}
