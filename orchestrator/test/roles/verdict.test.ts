import { describe, expect, it } from 'vitest';
import { ruleTriage } from '../../src/roles/triage.js';
import { TaskFailureReason } from '../../src/store/manifest.js';
import { enforceChecks, Verdict, verdictFromChecks } from '../../src/roles/verdict.js';

const pass: Verdict = { verdict: 'pass', summary: 'Looks good.', findings: [] };

describe('verdict rule', () => {
  it('keeps a pass when every check passed, and any fail as it is', () => {
    expect(enforceChecks(pass, [{ command: 'npm test', exitCode: 0 }])).toEqual({ verdict: pass, overridden: false });
    const fail: Verdict = { verdict: 'fail', summary: 'Broken.', findings: [{ file: 'a.js', line: 3, severity: 'error', message: 'typo' }] };
    expect(enforceChecks(fail, [{ command: 'npm test', exitCode: 0 }])).toEqual({ verdict: fail, overridden: false });
  });

  it('turns a pass with a failed, killed or timed-out check into a fail that says so', () => {
    const checks = [
      { command: 'npm test', exitCode: 1 },
      { command: 'npm run lint', exitCode: null, signal: 'SIGKILL' },
      { command: 'make e2e', exitCode: 0, timedOut: true },
      { command: 'true', exitCode: 0 },
    ];
    expect(enforceChecks(pass, checks)).toEqual({
      overridden: true,
      verdict: {
        verdict: 'fail',
        summary: "Failed checks overrule the tester's pass. The tester said: Looks good.",
        findings: [
          {
            file: null,
            line: null,
            severity: 'error',
            message:
              "the orchestrator's checks failed (`npm test` exited 1; `npm run lint` ended by SIGKILL; `make e2e` was killed (timeout or stop)), so the verdict is fail: a tester cannot pass a task whose checks fail",
          },
        ],
      },
    });
  });

  it('judges from checks alone for the offline stand-in', () => {
    expect(verdictFromChecks([])).toEqual({ verdict: 'pass', summary: 'No checks to judge by; nothing failed.', findings: [] });
    expect(verdictFromChecks([{ command: 'npm test', exitCode: 1, output: 'a\nb\nnot ok 1 - adds\n' }]).findings).toEqual([
      { file: null, line: null, severity: 'error', message: '`npm test` exited 1: a\nb\nnot ok 1 - adds' },
    ]);
  });

  it('is the schema the tester answers in: every field required, unknowns as null', () => {
    expect(Verdict.safeParse({ verdict: 'pass', summary: 's', findings: [{ severity: 'info', message: 'm' }] }).success).toBe(false);
    expect(Verdict.safeParse({ verdict: 'maybe', summary: 's', findings: [] }).success).toBe(false);
  });
});

describe('rule triage', () => {
  it('names the failed check and where its output is', () => {
    expect(
      ruleTriage({
        runId: 'r1',
        taskId: 'api',
        role: 'builder',
        reason: 'verify-failed',
        message: 'verify failed: `npm test` exited 1',
        checks: [{ command: 'npm test', exitCode: 1, outputPath: 'tasks/api/checks/1.log' }],
      }),
    ).toEqual({
      probableCause: 'The verify command `npm test` exited 1: the change made by task "api" does not pass its own checks.',
      nextStep:
        'Read the check\'s output (.runs/r1/tasks/api/checks/1.log), then tell the task what to fix: `codex-orchestrator send r1 --task api "<what to fix>"` (and `codex-orchestrator resume r1` if the run has ended).',
    });
  });

  it('answers every reason, known or not, from the reason and the first line of the message', () => {
    const reasons = [...TaskFailureReason.options.filter((r) => r !== 'verify-failed'), 'something-new'];
    const answers = reasons.map((reason) => ruleTriage({ taskId: 't', role: 'builder', reason, message: 'first line\nsecond line' }));
    expect(new Set(answers.map((a) => a.nextStep)).size).toBe(reasons.length);
    for (const a of answers) {
      expect(a.probableCause).toContain('first line');
      expect(a.probableCause).not.toContain('second line');
    }
    expect(answers.at(-1)?.probableCause).toBe('Task "t" failed (something-new): first line');
  });
});

describe('rule triage of work that did nothing', () => {
  it('tells a builder that changed no file what to change, or how to say it is not meant to', () => {
    expect(
      ruleTriage({
        runId: 'r1',
        taskId: 'api',
        role: 'builder',
        reason: 'no-change',
        message: 'the builder changed no file (its diff is empty); if this task is not meant to change files, set `expectChanges: false`',
      }),
    ).toEqual({
      probableCause:
        'Task "api" ended without changing any file (its agent may only have looked or reported, or its edits did not apply): the builder changed no file (its diff is empty); if this task is not meant to change files, set `expectChanges: false`',
      nextStep:
        'Read what the agent did (.runs/r1/tasks/api/log.txt), then tell the task what to change: `codex-orchestrator send r1 --task api "<what to fix>"` (and `codex-orchestrator resume r1` if the run has ended); if the task is not meant to change files, set `expectChanges: false` on it in the graph and run `codex-orchestrator retry r1 --task api --reload`.',
    });
  });

  it('tells a tester whose checks ran no tests to check something', () => {
    const message = 'the checks ran no tests: `node --test` ran no tests (its output says "tests 0")';
    const expected = {
      probableCause: `The checks of tester "t" ran no tests, so it tested nothing: ${message}`,
      nextStep: "Give the tester `verify` commands that run the project's tests (or add the tests they should find), then run `codex-orchestrator retry r1 --task t --reload`.",
    };
    expect(ruleTriage({ runId: 'r1', taskId: 't', role: 'tester', reason: 'verify-failed', message })).toEqual(expected);
    const verdict = "the tester's verdict is fail: The checks ran no tests, so the verdict is fail: the task has no verify commands and its work ran no command. The tester said: …";
    expect(ruleTriage({ runId: 'r1', taskId: 't', role: 'tester', reason: 'verdict-failed', message: verdict }).nextStep).toBe(expected.nextStep);
  });
});
