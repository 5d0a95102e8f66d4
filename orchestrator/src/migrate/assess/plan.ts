import { gapsOf, type Features } from './features.js';
import { BRANCH, PILOT_GRAPH } from './plan-data.js';
import { stepsOf } from './plan-steps.js';
import { rollbackOf, successOf, testingOf } from './plan-strategy.js';
import type { Detection, Plan, PhaseName, PlanPhase, PlanStep, Scoring } from './schema.js';

/**
 * The planner: a phased plan to bring the repository under codex-orchestrator, from the detection
 * and its scores. Each phase's hours are the analyzer's (so the plan adds up to the effort); its
 * steps share them by weight. Data migration is planned only when a data store was detected, and
 * gap implementation only for the gaps found; a phase left out stays in the plan with the reason.
 */

export interface PlanInput {
  readonly detection: Detection;
  readonly features: Features;
  readonly scoring: Scoring;
  /** The scanned folder's name (for the worktree the checks run in). */
  readonly name: string;
}

export { BRANCH, PILOT_GRAPH };
/** Working hours in a day of the timeline. */
export const HOURS_PER_DAY = 6;

const PHASES: readonly PhaseName[] = ['preparation', 'configuration', 'data-migration', 'gap-implementation', 'testing', 'deployment'];

export function plan(input: PlanInput): Plan {
  const specs = stepsOf(input);
  const steps: PlanStep[] = [];
  const phases: PlanPhase[] = [];
  let day = 0;
  for (const phase of PHASES) {
    const own = specs.filter((s) => s.phase === phase);
    const hours = own.length === 0 ? 0 : input.scoring.effort.phases[phase];
    const shares = share(
      hours,
      own.map((s) => s.weight),
    );
    own.forEach((s, i) => steps.push({ id: s.id, phase, title: s.title, hours: shares[i] ?? 0, risk: s.risk, commands: s.commands, why: s.why }));
    const days = Math.ceil((hours / HOURS_PER_DAY) * 2) / 2;
    phases.push({ name: phase, skipped: own.length === 0 ? skipReason(phase) : null, hours, startDay: day, endDay: day + days });
    day += days;
  }
  return {
    branch: BRANCH,
    gaps: gapsOf(input.features),
    phases,
    steps,
    rollback: rollbackOf(input),
    testing: testingOf(input),
    success: successOf(input),
    hoursPerDay: HOURS_PER_DAY,
  };
}

/**
 * `hours` in half hours over the weights: every step at least one half hour when there are enough
 * (the largest remainders get the rest), so the steps add up to the phase exactly.
 */
export function share(hours: number, weights: readonly number[]): number[] {
  const units = Math.round(hours * 2);
  if (weights.length === 0) return [];
  const base = units >= weights.length ? 1 : 0;
  const rest = units - base * weights.length;
  const total = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (rest * w) / total);
  const got = exact.map((x) => Math.floor(x));
  let left = rest - got.reduce((a, b) => a + b, 0);
  const order = exact.map((x, i) => ({ i, r: x - Math.floor(x) })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    got[i] = (got[i] ?? 0) + 1;
    left--;
  }
  return got.map((g) => (g + base) / 2);
}

function skipReason(phase: PhaseName): string {
  if (phase === 'data-migration') return 'skipped: no database, ORM or migration tool was detected, so there is no data to move, back up or keep in step';
  if (phase === 'gap-implementation') return 'skipped: no gap found: tests, CI and lockfiles are present';
  return 'skipped';
}
