import { appendFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { WorkspaceIndex } from '../../src/migrate/workspace/registry.js';
import { cli } from '../helpers/cli.js';
import { exampleRepo, git } from '../helpers/temp.js';

// `migrate plan` and `migrate status` end to end with the built CLI (no run: no Codex here),
// and the errors of `migrate run` that come before a run.

const WS = 'migrations/migration_move-billing-to-postgres';
const INDEX = '.codex/migrate/index.json';

function legacyRepo(): string {
  return exampleRepo('legacy-billing', 'co-migrate-plan-');
}

const noStack = (stderr: string): void => {
  expect(stderr).not.toMatch(/internal error|^\s+at .*:\d+/m);
};

describe('codex-orchestrator migrate plan', () => {
  it('makes the workspace from an assessment, registers it, and its graph validates', async () => {
    const root = legacyRepo();
    expect((await cli(['migrate', 'assess', '--output', 'report.md'], root)).code).toBe(0);
    const r = await cli(['migrate', 'plan', 'Move billing to Postgres', '--from-assessment', 'report.md', '--json'], root);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`workspace ${WS}/ (15 tasks: 6 phases, 6 gates, 3 parallel workstreams), MIG-1 seeded from report.md`);
    expect(readdirSync(path.join(root, WS)).sort()).toEqual(['artifacts', 'journal.md', 'plan.md', 'prompt.txt', 'runs', 'tasks.json']);
    expect(readFileSync(path.join(root, WS, 'artifacts', 'assessment-report.md'), 'utf8')).toBe(readFileSync(path.join(root, 'report.md'), 'utf8'));
    const doc = JSON.parse(r.stdout) as { schema: string; workspace: { slug: string; path: string; runs: string[] } };
    expect(doc).toMatchObject({ schema: 'codex-orchestrator/migrate-plan@1', workspace: { slug: 'move-billing-to-postgres', path: WS, runs: [], assessment: 'report.md' } });
    const index = WorkspaceIndex.parse(JSON.parse(readFileSync(path.join(root, INDEX), 'utf8')));
    expect(index.workspaces.map((w) => w.path)).toEqual([WS]);
    const graph = JSON.parse(readFileSync(path.join(root, WS, 'tasks.json'), 'utf8')) as { tasks: { id: string; prompt?: string }[] };
    expect(graph.tasks.find((t) => t.id === 'mig-1-assessment')?.prompt).toContain('# Migration assessment: ');
    const validated = await cli(['validate', `${WS}/tasks.json`], root);
    expect(validated.code, validated.stderr).toBe(0);
    expect(readFileSync(path.join(root, WS, 'journal.md'), 'utf8')).toMatch(/\| created \| workspace created by migrate plan from report\.md \|\n$/);
    // The checkout is as it was, but for the new files.
    expect(git(root, 'status', '--porcelain')).toBe('?? .codex/\n?? migrations/migration_move-billing-to-postgres/\n?? report.md');
  });

  it('refuses a workspace that exists, a file that is no assessment, and a missing one (exit 2, nothing changed)', async () => {
    const root = legacyRepo();
    expect((await cli(['migrate', 'plan', 'Move billing to Postgres'], root)).code).toBe(0);
    const before = readFileSync(path.join(root, INDEX), 'utf8');
    const again = await cli(['migrate', 'plan', 'Move billing to Postgres'], root);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`error: the workspace ${WS}/ exists already\n  hint: continue it with: codex-orchestrator migrate run --workspace ${WS}`);
    writeFileSync(path.join(root, 'notes.md'), '# Notes\n');
    const notReport = await cli(['migrate', 'plan', 'Other', '--from-assessment', 'notes.md'], root);
    expect(notReport).toMatchObject({ code: 2 });
    expect(notReport.stderr).toContain('error: --from-assessment: notes.md is not a migrate assess report');
    const missing = await cli(['migrate', 'plan', 'Other', '--from-assessment', 'nope.md'], root);
    expect(missing.stderr).toContain('error: --from-assessment: nope.md does not exist');
    expect(readFileSync(path.join(root, INDEX), 'utf8')).toBe(before);
    expect(existsSync(path.join(root, 'migrations', 'migration_other'))).toBe(false);
    for (const r of [again, notReport, missing]) noStack(r.stderr);
  });

  it('names the place of a broken index (file:line:col) and never overwrites it', async () => {
    const root = legacyRepo();
    expect((await cli(['migrate', 'setup'], root)).code).toBe(0);
    const file = path.join(root, INDEX);
    writeFileSync(file, '{\n  "schema": "codex-orchestrator/migrate-index@1",\n  "workspaces": [\n    { "slug": 7 }\n  ]\n}\n');
    const broken = readFileSync(file, 'utf8');
    const r = await cli(['migrate', 'plan', 'Move billing to Postgres'], root);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('.codex/migrate/index.json:4:5: error: workspaces[0].');
    noStack(r.stderr);
    expect(readFileSync(file, 'utf8')).toBe(broken);
    appendFileSync(file, '}');
    const syntax = await cli(['migrate', 'status'], root);
    expect(syntax.code).toBe(2);
    expect(syntax.stderr).toMatch(/\.codex\/migrate\/index\.json:\d+:\d+: error: index\.json is not valid JSON/);
  });
});

describe('codex-orchestrator migrate status and run', () => {
  it('status before a run: MIG-1, no gate waiting, the scout workstream ready (text and JSON)', async () => {
    const root = legacyRepo();
    const none = await cli(['migrate', 'status'], root);
    expect(none).toMatchObject({ code: 0 });
    expect(none.stderr).toContain('no migration workspace yet');
    expect((await cli(['migrate', 'plan', 'Move billing to Postgres'], root)).code).toBe(0);
    const r = await cli(['migrate', 'status', '--json'], root);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      schema: 'codex-orchestrator/migrate-status@1',
      workspaces: [{ slug: 'move-billing-to-postgres', run: null, phase: { tag: 'MIG-1', status: 'pending' }, gatesWaiting: [], readyParallel: ['parallel-scout'] }],
    });
    expect(r.stderr).toContain('  phase:    MIG-1 Assessment (task pending, gate pending)');
  });

  it('run and status name a workspace that does not exist (exit 2)', async () => {
    const root = legacyRepo();
    const empty = await cli(['migrate', 'run'], root);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('error: no migration workspace yet');
    expect((await cli(['migrate', 'plan', 'Move billing to Postgres'], root)).code).toBe(0);
    for (const sub of ['run', 'status', 'execute']) {
      const r = await cli(['migrate', sub, '--workspace', 'migrations/nope'], root);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`error: --workspace: migrations/nope is not a migration workspace of this project\n  hint: its workspaces are: ${WS}`);
      noStack(r.stderr);
    }
    const foreign = await cli(['migrate', 'status', '--from-assessment', 'x'], root);
    expect(foreign.stderr).toContain('error: --from-assessment is not an option of migrate status');
    const execute = await cli(['migrate', 'execute', 'x', '--status', 'finished'], root);
    expect(execute.stderr).toContain('error: --status: "finished" is not one of done, blocked, running');
    expect(execute.code).toBe(2);
  });
});
