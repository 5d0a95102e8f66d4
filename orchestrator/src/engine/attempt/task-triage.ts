import type { AnalyzedTask } from '../../graph/analyzed.js';
import { ruleTriage, type FailureContext } from '../../roles/triage.js';
import type { CheckEvidence } from '../../roles/verdict.js';
import type { TriageRecord } from '../../store/manifest.js';
import type { RoleAgents } from '../session/role-agents.js';
import type { Failure } from './task-failure.js';
import type { TaskLog } from './task-log.js';
import type { AttemptUsage } from './task-usage.js';

/** How long the manager may take over a triage before the rules answer instead. */
export const TRIAGE_TIMEOUT_MS = 60_000;

/**
 * Triage of a task that failed during a run: the manager agent's probable cause and next step,
 * for the reviewer (the manifest, `poll`, `review`). Without the agents layer, or when the manager
 * cannot answer, the built-in rules answer (`ruleTriage`; the offline stand-in answers with them
 * too). It runs under the run's signal, not the task's, so a task that timed out is triaged too.
 */
export async function triageFailure(r: {
  readonly agents: RoleAgents | undefined;
  readonly runId: string;
  readonly task: AnalyzedTask;
  readonly attempt: number;
  readonly failure: Failure;
  readonly evidence: readonly CheckEvidence[];
  readonly runSignal: AbortSignal;
  readonly log: TaskLog;
  readonly usage: AttemptUsage;
}): Promise<TriageRecord> {
  const context: FailureContext = {
    runId: r.runId,
    taskId: r.task.id,
    role: r.task.role,
    reason: r.failure.reason,
    message: r.failure.message,
    attempt: r.attempt,
    ...(r.evidence.length > 0 ? { checks: r.evidence } : {}),
  };
  r.log.section('triage');
  const at = (): string => new Date().toISOString();
  let note = '';
  if (r.agents) {
    const signal = AbortSignal.any([r.runSignal, AbortSignal.timeout(TRIAGE_TIMEOUT_MS)]);
    const answer = await r.agents.api.triage(r.agents.runtime, context, { signal });
    if (answer.ok) {
      r.usage.agentsUsed(answer.value.usage);
      r.log.line(`probable cause (manager): ${answer.value.probableCause}`);
      r.log.line(`next step: ${answer.value.nextStep}`);
      return { probableCause: answer.value.probableCause, nextStep: answer.value.nextStep, by: 'manager', at: at(), attempt: r.attempt };
    }
    note = ` (the manager agent could not answer: ${answer.error.reason}: ${answer.error.message})`;
  }
  const rules = ruleTriage(context);
  r.log.line(`probable cause (rules${note}): ${rules.probableCause}`);
  r.log.line(`next step: ${rules.nextStep}`);
  return { ...rules, by: 'rules', at: at(), attempt: r.attempt };
}
