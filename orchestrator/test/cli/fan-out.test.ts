import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/store/manifest.js';
import { cli, type CliResult } from '../helpers/cli.js';
import { repoWithGraph, task } from '../helpers/run.js';
import { git, tempDir } from '../helpers/temp.js';

/**
 * A fan-out with the real Codex on the offline stand-in: a plan with two numbered steps, approved
 * at its gate, grows the graph during the run by each step, its gate and its rollback.
 */

const PLAN = 'plan/PLAN.md';

const GRAPH = `settings:
  agents: false
tasks:
  - id: plan
    role: builder
    prompt: |
      Write the plan from this template.

      \`\`\`artifact ${PLAN}
      # Plan
      ## Steps
      1. Add a: <fill: what is changed> (verify: test -f a.txt)
      2. Add b: <fill: what is changed> (verify: test -f b.txt)
      \`\`\`
  - id: gate-plan
    role: gate
    deps: [plan]
    approval:
      criteria: [The steps are small]
      artifact: ${PLAN}
      author: plan
      sections: [Steps]
  - id: execute
    role: builder
    deps: [gate-plan]
    fanOut: { artifact: ${PLAN}, section: Steps, from: gate-plan }
    prompt: |
      Log what the steps did.

      \`\`\`artifact plan/LOG.md
      # Log
      ## Steps Completed
      <fill: each step and what it changed>
      \`\`\`
`;

const STEP_1 = '1. Add a: Offline stand-in: what is changed (verify: test -f a.txt)';
const STEP_2 = '2. Add b: Offline stand-in: what is changed (verify: test -f b.txt)';
const ADDED = ['execute-step-1', 'gate-execute-step-1', 'rollback-execute-step-1', 'execute-step-2', 'gate-execute-step-2', 'rollback-execute-step-2'];

interface Setup {
  readonly repo: string;
  readonly env: NodeJS.ProcessEnv;
  manifest(id: string): Manifest;
  events(id: string): { kind: string; task?: string; [k: string]: unknown }[];
  run(args: readonly string[]): Promise<CliResult>;
}

