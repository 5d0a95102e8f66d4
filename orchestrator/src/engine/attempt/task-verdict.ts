import path from 'node:path';
import type { AnalyzedTask } from '../../graph/analyzed.js';
import { err, ok, type Result } from '../../core/result.js';
import { relativeToRun } from '../../store/layout.js';
import { checkCounts, type CheckResult, type VerdictSummary } from '../../store/manifest.js';
import { enforceTestsRan, type CheckEvidence, type Verdict } from '../../roles/verdict.js';
import type { RoleAgents } from '../session/role-agents.js';
import { agentFailureOf, type Failure } from './task-failure.js';
import type { TaskLog } from './task-log.js';
import type { AttemptUsage } from './task-usage.js';
import type { RunWriter } from '../../store/run-writer.js';

/**
 * The tester's verdict on a judged task (every tester by default; a builder when the graph says
 * `judge: true`): after the orchestrator's own checks, the tester agent reviews the task's diff and
 * check results (`judge`). Failed checks make the verdict `fail` whatever the agent says (enforced
 * in `roles/verdict.ts`); a tester that found a failure in its own work through Codex keeps its
 * `fail` too, and so does a tester whose checks ran nothing (no check at all, or a test runner
 * that found no tests: `roles/no-tests.ts`). The verdict is written to the task's `verdict.json` and summarised in the manifest.
 */

export interface VerdictRequest {
  readonly agents: RoleAgents;
  readonly writer: RunWriter;
  readonly task: AnalyzedTask;
  readonly attempt: number;
  readonly taskDir: string;
  /** The task's change (redacted, as in `diff.patch`). */
  readonly diff: string;
  readonly checks: readonly CheckResult[];
  readonly evidence: readonly CheckEvidence[];
  /** What the task's agent reported at the end of its work. */
  readonly report: string | undefined;
  /** A tester agent's own verdict from its work. */
  readonly testerVerdict: Verdict | undefined;
  /** What the checks of a tester ran nothing of (`ranNothing`); empty when they ran something, or for a builder. */
  readonly ranNothing: readonly string[];
  readonly signal: AbortSignal;
  readonly log: TaskLog;
  readonly usage: AttemptUsage;
}

export interface GivenVerdict {
  readonly verdict: Verdict;
  readonly summary: VerdictSummary;
  /** `verdict.json`, relative to the run folder. */
  readonly path: string;
}

export async function giveVerdict(r: VerdictRequest): Promise<Result<GivenVerdict, Failure>> {
  const { agents, task, log } = r;
  log.section('verdict (the tester agent, on the diff and the checks)');
  const judged = await agents.api.judge(agents.runtime, {
    task: { id: task.id, title: task.title, prompt: task.prompt, instructions: task.instructions },
    diff: r.diff,
    checks: r.evidence,
    report: [r.report, r.testerVerdict ? `Its own verdict while it worked: ${r.testerVerdict.verdict}: ${r.testerVerdict.summary}` : undefined].filter(Boolean).join('\n\n') || undefined,
    signal: r.signal,
  });
  if (!judged.ok) {
    const failure = agentFailureOf('the tester agent (verdict)', judged.error, r.signal);
    log.line(`(no verdict: ${failure.message})`);
    return err(failure);
  }
  r.usage.agentsUsed(judged.value.usage);
  let verdict = judged.value.verdict;
  // The tester's own work through Codex found a failure: a pass now would hide it.
  if (r.testerVerdict?.verdict === 'fail' && verdict.verdict === 'pass') {
    verdict = { verdict: 'fail', summary: `The tester's own checks through Codex failed: ${r.testerVerdict.summary}`, findings: [...r.testerVerdict.findings, ...verdict.findings] };
  }
  const tested = enforceTestsRan(verdict, r.ranNothing);
  verdict = tested.verdict;
  const overridden = judged.value.overridden || tested.overridden;
  const summary: VerdictSummary = { verdict: verdict.verdict, summary: verdict.summary, findings: verdict.findings.length, overridden };
  const file = path.join(r.taskDir, 'verdict.json');
  const content = {
    task: task.id,
    attempt: r.attempt,
    verdict: verdict.verdict,
    summary: verdict.summary,
    findings: verdict.findings,
    overridden,
    testerSaid: { verdict: judged.value.modelVerdict.verdict, summary: judged.value.modelVerdict.summary },
    checks: checkCounts(r.checks),
    model: agents.model,
    at: new Date().toISOString(),
  };
  await r.writer.replaceFile(file, `${JSON.stringify(r.writer.redactor.json(content), null, 2)}\n`);
  const why = judged.value.overridden ? ' (the tester said pass; failed checks overrule it)' : tested.overridden ? ' (the tester said pass; checks that ran no tests overrule it)' : '';
  log.line(`${verdict.verdict}${why}: ${verdict.summary}`);
  for (const f of verdict.findings) log.line(`  - ${f.severity}${f.file ? ` ${f.file}${f.line ? `:${f.line}` : ''}` : ''}: ${f.message}`);
  return ok({ verdict, summary, path: relativeToRun(r.writer.runDir, file) });
}
