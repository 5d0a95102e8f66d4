import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { repoWithGraph } from '../helpers/run.js';

// The token budget and triage as people and scripts see them: `run`, `poll` (table and --json)
// and `review`, through the built CLI (real Codex and agents against the offline model server).

const sh = (command: string): string => ['      ```sh', `      ${command}`, '      ```'].join('\n');

describe('a run that reaches its token budget', () => {
  it('starts nothing new once the budget is spent, ends failed with budget-exceeded, and says so in poll and review', async () => {
    const { repo } = repoWithGraph(`
settings:
  maxTokens: 1000
  concurrency: { builder: 1 }
tasks:
  - id: first
    role: builder
    prompt: |
${sh('echo first > first.txt')}
    verify: ["echo no second file; test -f second.txt"]
  - id: second
    role: builder
    prompt: |
${sh('echo second > second.txt')}
  - id: third
    role: builder
    prompt: |
${sh('echo third > third.txt')}
`);
    const run = await cli(['run', 'graph.yaml'], repo);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/note: the run reached its token budget: \d+ of 1000 tokens \(settings\.maxTokens\); no new task or attempt starts, running ones finish/);

    const poll = await cli(['poll', 'latest', '--json'], repo);
    expect(poll.code).toBe(1);
    const doc = JSON.parse(poll.stdout);
    expect(doc).toMatchObject({ status: 'failed', reason: 'budget-exceeded', agents: true, budget: { maxTokens: 1000, remaining: 0, reached: true } });
    expect(doc.budget.used).toBeGreaterThanOrEqual(1000);
    expect(doc.budget.used).toBe(doc.usage.total);
    expect(doc.usage.total).toBe(doc.codexUsage.total + doc.agentUsage.total);
    expect(doc.agentUsage.total).toBeGreaterThan(0);
    expect(doc.message).toMatch(/^budget-exceeded: the run used \d+ tokens of its budget of 1000 \(settings\.maxTokens\); 2 task\(s\) not started; 1 task\(s\) failed$/);
    // The task that was running finished its attempt (its check failed, and no fix followed); nothing else started.
    expect(doc.tasks.map((t: { id: string; status: string; reason: string | null; attempts: number }) => [t.id, t.status, t.reason, t.attempts])).toEqual([
      ['first', 'failed', 'verify-failed', 1],
      ['second', 'cancelled', 'budget-exceeded', 0],
      ['third', 'cancelled', 'budget-exceeded', 0],
    ]);
    const first = doc.tasks[0];
    expect(first.usage.total).toBe(first.codexUsage.total + first.agentUsage.total);
    expect(first.triage).toMatchObject({ by: 'manager' });
    expect(first.triage.probableCause).toBe('The verify command `echo no second file; test -f second.txt` exited 1: the change made by task "first" does not pass its own checks.');

    const table = await cli(['poll', 'latest'], repo);
    expect(table.stdout).toMatch(/^graph graph\.yaml {2}tokens (\d+) \(Codex \d+, agents \d+\); budget 1000, REACHED$/m);
    expect(table.stdout).toContain(`\n${doc.message}\n`);
    expect(table.stdout).toMatch(/^TASK\s+ROLE\s+STATUS\s+ATTEMPTS\s+WORKED\s+WAITED\s+DIFF\s+CHECKS\s+VERDICT\s+TOKENS$/m);
    expect(table.stdout).toMatch(new RegExp(`^first\\s+builder\\s+failed\\s+1\\s+\\S+\\s+-\\s+\\+1 -0 \\(1 file\\)\\s+0/1 FAILED\\s+-\\s+${first.usage.total}$`, 'm'));
    expect(table.stdout).toMatch(/^second\s+builder\s+cancelled\s+0\s+-\s+-\s+-\s+-\s+-\s+-$/m);
    expect(table.stdout).toContain(
      [
        'first: verify-failed: verify failed: `echo no second file; test -f second.txt` exited 1 (output in tasks/first/checks/1.log); no fix attempt: the run reached its token budget',
        `  probable cause: ${first.triage.probableCause}`,
        `  next step: ${first.triage.nextStep}`,
        'second: budget-exceeded: not started: the run reached its token budget (settings.maxTokens)',
        'third: budget-exceeded: not started: the run reached its token budget (settings.maxTokens)',
      ].join('\n'),
    );

    const review = await cli(['review', 'latest'], repo);
    expect(review.code).toBe(0);
    expect(review.stdout).toContain(`  triage:    ${first.triage.probableCause} (the manager agent)\n  next step: ${first.triage.nextStep}\n`);
    const reviewed = JSON.parse((await cli(['review', 'latest', '--json'], repo)).stdout);
    expect(reviewed.tasks[0]).toMatchObject({ triage: first.triage, fixAttempts: 0, tokens: { total: first.usage.total } });
    expect(path.basename(reviewed.runDir)).toBe(doc.runId);
  });

  it('--agents off runs the same graph without the agents layer', async () => {
    const { repo } = repoWithGraph(`
tasks:
  - id: only
    role: builder
    prompt: |
${sh('echo only > only.txt')}
    verify: ["test -f only.txt"]
`);
    const run = await cli(['run', 'graph.yaml', '--agents', 'off', '--json'], repo);
    expect(run.code, run.stderr).toBe(0);
    const doc = JSON.parse(run.stdout);
    expect(doc).toMatchObject({ status: 'succeeded', agents: false, agentUsage: { total: 0 }, budget: null, reason: null });
    expect(doc.codexUsage.total).toBe(doc.usage.total);
    const bad = await cli(['run', 'graph.yaml', '--agents', 'maybe'], repo);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('error: --agents must be on or off (got "maybe")\n  hint: on: builders and testers work through their role agents (the default); off: prompts go straight to Codex\n');
  });
});
