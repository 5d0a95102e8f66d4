import type { AgentFailure, RoleTurnFailure } from '../../../../agents/index.js';
import type { TurnOutcome } from '../../backends/backend.js';
import { abortTag, describeAbort } from '../../core/abort.js';
import type { TaskFailureReason } from '../../store/manifest.js';
import { classifyCodexError, classifyTurnError } from './failure-class.js';

/** Why a task attempt failed, and whether a retry may help. */
export interface Failure {
  readonly reason: TaskFailureReason;
  readonly message: string;
  readonly retryable: boolean;
}

export function abortFailure(signal: AbortSignal): Failure {
  const tag = abortTag(signal);
  if (tag?.kind === 'task-timeout') {
    return { reason: 'timeout', message: describeAbort(signal), retryable: false };
  }
  // A stop, or the run's timeout: the task is cancelled, and `resume` runs it again.
  return { reason: 'cancelled', message: describeAbort(signal), retryable: false };
}

export function classifyTurnFailure(turn: Extract<TurnOutcome, { status: 'failed' }>, signal: AbortSignal): Failure {
  switch (turn.reason) {
    case 'aborted':
      return abortFailure(signal);
    case 'turn-aborted':
      return { reason: 'turn-aborted', message: turn.message, retryable: false };
    case 'codex-error':
      return { ...classifyTurnError(turn.errorKind, turn.message), message: turn.message };
    case 'unsupported':
      return { reason: 'bad-config', message: turn.message, retryable: false };
    case 'process-exited':
    case 'protocol-error':
      return { reason: 'codex-exited', message: turn.message, retryable: true };
  }
}

/**
 * A role agent that gave no answer (its turn, a verdict, a triage): a model that could not be
 * reached or refused is classified like Codex's model errors (a rate limit or an outage is
 * retryable); an unusable answer or a run out of turns is the agent's failure.
 */
export function agentFailureOf(who: string, f: AgentFailure, signal: AbortSignal): Failure {
  switch (f.reason) {
    case 'aborted':
      return abortFailure(signal);
    case 'model-error':
      return { ...classifyCodexError(f.message), message: `${who}: the model failed: ${f.message}` };
    case 'invalid-output':
      return { reason: 'agent-failed', message: `${who} gave an answer that does not fit its schema: ${f.message}`, retryable: false };
    case 'max-turns':
      return { reason: 'agent-failed', message: `${who} used up its turns without an answer: ${f.message}`, retryable: false };
    case 'instructions-unreadable':
      return { reason: 'agent-failed', message: f.message, retryable: false };
  }
}

/** A builder's or tester's turn that did not complete. */
export function roleTurnFailure(role: string, f: RoleTurnFailure, signal: AbortSignal): Failure {
  if (f.reason === 'codex-failed') return classifyTurnFailure(f.turn, signal);
  return agentFailureOf(`the ${role} agent`, f, signal);
}

/** The most paths a `sandbox-escape` message names per kind (the log has them all). */
const NAMED = 10;

function named(paths: readonly string[]): string {
  const more = paths.length > NAMED ? ` and ${paths.length - NAMED} more (all in the task's log)` : '';
  return `${paths.slice(0, NAMED).join(', ')}${more}`;
}

/**
 * The task reached outside its worktree (`workspace/escape-watch.ts`): files there changed during
 * its turn, or its commands tried to write the checkout, its git folder or the run folder and
 * the sandbox denied it.
 */
export function escapeFailure(changed: readonly string[], denied: readonly string[]): Failure {
  const parts: string[] = [];
  if (changed.length > 0) parts.push(`files outside the task's worktree changed during its turn: ${named(changed)}`);
  if (denied.length > 0) parts.push(`the task tried to write outside its worktree and the sandbox denied it: ${named(denied)}`);
  const advice =
    changed.length > 0
      ? 'Check the changed files and restore what the task should not have changed (a change made while tasks ran is charged to every task running then); change the task so it writes only inside its worktree'
      : 'Change the task so it writes only inside its worktree';
  return { reason: 'sandbox-escape', message: `${parts.join('; ')}. ${advice}.`, retryable: false };
}

/**
 * A builder whose work changed no file: its diff against the task's base is empty (after a fix or
 * a rework too, since every follow-up's diff is measured from that base). A builder that silently
 * did nothing is not a success; one that is not meant to change files says `expectChanges: false`.
 */
export function noChangeFailure(): Failure {
  return {
    reason: 'no-change',
    message: 'the builder changed no file (its diff is empty); if this task is not meant to change files, set `expectChanges: false`',
    retryable: false,
  };
}

/** A tester that is not judged (no agents layer, or `judge: false`) whose checks ran nothing (`roles/no-tests.ts`). */
export function ranNothingFailure(nothing: readonly string[]): Failure {
  return { reason: 'verify-failed', message: `the checks ran no tests: ${nothing.join('; ')}`, retryable: false };
}
