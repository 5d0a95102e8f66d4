import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assess } from '../../src/migrate/assess/index.js';
import { HOURS_PER_DAY, share } from '../../src/migrate/assess/plan.js';
import type { AssessDocument } from '../../src/migrate/assess/schema.js';
import { assessFixture, NOW, treeOf } from './trees.js';

const FIXTURES = ['node-express-pg', 'django-celery', 'go-k8s', 'rust-crate', 'coordination'];
const IN_GIT = { kind: 'repository', subfolder: false, commits: 40, contributors: 3, firstCommit: '2024-01-02T10:00:00Z', lastCommit: '2026-02-27T16:00:00Z' } as const;

const stepIds = (doc: AssessDocument): string[] => doc.plan.steps.map((s) => `${s.phase}/${s.id}`);
const step = (doc: AssessDocument, id: string) => doc.plan.steps.find((s) => s.id === id);

describe('share: a phase’s hours over its steps', () => {
  it('gives every step at least half an hour and the rest by weight, largest remainders first', () => {
    expect(share(3, [1, 2, 1])).toEqual([1, 1, 1]);
    expect(share(6, [2, 2, 1, 1])).toEqual([2, 2, 1, 1]);
    expect(share(2, [1, 1, 1])).toEqual([1, 0.5, 0.5]);
    expect(share(0.5, [1, 1])).toEqual([0.5, 0]);
    expect(share(0, [])).toEqual([]);
  });

  it('always adds up to the phase, in half hours', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 400 }), fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 6 }), (units, weights) => {
        const shares = share(units / 2, weights);
        expect(shares.reduce((a, b) => a + b, 0)).toBe(units / 2);
        for (const s of shares) expect(Number.isInteger(s * 2) && s >= 0).toBe(true);
      }),
    );
  });
});

