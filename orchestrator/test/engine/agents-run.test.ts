import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TraceRecord } from '../../../agents/tracing.js';
import { projectKeys, verifySeal } from '../../src/review/seal.js';
import type { Manifest } from '../../src/store/manifest.js';
import { readRunFile, repoWithGraph, runGraph, task } from '../helpers/run.js';
import { tempDir } from '../helpers/temp.js';

// Runs through the role agents (real @openai/agents and real Codex, the offline model server
// standing in for the model of both): the fix loop, verdicts, triage, the fixed cwd and sandbox,
// the trace. The offline stand-in carries out the fenced blocks of the latest message: a fix
// follow-up carries the task's own `fix` text, so its blocks are what a fix does offline.

/** A block of YAML lines indented under a `prompt: |` or `fix: |` key. */
const block = (...lines: string[]): string => lines.map((l) => `      ${l}`).join('\n');
const sh = (command: string): string => block('```sh', command, '```');
/** Whether Codex was given `marker` (its transcripts, in the run's private CODEX_HOME, hold its developer instructions). */
function codexSaw(repo: string, marker: string): boolean {
  const home = path.join(repo, '.codex-orchestrator', 'codex-home');
  return readdirSync(home, { recursive: true })
    .map(String)
    .filter((f) => /rollout-.*\.jsonl$/.test(f))
    .some((f) => readFileSync(path.join(home, f), 'utf8').includes(marker));
}
const MARKER = `instructions-marker-${process.pid}`;

/** A secret (by its name) the verify commands print: what the agents are told about a failure must not hold it. */
const TOKEN = `agents-run-token-${process.pid}-${Date.now()}`;

