import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/store/manifest.js';
import { cli } from '../helpers/cli.js';
import { task } from '../helpers/run.js';
import { exampleRepo, git, tempDir } from '../helpers/temp.js';

// The migration workflow end to end, offline, with the built CLI, the real Codex and the
// stand-in model: setup → assess the shipped legacy example → plan a workspace from the
// assessment → run, stopping at each phase's gate → approve, reject (the phase revises) → MIG-4's
// fan-out into gated steps with rollbacks → … → the last gate.

const WS = 'migrations/migration_move-billing-to-postgres';
const GATES = ['gate-mig-1-assessment', 'gate-mig-2-strategy', 'gate-mig-3-execution-plan', 'gate-mig-4-execute', 'gate-mig-5-validation', 'gate-mig-6-rollback-readiness'];

function legacyRepo(): { root: string; env: NodeJS.ProcessEnv } {
  return { root: exampleRepo('legacy-billing', 'co-migrate-flow-'), env: { CODEX_ORCHESTRATOR_KEYS_DIR: path.join(tempDir(), 'keys') } };
}

describe('a migration, offline, from assessment to the last gate', () => {
  it('stops at every gate with its artifact; approvals move it on, a rejection is revised; the journal has every decision', async () => {
    const { root, env } = legacyRepo();
    const run = (...args: string[]) => cli(args, root, env);
    expect((await run('migrate', 'setup')).code).toBe(0);
    expect((await run('migrate', 'assess', '--path', '.', '--output', 'report.md')).code).toBe(0);
    expect((await run('migrate', 'plan', 'Move billing to Postgres', '--from-assessment', 'report.md')).code).toBe(0);

    const first = await run('migrate', 'run', '--json');
    expect(first.code, first.stderr).toBe(0);
    const runId = (JSON.parse(first.stdout) as { runId: string }).runId;
    const manifest = (): Manifest => JSON.parse(readFileSync(path.join(root, '.runs', runId, 'manifest.json'), 'utf8')) as Manifest;
    const artifactOf = (m: Manifest, author: string, file: string): string => git(root, 'show', `${task(m, author).resultCommit}:${WS}/artifacts/${file}`);

    // MIG-1 waits at its gate with its artifact, written from the template and seeded from the assessment.
    let m = manifest();
    expect(m.status).toBe('awaiting-approval');
    expect(task(m, 'gate-mig-1-assessment').status).toBe('awaiting-approval');
    expect(task(m, 'mig-2-strategy').status).toBe('pending');
    expect(task(m, 'parallel-scout').status).toBe('succeeded');
    const mig1 = artifactOf(m, 'mig-1-assessment', 'MIG-1-assessment.md');
    for (const section of ['Migration', 'Motivation', 'Affected Components', 'Breaking Changes', 'Data Compatibility', 'Risk Level', 'Risk Factors']) expect(mig1).toContain(`## ${section}\n`);
    expect(mig1).not.toContain('<fill:');
    const review = await run('review', runId, '--task', 'gate-mig-1-assessment');
    expect(review.stdout + review.stderr).toContain('Every affected component is named with its path');
    const status = await run('migrate', 'status', '--json');
    expect(JSON.parse(status.stdout)).toMatchObject({ workspaces: [{ run: { id: runId, status: 'awaiting-approval' }, phase: { tag: 'MIG-1' }, gatesWaiting: ['gate-mig-1-assessment'] }] });

    // Approve MIG-1: the run continues to MIG-2's gate. Reject it: MIG-2 revises, its gate waits again.
    expect((await run('approve', runId, '--task', 'gate-mig-1-assessment', '--reviewer', 'ada', '--note', 'complete')).code).toBe(0);
    expect((await run('migrate', 'run')).code).toBe(0);
    expect(task(manifest(), 'gate-mig-2-strategy').status).toBe('awaiting-approval');
    const rejected = await run('reject', runId, '--task', 'gate-mig-2-strategy', '--reviewer', 'bob', '--reason', 'Weigh dual writes as an alternative');
    expect(rejected.code, rejected.stderr).toBe(0);
    expect(JSON.parse((await run('migrate', 'status', '--json')).stdout)).toMatchObject({ workspaces: [{ phase: { tag: 'MIG-2', status: 'revising', gateStatus: 'pending' } }] });
    expect((await run('migrate', 'run')).code).toBe(0);
    m = manifest();
    expect(task(m, 'gate-mig-2-strategy').status).toBe('awaiting-approval');
    expect(task(m, 'mig-2-strategy').attempts).toHaveLength(2);
    expect(artifactOf(m, 'mig-2-strategy', 'MIG-2-strategy.md')).toMatch(/## Revision\n\n> A reviewer \(bob\) rejected gate gate-mig-2-strategy[\s\S]*> Weigh dual writes as an alternative/);

    // Every later gate in turn, MIG-4's step gates among them; the workstreams run beside the phases.
    const approvedInOrder: string[] = [];
    for (let round = 0; round < 20 && manifest().status === 'awaiting-approval'; round++) {
      const waiting = manifest()
        .tasks.filter((t) => t.status === 'awaiting-approval')
        .map((t) => t.id);
      expect(waiting).toHaveLength(1);
      const gate = waiting[0]!;
      const approved = await run('approve', runId, '--task', gate, '--reviewer', 'ada');
      expect(approved.code, approved.stderr).toBe(0);
      approvedInOrder.push(gate);
      const next = await run('migrate', 'run');
      expect(next.code, next.stderr).toBe(0);
    }
    // MIG-4 fanned out into the approved plan's steps, each gated, each with a rollback not needed.
    const steps = ['mig-4-execute-step-1', 'mig-4-execute-step-2'];
    expect(approvedInOrder).toEqual([...GATES.slice(1, 3), ...steps.map((s) => `gate-${s}`), ...GATES.slice(3)]);
    for (const step of steps) {
      expect(task(manifest(), step).status).toBe('succeeded');
      expect(task(manifest(), `rollback-${step}`)).toMatchObject({ status: 'skipped', reason: 'not-needed' });
    }
    m = manifest();
    expect(m.status).toBe('succeeded');
    for (const gate of GATES) expect(task(m, gate).status).toBe('approved');
    for (const id of ['parallel-scout', 'parallel-telemetry', 'parallel-docs']) expect(task(m, id).status).toBe('succeeded');
    expect(JSON.parse((await run('migrate', 'status', '--json')).stdout)).toMatchObject({ workspaces: [{ run: { status: 'succeeded' }, phase: null, gatesWaiting: [] }] });

    // The journal: the creation, the run's start and continuations, and a row per decision.
    const journal = readFileSync(path.join(root, WS, 'journal.md'), 'utf8');
    const decisions = journal.split('\n').filter((l) => / \| (approved|rejected) \| /.test(l));
    expect(decisions.map((l) => l.split(' | ').slice(1, 4))).toEqual([
      ['ada', 'gate-mig-1-assessment', 'approved'],
      ['bob', 'gate-mig-2-strategy', 'rejected'],
      ...approvedInOrder.map((g) => ['ada', g, 'approved']),
    ]);
    expect(journal).toContain('| Weigh dual writes as an alternative |');
    // The last approval ended the run (nothing depends on the last gate): migrate run says so.
    const ended = await run('migrate', 'run');
    expect(ended.code).toBe(0);
    expect(ended.stderr).toContain(`the workspace's run ${runId} has ended succeeded: nothing is left to run`);
    // Nothing of the run reached the user's checkout but the workspace, the setup and the report.
    expect(git(root, 'status', '--porcelain')).toBe('?? .codex/\n?? .runs/\n?? migrations/migration_move-billing-to-postgres/\n?? report.md');
  }, 240_000);
});