function setup(graph: string = GRAPH): Setup {
  const { repo } = repoWithGraph(graph);
  const env = { CODEX_ORCHESTRATOR_KEYS_DIR: path.join(tempDir(), 'keys') };
  const runDir = (id: string): string => path.join(repo, '.runs', id);
  return {
    repo,
    env,
    manifest: (id) => JSON.parse(readFileSync(path.join(runDir(id), 'manifest.json'), 'utf8')) as Manifest,
    events: (id) =>
      readFileSync(path.join(runDir(id), 'events.ndjson'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { kind: string; task?: string }),
    run: (args) => cli(args, repo, env),
  };
}

const approve = (s: Setup, runId: string, gate: string): Promise<CliResult> => s.run(['approve', runId, '--task', gate, '--reviewer', 'ada']);

async function toFirstStepGate(s: Setup): Promise<string> {
  const first = await s.run(['run', 'graph.yaml', '--exit-at-gates', '--json']);
  expect(first.code, first.stderr).toBe(0);
  const runId = (JSON.parse(first.stdout) as { runId: string }).runId;
  expect(s.manifest(runId).status).toBe('awaiting-approval');
  expect((await approve(s, runId, 'gate-plan')).code).toBe(0);
  const resumed = await s.run(['resume', runId, '--exit-at-gates']);
  expect(resumed.code, resumed.stderr).toBe(0);
  return runId;
}

describe('a fan-out with the real Codex', () => {
  it('grows the graph by the approved steps, runs them in order through their gates, the fan-out last; the rollbacks are not needed', async () => {
    const s = setup();
    const runId = await toFirstStepGate(s);
    let m = s.manifest(runId);
    expect(m.tasks.map((t) => t.id)).toEqual(['plan', 'gate-plan', 'execute', ...ADDED]);
    const expanded = s.events(runId).filter((e) => e.kind === 'graph-expanded');
    expect(expanded).toHaveLength(1);
    expect(expanded[0]).toMatchObject({ task: 'execute', steps: [STEP_1, STEP_2], deps: { execute: ['gate-execute-step-1', 'gate-execute-step-2'] } });
    expect(task(m, 'execute')).toMatchObject({ status: 'pending', deps: ['gate-plan', 'gate-execute-step-1', 'gate-execute-step-2'], attempts: [] });
    expect(task(m, 'execute-step-1').status).toBe('succeeded');
    expect(task(m, 'gate-execute-step-1')).toMatchObject({
      status: 'awaiting-approval',
      approval: { artifact: 'plan/execute-step-1.md', author: 'execute-step-1', sections: ['What Changed', 'Verification', 'Rollback'], revise: false },
    });
    expect(task(m, 'execute-step-2').status).toBe('pending');
    expect(m.status).toBe('awaiting-approval');
    // The step's report, written by the stand-in from the step's template.
    expect(git(s.repo, 'show', `${task(m, 'execute-step-1').resultCommit}:plan/execute-step-1.md`)).toContain(`# Step 1: ${STEP_1}`);
    const log = readFileSync(path.join(s.repo, '.runs', runId, 'runner.log'), 'utf8');
    expect(log).toContain(`execute fanned out into 2 steps: ${STEP_1}; ${STEP_2}`);
    const poll = await s.run(['poll', runId]);
    expect(poll.stdout).toContain(`\nexecute fanned out into 2 steps (6 tasks: a step, its gate and its rollback each; execute runs after the last gate):\n  ${STEP_1}\n  ${STEP_2}\n`);
    const polled = JSON.parse((await s.run(['poll', runId, '--json'])).stdout) as { tasks: { id: string; expansion: unknown; when: unknown }[] };
    expect(polled.tasks.find((t) => t.id === 'execute')?.expansion).toMatchObject({ steps: [STEP_1, STEP_2], tasks: ADDED });
    expect(polled.tasks.find((t) => t.id === 'rollback-execute-step-1')?.when).toBe('failure');
    const review = await s.run(['review', runId, '--task', 'execute']);
    expect(review.stdout).toContain('execute fanned out into 2 steps');

    expect((await approve(s, runId, 'gate-execute-step-1')).code).toBe(0);
    expect((await s.run(['resume', runId, '--exit-at-gates'])).code).toBe(0);
    m = s.manifest(runId);
    expect(task(m, 'rollback-execute-step-1')).toMatchObject({ status: 'skipped', reason: 'not-needed' });
    expect(task(m, 'execute-step-2').status).toBe('succeeded');
    expect(task(m, 'gate-execute-step-2').status).toBe('awaiting-approval');
    expect(task(m, 'execute').status).toBe('pending');

    expect((await approve(s, runId, 'gate-execute-step-2')).code).toBe(0);
    const last = await s.run(['resume', runId, '--exit-at-gates']);
    expect(last.code, last.stderr).toBe(0);
    m = s.manifest(runId);
    expect(m.status).toBe('succeeded');
    expect(m.tasks.map((t) => [t.id, t.status, t.reason ?? null])).toEqual([
      ['plan', 'succeeded', null],
      ['gate-plan', 'approved', null],
      ['execute', 'succeeded', null],
      ['execute-step-1', 'succeeded', null],
      ['gate-execute-step-1', 'approved', null],
      ['rollback-execute-step-1', 'skipped', 'not-needed'],
      ['execute-step-2', 'succeeded', null],
      ['gate-execute-step-2', 'approved', null],
      ['rollback-execute-step-2', 'skipped', 'not-needed'],
    ]);
    // The fan-out ran once, last, on both steps' work.
    expect(task(m, 'execute').attempts).toHaveLength(1);
    const result = task(m, 'execute').resultCommit as string;
    expect(git(s.repo, 'show', `${result}:plan/LOG.md`)).toContain('## Steps Completed');
    expect(git(s.repo, 'show', `${result}:plan/execute-step-2.md`)).toContain('# Step 2');
    expect(s.events(runId).filter((e) => e.kind === 'graph-expanded')).toHaveLength(1);
  });

  it("rejecting a step's gate runs its rollback (kept), skips the later steps and the fan-out, and the run fails", async () => {
    const s = setup();
    const runId = await toFirstStepGate(s);
    const rejected = await s.run(['reject', runId, '--task', 'gate-execute-step-1', '--reviewer', 'ada', '--reason', 'Step 1 broke the build']);
    expect(rejected.code, rejected.stderr).toBe(0);
    const resumed = await s.run(['resume', runId, '--exit-at-gates']);
    expect(resumed.code).toBe(1);
    const m = s.manifest(runId);
    expect(m.status).toBe('failed');
    expect(m.reason).toBe('tasks-failed');
    expect(m.tasks.map((t) => [t.id, t.status, t.reason ?? null])).toEqual([
      ['plan', 'succeeded', null],
      ['gate-plan', 'approved', null],
      ['execute', 'skipped', 'dependency-failed'],
      ['execute-step-1', 'succeeded', null],
      ['gate-execute-step-1', 'rejected', null],
      ['rollback-execute-step-1', 'succeeded', null],
      ['execute-step-2', 'skipped', 'dependency-failed'],
      ['gate-execute-step-2', 'skipped', 'dependency-failed'],
      ['rollback-execute-step-2', 'skipped', 'dependency-failed'],
    ]);
    // The gate was not sent back to its author (approval.revise: false): the step ran once.
    expect(task(m, 'execute-step-1').attempts).toHaveLength(1);
    const rollback = task(m, 'rollback-execute-step-1');
    // The rollback worked on the step's result, and its own result is kept.
    expect(git(s.repo, 'show', `${rollback.resultCommit}:plan/execute-step-1.md`)).toContain('# Step 1');
    expect(git(s.repo, 'show', `${rollback.resultCommit}:plan/execute-step-1-rollback.md`)).toContain('## What Was Undone');
    expect(m.integration?.merged).toContain('rollback-execute-step-1');
  });

  it('killed right after the expansion event, resume brings the grown graph back and nothing expands twice', async () => {
    const s = setup();
    const first = await s.run(['run', 'graph.yaml', '--exit-at-gates', '--json']);
    expect(first.code, first.stderr).toBe(0);
    const runId = (JSON.parse(first.stdout) as { runId: string }).runId;
    expect((await approve(s, runId, 'gate-plan')).code).toBe(0);
    // In the foreground: the kill seam ends the process (SIGKILL) right after it appended the event;
    // the Codex it started ends with its stdin, and the next resume ends whatever works in the worktrees.
    const killed = await cli(['resume', runId, '--exit-at-gates'], s.repo, { ...s.env, CODEX_ORCHESTRATOR_KILL_AFTER_EVENT: 'graph-expanded' });
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    // The log ends in the expansion; the manifest on disk has not seen it.
    const log = s.events(runId);
    expect(log.at(-1)?.kind).toBe('graph-expanded');
    expect(s.manifest(runId).tasks.map((t) => t.id)).toEqual(['plan', 'gate-plan', 'execute']);

    const resumed = await s.run(['resume', runId, '--exit-at-gates']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const m = s.manifest(runId);
    expect(m.tasks.map((t) => t.id)).toEqual(['plan', 'gate-plan', 'execute', ...ADDED]);
    expect(s.events(runId).filter((e) => e.kind === 'graph-expanded')).toHaveLength(1);
    expect(m.expansions?.map((e) => e.task)).toEqual(['execute']);
    expect(task(m, 'execute-step-1').status).toBe('succeeded');
    expect(task(m, 'gate-execute-step-1').status).toBe('awaiting-approval');
    expect(m.status).toBe('awaiting-approval');
  });

  it('fails the fan-out task, naming the artifact and section, when the plan has no numbered step', async () => {
    const s = setup(GRAPH.replace(/ {6}1\. Add a.*\n {6}2\. Add b.*\n/, '      <fill: the steps>\n'));
    const first = await s.run(['run', 'graph.yaml', '--exit-at-gates', '--json']);
    const runId = (JSON.parse(first.stdout) as { runId: string }).runId;
    expect((await approve(s, runId, 'gate-plan')).code).toBe(0);
    expect((await s.run(['resume', runId, '--exit-at-gates'])).code).toBe(1);
    const m = s.manifest(runId);
    expect(m.status).toBe('failed');
    const execute = task(m, 'execute');
    expect(execute.status).toBe('failed');
    expect(execute.reason).toBe('fan-out-empty');
    expect(execute.message).toMatch(
      /^nothing to fan out into: the plan plan\/PLAN\.md \(from plan's result, commit [0-9a-f]{12}\) has no numbered item in its "Steps" section; list the steps there, one per line \("1\. Title: what is changed \(verify: command\)"\), then retry execute$/,
    );
    expect(m.tasks).toHaveLength(3);
    expect(s.events(runId).some((e) => e.kind === 'graph-expanded')).toBe(false);
  });
});
