import { z } from 'zod';

/**
 * The tester's verdict on a task, and the rule the orchestrator enforces on it: a task whose
 * checks failed never passes, whatever the tester agent says. The schema is the tester agent's
 * structured output, so every field is required; "unknown" is `null`, not a missing key.
 */

export const Severity = z.enum(['error', 'warning', 'info']);
export type Severity = z.infer<typeof Severity>;

/** One problem the tester found. */
export const Finding = z.object({
  /** The file the problem is in, relative to the worktree, or null when not known. */
  file: z.string().nullable(),
  /** 1-based line in `file`, or null. */
  line: z.number().int().nullable(),
  severity: Severity,
  message: z.string(),
});
export type Finding = z.infer<typeof Finding>;

export const Verdict = z.object({
  /** `pass` only when everything the tester was to verify passed. (Named as in a task's `verdict.json`, which `review` shows.) */
  verdict: z.enum(['pass', 'fail']),
  /** One paragraph for people. */
  summary: z.string(),
  findings: z.array(Finding),
});
export type Verdict = z.infer<typeof Verdict>;

/** A check the orchestrator ran (a task's `verify` command), as evidence for a verdict. */
export interface CheckEvidence {
  readonly command: string;
  /** null when the command was killed (timeout, stop). */
  readonly exitCode: number | null;
  readonly signal?: string | null;
  readonly timedOut?: boolean;
  /** The end of the command's output, when the caller has it. */
  readonly output?: string;
  /** Where the whole output is, relative to the run folder. */
  readonly outputPath?: string;
  /** Why its output says it ran no tests (`roles/no-tests.ts`), when it does. */
  readonly noTests?: string;
}

export function checkPassed(check: CheckEvidence): boolean {
  return check.exitCode === 0 && check.timedOut !== true;
}

/** `npm test` exited 1 / was killed after its timeout / ended by SIGTERM. */
export function describeCheck(check: CheckEvidence): string {
  if (check.timedOut === true) return `\`${check.command}\` was killed (timeout or stop)`;
  if (check.exitCode === null) return `\`${check.command}\` ended by ${check.signal ?? 'a signal'}`;
  return `\`${check.command}\` exited ${check.exitCode}`;
}

/** A verdict with the checks rule applied; `overridden` tells that the tester said `pass` and the checks said otherwise. */
export interface EnforcedVerdict {
  readonly verdict: Verdict;
  readonly overridden: boolean;
}

/**
 * Applies the rule that code, not the model, enforces: any failed check makes the verdict `fail`,
 * with a finding that says which checks failed and that the tester's `pass` was overruled.
 */
export function enforceChecks(verdict: Verdict, checks: readonly CheckEvidence[]): EnforcedVerdict {
  const failed = checks.filter((c) => !checkPassed(c));
  if (failed.length === 0 || verdict.verdict === 'fail') return { verdict, overridden: false };
  const finding: Finding = {
    file: null,
    line: null,
    severity: 'error',
    message: `the orchestrator's checks failed (${failed.map(describeCheck).join('; ')}), so the verdict is fail: a tester cannot pass a task whose checks fail`,
  };
  return {
    verdict: { verdict: 'fail', summary: `Failed checks overrule the tester's pass. The tester said: ${verdict.summary}`, findings: [finding, ...verdict.findings] },
    overridden: true,
  };
}

/**
 * The rule for a tester whose checks ran nothing (`ranNothing` in `roles/no-tests.ts`): its
 * verdict is `fail`, with a finding that says what ran nothing and why, since a tester that
 * tested nothing cannot vouch for the task. `overridden` tells that the tester had said `pass`.
 */
export function enforceTestsRan(verdict: Verdict, nothing: readonly string[]): EnforcedVerdict {
  if (nothing.length === 0) return { verdict, overridden: false };
  const what = nothing.join('; ');
  const finding: Finding = { file: null, line: null, severity: 'error', message: `the checks ran no tests (${what}), so the verdict is fail: a tester cannot pass a task it did not test` };
  if (verdict.verdict === 'fail') return { verdict: { ...verdict, findings: [finding, ...verdict.findings] }, overridden: false };
  return {
    verdict: { verdict: 'fail', summary: `The checks ran no tests, so the verdict is fail: ${what}. The tester said: ${verdict.summary}`, findings: [finding, ...verdict.findings] },
    overridden: true,
  };
}

/** The verdict the checks alone give: what the offline stand-in answers, and a fallback. */
export function verdictFromChecks(checks: readonly CheckEvidence[]): Verdict {
  const failed = checks.filter((c) => !checkPassed(c));
  const summary =
    checks.length === 0
      ? 'No checks to judge by; nothing failed.'
      : `${checks.length - failed.length} of ${checks.length} check(s) passed${failed.length ? `; failed: ${failed.map(describeCheck).join('; ')}` : ''}.`;
  return {
    verdict: failed.length === 0 ? 'pass' : 'fail',
    summary,
    findings: failed.map((c) => ({ file: null, line: null, severity: 'error' as const, message: `${describeCheck(c)}${c.output ? `: ${lastLines(c.output, 5)}` : ''}` })),
  };
}

function lastLines(text: string, n: number): string {
  return text.trimEnd().split('\n').slice(-n).join('\n');
}
