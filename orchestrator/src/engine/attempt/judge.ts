import type { AnalyzedTask } from '../../graph/analyzed.js';
import { ranNothing } from '../../roles/no-tests.js';
import type { CheckEvidence, Verdict } from '../../roles/verdict.js';
import type { CheckResult, VerdictSummary } from '../../store/manifest.js';
import type { RunWriter } from '../../store/run-writer.js';
import type { RoleAgents } from '../session/role-agents.js';
import type { DiffStat } from '../../workspace/git.js';
import { abortFailure, noChangeFailure, ranNothingFailure, type Failure } from './task-failure.js';
import type { TaskLog } from './task-log.js';
import type { AttemptUsage } from './task-usage.js';
import { giveVerdict } from './task-verdict.js';
import type { WorkResult } from './task-work.js';

/**
 * The attempt's judge stage: the tester's verdict when the task is judged (`task-verdict.ts`),
 * then whether the checked work passed. First failure wins: a stop or timeout, a failed check, no
 * verdict, a `fail` verdict, a tester whose checks ran nothing, a builder that changed nothing.
 */

/** What judging needs: the role agents (none: nothing is judged) and the writer for `verdict.json`. */
export interface JudgePort {
  readonly agents: RoleAgents | undefined;
  readonly writer: RunWriter;
}

export interface GivenVerdict {
  readonly verdict: Verdict;
  readonly summary: VerdictSummary;
  readonly path: string;
}

export interface Judged {
  readonly failure: Failure | undefined;
  readonly verdict: GivenVerdict | undefined;
}

export async function judge(
  p: JudgePort,
  task: AnalyzedTask,
  attempt: number,
  checked: {
    readonly diffText: string;
    readonly stat: DiffStat;
    readonly checks: readonly CheckResult[];
    readonly evidence: readonly CheckEvidence[];
    readonly commandsEnded: number;
    readonly work: WorkResult;
  },
  at: { readonly taskDir: string; readonly signal: AbortSignal; readonly log: TaskLog; readonly usage: AttemptUsage; readonly onUsage: () => void },
): Promise<Judged> {
  const { checks, evidence } = checked;
  const { signal } = at;
  const bad = checks.filter((c) => c.exitCode !== 0);
  // A tester whose checks ran nothing has tested nothing: never a pass.
  const nothing = task.role === 'tester' ? ranNothing(evidence, checked.commandsEnded) : [];
  let verdict: GivenVerdict | undefined;
  let verdictFailure: Failure | undefined;
  if (!signal.aborted && task.judge && p.agents) {
    const { work } = checked;
    const given = await giveVerdict({
      agents: p.agents,
      writer: p.writer,
      task,
      attempt,
      taskDir: at.taskDir,
      diff: checked.diffText,
      checks,
      evidence,
      report: work.report,
      testerVerdict: work.testerVerdict,
      ranNothing: nothing,
      signal,
      log: at.log,
      usage: at.usage,
    });
    at.onUsage();
    if (given.ok) verdict = given.value;
    else verdictFailure = given.error;
  }
  return { failure: failureOf(), verdict };

  function failureOf(): Failure | undefined {
    if (signal.aborted) return abortFailure(signal);
    if (bad.length > 0) {
      return {
        reason: 'verify-failed',
        message: `verify failed: ${bad.map((c) => `\`${c.command}\` exited ${c.exitCode ?? c.signal}${noTestsNote(evidence.find((e) => e.outputPath === c.outputPath))}`).join('; ')} (output in ${bad[0]?.outputPath})`,
        retryable: false,
      };
    }
    if (verdictFailure) return verdictFailure;
    if (verdict?.verdict.verdict === 'fail') {
      return { reason: 'verdict-failed', message: `the tester's verdict is fail: ${firstLine(verdict.verdict.summary)} (findings in ${verdict.path})`, retryable: false };
    }
    if (nothing.length > 0) return ranNothingFailure(nothing);
    if (task.expectChanges && checked.stat.files === 0) return noChangeFailure();
    return undefined;
  }
}

/** ` (it ran no tests: its output says "No tests found")`, for a failed check that says so. */
function noTestsNote(check: { readonly noTests?: string } | undefined): string {
  return check?.noTests ? ` (it ran no tests: ${check.noTests})` : '';
}

function firstLine(text: string): string {
  const line = text.trim().split('\n')[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}