describe('a run through the role agents', () => {
  // Outside /tmp and the worktree: the workspace-write sandbox lets Codex write to neither.
  let outside: string;
  let elsewhere: string;
  let run: { manifest: Manifest; runDir: string; repo: string; ranIn: string };
  beforeAll(async () => {
    outside = mkdtempSync(path.join(homedir(), '.co-sandbox-test-'));
    elsewhere = tempDir('co-elsewhere-', 'file');
    const { repo, graph, runsDir } = repoWithGraph(`
tasks:
  - id: fixed
    role: builder
    retries: 0
    prompt: |
      Write one.txt; the check wants two.txt too, which only the fix writes.
${sh('echo one > one.txt')}
    verify: ["test -f two.txt"]
    fix: |
      Write the second file.
${sh('echo two > two.txt')}
  - id: never
    role: builder
    prompt: |
      The check looks for a file nobody writes.
${sh('echo attempt >> attempts.txt')}
    verify: ["echo looking for never.txt with $AGENTS_RUN_TOKEN; test -f never.txt"]
  - id: judged
    role: builder
    judge: true
    maxFixAttempts: 1
    prompt: |
      Write a file the checks accept and the tester does not.
${sh('echo judged > judged.txt')}
${block('```offline-verdict', 'fail', '```')}
    verify: ["test -f judged.txt"]
  - id: check-fixed
    role: tester
    deps: [fixed]
    prompt: |
      Look at both files.
${sh('cat one.txt two.txt')}
    verify: ["test -f one.txt && test -f two.txt"]
  - id: lenient-tester
    role: tester
    deps: [fixed]
    prompt: |
      Says pass whatever the checks say.
${sh('true')}
${block('```offline-verdict', 'pass', '```')}
    verify: ["echo the suite fails for $AGENTS_RUN_TOKEN; exit 4"]
    # A tester that reports only: its builders get no findings to rework.
    maxFixAttempts: 0
  - id: instructed
    role: builder
    instructions: |
      ## Codex

      Follow the house rules (${MARKER}-on).
    prompt: |
${sh('echo instructed > instructed.txt')}
  - id: escape
    role: builder
    prompt: |
      Ask for another folder and full access, then try to write outside the worktree.
${sh(`pwd > where.txt; touch ${outside}/escaped.txt 2> denied.txt; echo "exit $?" >> denied.txt`)}
${block('```offline-tool-args', JSON.stringify({ cwd: elsewhere, sandbox: 'danger-full-access', 'approval-policy': 'on-request' }), '```')}
`);
    const { manifest, runDir: ranIn } = await runGraph(graph, runsDir, { env: { AGENTS_RUN_TOKEN: TOKEN } });
    // The repository goes after the first test; the tests read a copy of it.
    const kept = path.join(tempDir('co-agents-run-', 'file'), 'project');
    cpSync(repo, kept, { recursive: true, verbatimSymlinks: true });
    run = { manifest, runDir: path.join(kept, '.runs', manifest.runId), repo: kept, ranIn };
  });
  afterAll(() => {
    rmSync(outside, { recursive: true, force: true });
  });

  it('fixes a builder that failed its check with a follow-up in its own Codex thread, and keeps both attempts’ artifacts', () => {
    const t = task(run.manifest, 'fixed');
    expect(t.status).toBe('succeeded');
    expect(t.attempts.map((a) => [a.n, a.status, a.reason ?? null, a.followUp?.from ?? null, a.followUp?.fix ?? null])).toEqual([
      [1, 'failed', 'verify-failed', null, null],
      [2, 'succeeded', null, 'fix', 1],
    ]);
    // The same Codex thread, continued (retries: 0, and still a second attempt: a fix is not a retry).
    const [first, second] = t.attempts;
    expect(first?.threadId).toMatch(/^[0-9a-f-]{36}$/);
    expect(second?.threadId).toBe(first?.threadId);
    expect(t.threadId).toBe(first?.threadId);
    // The fix follow-up carried the failing check and the task's own fix text.
    expect(second?.followUp?.prompt).toContain('this is fix 1 of 2');
    expect(second?.followUp?.prompt).toContain('- `test -f two.txt` exited 1 (whole output: tasks/fixed/attempt-1/checks/1.log)');
    expect(second?.followUp?.prompt).toContain('## What the task says about fixing it\n\nWrite the second file.\n```sh\necho two > two.txt\n```');
    // Each attempt keeps its own files.
    for (const f of ['log.txt', 'events.jsonl', 'diff.patch', 'checks.json', 'checks/1.log']) {
      expect(existsSync(path.join(run.runDir, 'tasks/fixed/attempt-1', f)), f).toBe(true);
      expect(existsSync(path.join(run.runDir, 'tasks/fixed', f)), f).toBe(true);
    }
    expect(JSON.parse(readRunFile(run.runDir, 'tasks/fixed/attempt-1/checks.json')).checks[0].exitCode).toBe(1);
    expect(JSON.parse(readRunFile(run.runDir, 'tasks/fixed/checks.json')).checks[0].exitCode).toBe(0);
    const log = readRunFile(run.runDir, 'tasks/fixed/log.txt');
    expect(log).toContain(`== follow-up (fix 1 of 2) on thread ${first?.threadId} ==`);
    expect(log).toContain(`-- codex call 1 (continues thread ${first?.threadId}); the agent's prompt:`);
    expect(log).toContain('$ echo two > two.txt');
    // The diff is the task's whole change against its base.
    const diff = readRunFile(run.runDir, 'tasks/fixed/diff.patch');
    expect(diff).toContain('+++ b/one.txt');
    expect(diff).toContain('+++ b/two.txt');
    // Tokens of both attempts, Codex's and the agents' apart.
    for (const a of t.attempts) {
      expect(a.codexUsage?.total).toBeGreaterThan(0);
      expect(a.agentUsage?.total).toBeGreaterThan(0);
      expect(a.usage?.total).toBe((a.codexUsage?.total ?? 0) + (a.agentUsage?.total ?? 0));
    }
    expect(t.usage?.total).toBe(t.attempts.reduce((sum, a) => sum + (a.usage?.total ?? 0), 0));
    // The agent's conversation is kept for a later session, beside Codex's transcripts: private, not in .runs/.
    const kept = path.join(run.repo, '.codex-orchestrator', 'codex-home', run.manifest.runId, 'role-agents', 'fixed.json');
    expect(statSync(kept).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(kept, 'utf8'))).toMatchObject({ threadId: first?.threadId });
  });

  it('stops a fix loop that never passes at its bound, failed, with a triage', () => {
    const t = task(run.manifest, 'never');
    expect(t.attempts.map((a) => [a.status, a.followUp?.fix ?? null])).toEqual([
      ['failed', null],
      ['failed', 1],
      ['failed', 2],
    ]);
    expect(t).toMatchObject({ status: 'failed', reason: 'verify-failed' });
    expect(t.message).toBe('verify failed: `echo looking for never.txt with $AGENTS_RUN_TOKEN; test -f never.txt` exited 1 (output in tasks/never/checks/1.log); after 2 fix attempts');
    // The fixes were told the check's output, as redacted in the run's files.
    expect(t.attempts[1]?.followUp?.prompt).toContain('looking for never.txt with [REDACTED:AGENTS_RUN_TOKEN]');
    expect(JSON.stringify(run.manifest)).not.toContain(TOKEN);
    expect(
      readdirSync(path.join(run.runDir, 'tasks/never'))
        .filter((n) => n.startsWith('attempt-'))
        .sort(),
    ).toEqual(['attempt-1', 'attempt-2']);
    expect(t.triage).toMatchObject({ by: 'manager', attempt: 3 });
    expect(t.triage?.probableCause).toContain('exited 1: the change made by task "never" does not pass its own checks');
    expect(t.triage?.nextStep).toContain(`codex-orchestrator send ${run.manifest.runId} --task never`);
    // Dependents of nothing; the run as a whole failed.
    expect(run.manifest.reason).toBe('tasks-failed');
  });

  it('judges a builder when the graph asks, and a fail verdict goes to the fix loop too', () => {
    const t = task(run.manifest, 'judged');
    expect(t.attempts.map((a) => [a.status, a.reason, a.verdict?.verdict])).toEqual([
      ['failed', 'verdict-failed', 'fail'],
      ['failed', 'verdict-failed', 'fail'],
    ]);
    expect(t.checks?.map((c) => c.exitCode)).toEqual([0]);
    expect(t.message).toMatch(/^the tester's verdict is fail: .* \(findings in tasks\/judged\/verdict\.json\); after 1 fix attempt$/);
    expect(t.attempts[1]?.followUp?.prompt).toContain("## The tester's verdict: fail");
    expect(t.verdict).toMatchObject({ verdict: 'fail', attempt: 2, path: 'tasks/judged/verdict.json' });
  });

  it('gives every tester task a verdict: verdict.json, summarised in the manifest', () => {
    const ok = task(run.manifest, 'check-fixed');
    expect(ok.status).toBe('succeeded');
    expect(ok.verdict).toEqual({ verdict: 'pass', summary: '1 of 1 check(s) passed.', findings: 0, overridden: false, attempt: 1, path: 'tasks/check-fixed/verdict.json' });
    expect(ok.attempts[0]?.verdict).toEqual({ verdict: 'pass', summary: '1 of 1 check(s) passed.', findings: 0, overridden: false });
    const file = JSON.parse(readRunFile(run.runDir, 'tasks/check-fixed/verdict.json'));
    expect(file).toMatchObject({ task: 'check-fixed', attempt: 1, verdict: 'pass', findings: [], overridden: false, checks: { passed: 1, failed: 0, total: 1 }, model: 'offline-stand-in' });
    expect(ok.artifacts.verdict?.path).toBe('tasks/check-fixed/verdict.json');
    // A builder is not judged unless the graph says so.
    expect(task(run.manifest, 'fixed').verdict).toBeUndefined();
    expect(existsSync(path.join(run.runDir, 'tasks/fixed/verdict.json'))).toBe(false);
  });

  it('never lets a tester pass a task whose checks failed; the failed tester gets a triage and no fix', () => {
    const t = task(run.manifest, 'lenient-tester');
    expect(t).toMatchObject({ status: 'failed', reason: 'verify-failed' });
    expect(t.attempts).toHaveLength(1);
    expect(t.verdict).toMatchObject({ verdict: 'fail', overridden: true, findings: 1 });
    const file = JSON.parse(readRunFile(run.runDir, 'tasks/lenient-tester/verdict.json'));
    expect(file.testerSaid.verdict).toBe('pass');
    expect(file.findings[0].message).toBe(
      "the orchestrator's checks failed (`echo the suite fails for $AGENTS_RUN_TOKEN; exit 4` exited 4), so the verdict is fail: a tester cannot pass a task whose checks fail",
    );
    expect(t.triage?.probableCause).toBe(
      'The verify command `echo the suite fails for $AGENTS_RUN_TOKEN; exit 4` exited 4: what the dependencies of tester "lenient-tester" built does not pass its checks.',
    );
  });

  it('keeps Codex in the task’s worktree and sandbox whatever the model asks for', () => {
    const t = task(run.manifest, 'escape');
    expect(t.status).toBe('succeeded');
    const diff = readRunFile(run.runDir, 'tasks/escape/diff.patch');
    // pwd ran in the worktree (the diff shows the file it wrote there, holding the worktree's path).
    expect(diff).toMatch(new RegExp(`\\+\\+\\+ b/where\\.txt\\n@@ -0,0 \\+1 @@\\n\\+${path.join(run.manifest.repo.worktrees ?? '', 'escape').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\n`));
    expect(readdirSync(elsewhere)).toEqual([]);
    // The sandbox stayed workspace-write: a write outside the worktree was refused.
    expect(existsSync(path.join(outside, 'escaped.txt'))).toBe(false);
    expect(diff).toMatch(/\+touch: cannot touch '.*escaped\.txt': (Read-only file system|Permission denied|Operation not permitted)\n\+exit 1\n/);
    expect(readRunFile(run.runDir, 'tasks/escape/log.txt')).toContain('# the agent also asked for cwd, sandbox, approval-policy: not taken (the orchestrator fixes cwd, sandbox and approval)');
  });

  it('gives Codex the task’s own instructions', () => {
    expect(task(run.manifest, 'instructed').status).toBe('succeeded');
    expect(codexSaw(run.repo, `${MARKER}-on`)).toBe(true);
  });

  it('keeps the secret out of everything it wrote, verdicts, traces and fix follow-ups included', () => {
    const files = readdirSync(run.runDir, { recursive: true })
      .map(String)
      .filter((f) => !f.startsWith('worktrees'));
    const leaks = files.filter((f) => {
      try {
        return readFileSync(path.join(run.runDir, f), 'latin1').includes(TOKEN);
      } catch {
        return false; // a folder
      }
    });
    expect(files).toContain(path.join('tasks', 'lenient-tester', 'verdict.json'));
    expect(leaks).toEqual([]);
  });

  it('writes trace.jsonl in the run folder, naming the agents and tasks, under the seal', async () => {
    const records = readRunFile(run.runDir, 'trace.jsonl')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as TraceRecord);
    const agents = new Set(records.filter((r) => r.type === 'agent').map((r) => r.name));
    expect([...agents].sort()).toEqual(['builder', 'manager', 'tester']);
    const traces = records.filter((r) => r.type === 'trace');
    expect(traces.map((r) => r.name)).toContain('task fixed, attempt 2');
    expect(traces.find((r) => r.name === 'task fixed, attempt 2')?.data).toEqual({ groupId: run.manifest.runId, run: run.manifest.runId, task: 'fixed', attempt: '2' });
    // No prompt text in it.
    expect(readRunFile(run.runDir, 'trace.jsonl')).not.toContain('only the fix writes');
    const seal = await verifySeal(run.runDir, projectKeys(path.join(run.repo, '.runs'), process.env));
    expect(seal.ok && seal.value.subjects.has('trace.jsonl')).toBe(true);
    expect(run.manifest.settings.agents).toBe(true);
    // The run's tokens are its tasks', Codex's and the agents' apart.
    const sum = (f: (t: Manifest['tasks'][number]) => number | undefined): number => run.manifest.tasks.reduce((s, t) => s + (f(t) ?? 0), 0);
    expect(run.manifest.usage.total).toBe(sum((t) => t.usage?.total));
    expect(run.manifest.agentUsage?.total).toBe(sum((t) => t.agentUsage?.total));
    expect(run.manifest.codexUsage?.total).toBe(sum((t) => t.codexUsage?.total));
  });
});

