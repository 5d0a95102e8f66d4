import type { AnalyzedTask } from '../../graph/analyzed.js';
import type { CheckEvidence, Verdict } from '../../roles/verdict.js';
import { describeCheck, checkPassed } from '../../roles/verdict.js';
import type { FollowUp, TaskFailureReason } from '../../store/manifest.js';
import { fenced } from './check-evidence.js';

/**
 * The fix loop: when a builder's work fails verification (its checks, or the tester's verdict on a
 * judged builder), the orchestrator sends the failing output and the findings as a follow-up to the
 * task's own Codex thread, through the same machinery as a rework or `send` (a `FollowUp` with
 * `from: 'fix'`), and verifies again. At most `maxFixAttempts` times in a row; fix attempts do not
 * count against `retries`, which are for failures of the transport. Testers do not fix: they report.
 *
 *   attempt ─► checks, verdict ─► pass ─► succeeded
 *                    └─► fail ─► fix k of max left? ─► yes: follow-up (from: fix, fix: k) ─► attempt …
 *                                                 └─► no: failed (triage)
 *
 * Whether a fix follows is decided with retries and the end in one place: `nextStep()`
 * (`next-step.ts`).
 */

/** Failures a fix may mend: the work was done but did not pass. */
const FIXABLE: ReadonlySet<TaskFailureReason> = new Set(['verify-failed', 'verdict-failed']);

export function fixable(task: Pick<AnalyzedTask, 'role'>, reason: TaskFailureReason): boolean {
  return task.role === 'builder' && FIXABLE.has(reason);
}

/** Fixes used in a row so far: the number of the attempt's fix, if it was one (a rework or `send` starts over). */
export function fixesUsed(followUp: FollowUp | undefined): number {
  return followUp?.from === 'fix' ? (followUp.fix ?? 1) : 0;
}

export interface FixRequest {
  readonly task: Pick<AnalyzedTask, 'id' | 'maxFixAttempts' | 'fix'>;
  /** The attempt that failed. */
  readonly attempt: number;
  /** The fix this follow-up is (1 for the first). */
  readonly fix: number;
  readonly evidence: readonly CheckEvidence[];
  /** The tester's verdict on the failed attempt, when the task is judged. */
  readonly verdict: Verdict | undefined;
}

/**
 * The follow-up a fix sends: what failed, with the end of each failed check's output (as redacted
 * in the run's files; where the whole output is once the attempt's files move to `attempt-<n>/`),
 * the tester's findings, and the task's own `fix` text.
 */
export function fixPrompt(r: FixRequest): string {
  const { task } = r;
  return evidencePrompt(r, [
    `The work on task "${task.id}" did not pass verification after attempt ${r.attempt}, so this is fix ${r.fix} of ${task.maxFixAttempts}: change it in this same worktree so that it passes. The orchestrator runs the task's checks again afterwards.`,
  ]);
}

/**
 * What a tester's findings say to each builder it depends on: the tester's failed checks and
 * verdict, as a fix does (`fixPrompt`), for round `fix` of the tester's `maxFixAttempts`.
 */
export function findingsPrompt(r: FixRequest): string {
  const { task } = r;
  return evidencePrompt(r, [
    `The tester "${task.id}", which checks your work together with that of the other tasks it depends on, found problems in attempt ${r.attempt} (round ${r.fix} of ${task.maxFixAttempts}). Change your work in this same worktree so that what it found is mended; the tester runs again once you and the other tasks it depends on are done.`,
  ]);
}

function evidencePrompt(r: FixRequest, lines: string[]): string {
  const { task } = r;
  const failed = r.evidence.filter((c) => !checkPassed(c));
  if (failed.length > 0) {
    lines.push('', '## Failed checks');
    for (const c of failed) {
      const where = c.outputPath ? c.outputPath.replace(`tasks/${task.id}/`, `tasks/${task.id}/attempt-${r.attempt}/`) : undefined;
      lines.push('', `- ${describeCheck(c)}${where ? ` (whole output: ${where})` : ''}${c.output ? '; the end of its output:' : ''}`);
      if (c.output) lines.push('', fenced('text', c.output));
    }
  }
  const findings = r.verdict?.verdict === 'fail' ? r.verdict.findings : [];
  if (r.verdict?.verdict === 'fail') {
    lines.push('', "## The tester's verdict: fail", '', r.verdict.summary);
    for (const f of findings) lines.push(`- ${f.severity}${f.file ? ` ${f.file}${f.line ? `:${f.line}` : ''}` : ''}: ${f.message}`);
  }
  if (task.fix) lines.push('', '## What the task says about fixing it', '', task.fix.trim());
  return `${lines.join('\n')}\n`;
}