describe('plan', () => {
  it('adds up to the effort, and its timeline runs the phases one after another', async () => {
    for (const name of FIXTURES) {
      const doc = await assessFixture(name, IN_GIT);
      const total = doc.plan.steps.reduce((a, s) => a + s.hours, 0);
      expect(total, name).toBe(doc.scoring.effort.hours);
      let day = 0;
      for (const p of doc.plan.phases) {
        expect(p.startDay, `${name} ${p.name}`).toBe(day);
        expect(p.endDay - p.startDay, `${name} ${p.name}`).toBe(Math.ceil((p.hours / HOURS_PER_DAY) * 2) / 2);
        expect(p.hours, `${name} ${p.name}`).toBe(doc.plan.steps.filter((s) => s.phase === p.name).reduce((a, s) => a + s.hours, 0));
        day = p.endDay;
      }
    }
  });

  it('with a database: backs it up, isolates it per worktree, checks the migrations, rehearses the restore', async () => {
    const doc = await assessFixture('node-express-pg', IN_GIT);
    expect(doc.plan.phases.find((p) => p.name === 'data-migration')).toMatchObject({ skipped: null, hours: 8 });
    expect(stepIds(doc).filter((s) => s.startsWith('data-migration/'))).toEqual([
      'data-migration/data-backup',
      'data-migration/data-isolation',
      'data-migration/data-status',
      'data-migration/data-restore-drill',
    ]);
    expect(step(doc, 'data-backup')).toMatchObject({ risk: 'high', commands: ['pg_dump --format=custom --file=backup-postgresql.dump "$DATABASE_URL"'] });
    expect(step(doc, 'data-isolation')?.commands).toEqual(['docker compose -f docker-compose.yml up -d', 'npx knex migrate:latest']);
    expect(step(doc, 'data-status')?.commands).toEqual(['npx knex migrate:status']);
    expect(doc.plan.rollback).toMatchObject({ hours: 1.5, dataLossRisk: 'medium' });
    expect(doc.plan.rollback.commands).toContain('pg_restore --clean --if-exists --dbname="$DATABASE_URL" backup-postgresql.dump');
  });

  it('without a data store: the data-migration phase stays in the plan, skipped, with the reason', async () => {
    const doc = await assessFixture('rust-crate', IN_GIT);
    expect(doc.plan.phases.find((p) => p.name === 'data-migration')).toEqual({
      name: 'data-migration',
      skipped: 'skipped: no database, ORM or migration tool was detected, so there is no data to move, back up or keep in step',
      hours: 0,
      startDay: 1,
      endDay: 1,
    });
    expect(doc.plan.steps.some((s) => s.phase === 'data-migration')).toBe(false);
    expect(doc.plan.rollback).toMatchObject({ hours: 0.5, dataLossRisk: 'low' });
  });

  it("runs the project's own commands: the baseline, the worktree check and the comparison", async () => {
    const doc = await assessFixture('go-k8s', IN_GIT);
    expect(step(doc, 'prepare-branch')?.commands).toEqual(['git status --short', 'git fetch --all --prune', 'git switch -c migrate/codex-orchestrator']);
    expect(step(doc, 'prepare-baseline')?.commands).toEqual(['go mod download', 'go build ./...', 'make test']);
    expect(step(doc, 'test-worktree')?.commands).toEqual([
      'git worktree add ../go-k8s-check migrate/codex-orchestrator',
      'cd ../go-k8s-check && go mod download && go build ./... && make test',
      'git worktree remove ../go-k8s-check',
    ]);
    expect(step(doc, 'deploy-infrastructure')).toMatchObject({ risk: 'medium', commands: ['kubectl diff -f deploy/k8s'] });
    expect(step(doc, 'data-status')?.commands).toEqual(['migrate -path db/migrations -database "$DATABASE_URL" version']);
  });

  it('plans a step for each gap: characterisation tests, CI and a lockfile; not in git, it starts with a baseline commit', () => {
    const tree = treeOf({ 'package.json': JSON.stringify({ name: 'old', dependencies: { express: '4' } }), 'index.js': 'module.exports = 1;\n' });
    const doc = assess(tree, { path: 'old', name: 'old', report: 'r.md', now: NOW });
    expect(doc.plan.gaps).toEqual(['no tests', 'no CI', 'no lockfile (package.json)']);
    expect(stepIds(doc)).toEqual([
      'preparation/prepare-history',
      'preparation/prepare-baseline',
      'preparation/prepare-review',
      'configuration/configure-ignore',
      'configuration/configure-instructions',
      'configuration/configure-graph',
      'gap-implementation/gap-tests',
      'gap-implementation/gap-ci',
      'gap-implementation/gap-lockfile',
      'testing/test-worktree',
      'testing/test-trial-run',
      'testing/test-compare',
      'deployment/deploy-merge',
      'deployment/deploy-ci',
    ]);
    expect(step(doc, 'prepare-history')?.commands).toEqual(['git init', 'git add -A', 'git commit -m "Baseline before the migration"', 'git switch -c migrate/codex-orchestrator']);
    expect(step(doc, 'gap-tests')?.commands).toEqual([
      'npx codex-orchestrator plan "Characterisation tests for the current behaviour" --out tasks/characterisation-tests.yaml',
      'npm install --save-dev vitest',
      'npx vitest run',
    ]);
    expect(step(doc, 'gap-lockfile')?.commands).toEqual(['npm install --package-lock-only']);
    expect(doc.plan.rollback.dataLossRisk).toBe('medium');
    expect(doc.plan.rollback.how[0]).toBe('The folder had no git history: the baseline commit of the preparation phase is the only way back, so it is made before any other step.');
    expect(doc.plan.testing.acceptance).toContain('CI is green on the migration branch.');
    expect(doc.plan.success).toContain('CI runs on every push and on every pull request.');
  });

  it('with agent setups already there: brings AGENTS.md up to date and reconciles the others', async () => {
    const doc = await assessFixture('coordination', IN_GIT);
    expect(step(doc, 'configure-instructions')).toMatchObject({ title: "Bring AGENTS.md up to date with the project's commands", commands: ['git log -1 --format=%cs -- AGENTS.md'] });
    expect(step(doc, 'configure-reconcile')?.title).toBe("Reconcile the agent setups already present (codex, codex-exec-scripts) with the orchestrator's roles");
  });
});