describe('a run without the agents layer', () => {
  it('sends prompts and fixes straight to Codex’s thread, judges nothing, triages by rules, writes no trace', async () => {
    const { graph, runsDir } = repoWithGraph(`
tasks:
  - id: fixed
    role: builder
    prompt: |
${sh('echo one > one.txt')}
    verify: ["test -f two.txt"]
    fix: |
${sh('echo two > two.txt')}
  - id: check
    role: tester
    deps: [fixed]
    prompt: |
${sh('cat two.txt')}
    verify: ["exit 2"]
    maxFixAttempts: 0
  - id: instructed
    role: builder
    instructions: |
      ## Codex

      Follow the house rules (${MARKER}-off).
    prompt: |
${sh('echo instructed > instructed.txt')}
`);
    const { manifest, runDir } = await runGraph(graph, runsDir, { agents: false });
    // The task's own `## Codex` instructions reach Codex without the agents layer too.
    expect(codexSaw(path.dirname(runsDir), `${MARKER}-off`)).toBe(true);
    expect(manifest.settings.agents).toBe(false);
    const fixed = task(manifest, 'fixed');
    expect(fixed.status).toBe('succeeded');
    expect(fixed.attempts.map((a) => a.followUp?.from ?? null)).toEqual([null, 'fix']);
    expect(fixed.attempts[1]?.threadId).toBe(fixed.attempts[0]?.threadId);
    expect(fixed.agentUsage?.total).toBe(0);
    const check = task(manifest, 'check');
    expect(check).toMatchObject({ status: 'failed', reason: 'verify-failed' });
    expect(check.verdict).toBeUndefined();
    expect(check.triage?.by).toBe('rules');
    expect(existsSync(path.join(runDir, 'trace.jsonl'))).toBe(false);
    expect(readFileSync(path.join(runDir, 'runner.log'), 'utf8')).toContain("agents: off (each task's prompt goes straight to Codex; nothing is judged; triage by rules)");
  });
});
