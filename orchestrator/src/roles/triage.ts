import { z } from 'zod';
import { describeCheck, checkPassed, type CheckEvidence } from './verdict.js';

/**
 * Triage of a failed task: the manager agent's short diagnosis for people reading a run. Offline
 * (and whenever a deterministic answer is wanted) `ruleTriage` answers from the failure reason and
 * message alone.
 */

export const Triage = z.object({
  /** One or two sentences: what most likely went wrong, naming the command, file or dependency. */
  probableCause: z.string(),
  /** The single next step for a person: a command to run or a change to make. */
  nextStep: z.string(),
});
export type Triage = z.infer<typeof Triage>;

/** What the manager is told about a failed task. */
export interface FailureContext {
  readonly runId?: string;
  readonly taskId: string;
  readonly role: string;
  /** The kebab-case failure reason recorded in the manifest (`verify-failed`, `merge-conflict`, …). */
  readonly reason: string;
  readonly message: string;
  readonly attempt?: number;
  readonly checks?: readonly CheckEvidence[];
  /** The end of the task's log, when the caller has it. */
  readonly logTail?: string;
}

/** A deterministic triage from the failure reason and message. */
export function ruleTriage(f: FailureContext): Triage {
  const message = firstLine(f.message);
  const resume = f.runId ? `codex-orchestrator resume ${f.runId}` : 'codex-orchestrator resume <run-id>';
  const log = `.runs/${f.runId ?? '<run-id>'}/tasks/${f.taskId}/log.txt`;
  const retry = `codex-orchestrator retry ${f.runId ?? '<run-id>'} --task ${f.taskId}`;
  const send = (task: string): string => `codex-orchestrator send ${f.runId ?? '<run-id>'} --task ${task} "<what to fix>"`;
  // A tester whose checks ran nothing (`roles/no-tests.ts`) fails its checks or its verdict saying so.
  if (f.role === 'tester' && (f.reason === 'verify-failed' || f.reason === 'verdict-failed') && /\bran no tests\b/.test(message)) {
    return {
      probableCause: `The checks of tester "${f.taskId}" ran no tests, so it tested nothing: ${message}`,
      nextStep: `Give the tester \`verify\` commands that run the project's tests (or add the tests they should find), then run \`${retry} --reload\`.`,
    };
  }
  switch (f.reason) {
    case 'no-change':
      return {
        probableCause: `Task "${f.taskId}" ended without changing any file (its agent may only have looked or reported, or its edits did not apply): ${message}`,
        nextStep: `Read what the agent did (${log}), then tell the task what to change: \`${send(f.taskId)}\` (and \`${resume}\` if the run has ended); if the task is not meant to change files, set \`expectChanges: false\` on it in the graph and run \`${retry} --reload\`.`,
      };
    case 'verify-failed': {
      const failed = f.checks?.find((c) => !checkPassed(c));
      const output = failed?.outputPath ? `.runs/${f.runId ?? '<run-id>'}/${failed.outputPath}` : `checks/ beside ${log}`;
      if (f.role === 'tester') {
        return {
          probableCause: `${failed ? `The verify command ${describeCheck(failed)}` : `A verify command failed (${message})`}: what the dependencies of tester "${f.taskId}" built does not pass its checks.`,
          nextStep: `Read the check's output (${output}), fix the dependency at fault (\`${send('<builder>')}\`, or the graph), then run the graph again.`,
        };
      }
      return {
        probableCause: `${failed ? `The verify command ${describeCheck(failed)}` : `A verify command failed (${message})`}: the change made by task "${f.taskId}" does not pass its own checks.`,
        nextStep: `Read the check's output (${output}), then tell the task what to fix: \`${send(f.taskId)}\` (and \`${resume}\` if the run has ended).`,
      };
    }
    case 'verdict-failed':
      return {
        probableCause: `The checks of task "${f.taskId}" passed, but the tester agent's verdict is fail: ${message}`,
        nextStep:
          f.role === 'tester'
            ? `Read the findings (.runs/${f.runId ?? '<run-id>'}/tasks/${f.taskId}/verdict.json); if they hold, fix the dependency at fault (\`${send('<builder>')}\`, or the graph) and run the graph again.`
            : `Read the findings (.runs/${f.runId ?? '<run-id>'}/tasks/${f.taskId}/verdict.json); if they hold, \`${send(f.taskId)}\` with what to change (and \`${resume}\` if the run has ended).`,
      };
    case 'budget-exceeded':
      return {
        probableCause: `The run reached its token budget (settings.maxTokens), so task "${f.taskId}" was stopped short: ${message}`,
        nextStep: 'Raise settings.maxTokens in the graph (or look at which tasks used the tokens: codex-orchestrator poll <run-id>), then run the graph again.',
      };
    case 'setup-failed':
      return {
        probableCause: `The setup of task "${f.taskId}"'s worktree failed before its agent started: ${message}`,
        nextStep: `Read the setup command's output (.runs/${f.runId ?? '<run-id>'}/tasks/${f.taskId}/setup/), fix the command (\`setup\` in the graph, or settings.setup) or what it needs, then run \`${retry} --reload\`.`,
      };
    case 'merge-conflict':
      return {
        probableCause: `Two of the dependencies of task "${f.taskId}" changed the same lines, so their results cannot be merged: ${message}`,
        nextStep: 'Make one of the conflicting tasks depend on the other (or merge their branches by hand), then run the graph again.',
      };
    case 'timeout':
      return {
        probableCause: `Task "${f.taskId}" did not finish within its timeout: ${message}`,
        nextStep: `Raise the task's \`timeout\` in the graph, then run \`${retry} --reload\` (or split the task into smaller ones and run the graph again).`,
      };
    case 'codex-exited':
      return {
        probableCause: `The Codex process ended or the connection to it broke while it worked on task "${f.taskId}": ${message}`,
        nextStep: `Run \`${retry}\` (this failure is retryable); if it happens again, read Codex's messages in runner.log.`,
      };
    case 'turn-aborted':
      return {
        probableCause: `Codex ended its turn on task "${f.taskId}" without finishing it: ${message}`,
        nextStep: `Look at the last command in ${log}, then run \`${retry}\`.`,
      };
    case 'model-rate-limited':
      return {
        probableCause: `The model refused requests for task "${f.taskId}" with HTTP 429 (rate limit or quota): ${message}`,
        nextStep: `Wait for the limit to reset (or lower the graph's concurrency), then run \`${retry}\`.`,
      };
    case 'model-unavailable':
      return {
        probableCause: `The model service failed or was overloaded while working on task "${f.taskId}": ${message}`,
        nextStep: `Run \`${retry}\` once the service is back; the failure is retryable (raise \`retries\` to have runs retry it themselves).`,
      };
    case 'transport-error':
      return {
        probableCause: `The connection to the model broke while working on task "${f.taskId}": ${message}`,
        nextStep: `Check the network (and any proxy), then run \`${retry}\`.`,
      };
    case 'auth-failed':
      return {
        probableCause: `The model refused the credentials (missing or invalid API key) for task "${f.taskId}": ${message}`,
        nextStep: `Set a valid OPENAI_API_KEY (or unset it to use the offline stand-in), then run \`${retry}\`.`,
      };
    case 'sandbox-escape':
      return {
        probableCause: `Files outside task "${f.taskId}"'s worktree changed while it worked (its sandbox should have refused it, or something outside the sandbox made the change): ${message}`,
        nextStep:
          "Look at the named files and restore them, read the task's log for the command that wrote there, and change the task so it writes only inside its worktree; do not change the checkout while a run works.",
      };
    case 'sandbox-denied':
      return {
        probableCause: `Codex's sandbox refused something task "${f.taskId}" needed (it may write only inside its worktree): ${message}`,
        nextStep: 'Change the task so it works inside its worktree (no writes elsewhere, no network), then run the graph again.',
      };
    case 'bad-config':
      return {
        probableCause: `Codex or the model rejected the configuration or request of task "${f.taskId}": ${message}`,
        nextStep: 'Check the model name (CODEX_ORCHESTRATOR_MODEL) and the Codex configuration the message names, then run the graph again.',
      };
    case 'agent-failed':
      return {
        probableCause: `Codex or the model reported an error on task "${f.taskId}": ${message}`,
        nextStep: `If the error is about rate limits or the model service, wait and run \`${retry}\`; if it is about authentication, check OPENAI_API_KEY; otherwise fix what the error names.`,
      };
    case 'cancelled':
      return {
        probableCause: `The run was stopped (or reached its time limit) before task "${f.taskId}" finished: ${message}`,
        nextStep: `Run \`${resume}\` to continue where it stopped.`,
      };
    case 'not-needed':
      return {
        probableCause: `Task "${f.taskId}" is a rollback and everything it watches succeeded, so it had nothing to undo: ${message}`,
        nextStep: 'Nothing to do: a rollback that is not needed does not fail the run.',
      };
    case 'fan-out-empty':
      return {
        probableCause: `Task "${f.taskId}" fans out into the steps of a plan, and the plan lists none: ${message}`,
        nextStep: 'Have the plan list its steps as a numbered list, one per line (reject the gate that approved it, so its author revises it), then retry this task.',
      };
    case 'fan-out-invalid':
      return {
        probableCause: `Task "${f.taskId}" could not fan out into the steps of its plan: ${message}`,
        nextStep: 'Fix what the message names (the plan, or the ids and paths its steps make), then retry this task.',
      };
    case 'dependency-failed':
      return {
        probableCause: `Task "${f.taskId}" did not run because a task it depends on did not succeed: ${message}`,
        nextStep: 'Triage the failed dependency first; this task runs once it succeeds.',
      };
    case 'workspace-error':
      return {
        probableCause: `The orchestrator could not prepare or record the git worktree of task "${f.taskId}": ${message}`,
        nextStep: `Check free disk space and \`git worktree list\`, then run \`${retry}\`.`,
      };
    case 'internal-error':
      return {
        probableCause: `A bug in codex-orchestrator stopped task "${f.taskId}": ${message}`,
        nextStep: "Report it with the run's runner.log and manifest.json.",
      };
    default:
      return {
        probableCause: `Task "${f.taskId}" failed (${f.reason}): ${message}`,
        nextStep: `Read ${log}, fix what it shows, then run \`${retry}\`.`,
      };
  }
}

function firstLine(text: string): string {
  const line = text.trim().split('\n')[0] ?? '';
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}
