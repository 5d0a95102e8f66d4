import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { fence, tempRepo } from '../helpers/temp.js';

// `plan` end to end: the built CLI, the manager agent (real @openai/agents) and the offline model.

const SLUG = 'add-a-shout-name-function';

describe('codex-orchestrator plan', () => {
  it('plans from the feature pattern: a graph that validate accepts and a checklist with one item per task', async () => {
    const repo = tempRepo();
    const r = await cli(['plan', 'Add a shout(name) function', '--pattern', 'feature'], repo);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `planned 4 tasks (2 builder, 1 tester, 1 gate) from the pattern "feature" with the offline stand-in model:\n  tasks/${SLUG}.yaml\n  tasks/tasks-${SLUG}.md\n` +
        'verify: no checks found in the project (package.json scripts, pytest, a Makefile test or check target, go.mod, Cargo.toml); give the builders and testers `verify` commands (a tester whose checks run nothing fails)\n' +
        `next: codex-orchestrator validate tasks/${SLUG}.yaml   then: codex-orchestrator run tasks/${SLUG}.yaml\n`,
    );
    const validate = await cli(['validate', `tasks/${SLUG}.yaml`, '--json'], repo);
    expect(validate.code).toBe(0);
    expect(JSON.parse(validate.stdout)).toMatchObject({ valid: true, name: SLUG, tasks: 4, order: ['implement', 'write-tests', 'test', 'review'] });
    const graph = readFileSync(path.join(repo, 'tasks', `${SLUG}.yaml`), 'utf8');
    expect(graph).toContain('    deps: [implement, write-tests]\n');
    expect(graph).not.toContain('verify:');
    expect(graph.match(/^ {4}checklist: .*$/gm)).toEqual(['implement', 'write-tests', 'test', 'review'].map((id) => `    checklist: tasks/tasks-${SLUG}.md#${id}`));
    expect(graph).toContain('      Add a shout(name) function\n');
    expect(readFileSync(path.join(repo, 'tasks', `tasks-${SLUG}.md`), 'utf8')).toBe(
      [
        `# ${SLUG} checklist`,
        '',
        `Each item is linked from a task of \`tasks/${SLUG}.yaml\` (its \`checklist\` field).`,
        "A reviewer's approval ticks the item; a rejection unticks it.",
        '',
        '- [ ] implement: Implement: Add a shout(name) function',
        '- [ ] write-tests: Write tests: Add a shout(name) function',
        '- [ ] test: Test: Add a shout(name) function',
        '- [ ] review: Review: Add a shout(name) function',
        '',
      ].join('\n'),
    );
  });

  it("plans from the migration pattern: the gated phases with their artifacts under the slug's workspace", async () => {
    const repo = tempRepo();
    const r = await cli(['plan', 'Move billing to Postgres', '--pattern', 'migration', '--json'], repo);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('planned 15 tasks (9 builder, 0 tester, 6 gate) from the pattern "migration"');
    const validate = await cli(['validate', 'tasks/move-billing-to-postgres.yaml', '--json'], repo);
    expect(validate.code, validate.stderr).toBe(0);
    const graph = readFileSync(path.join(repo, 'tasks', 'move-billing-to-postgres.yaml'), 'utf8');
    expect(graph).toContain('artifact: migrations/migration_move-billing-to-postgres/artifacts/MIG-1-assessment.md');
    expect(graph).toContain('author: mig-1-assessment');
    expect(graph).not.toContain('{{');
  });

  it("writes the project's own checks into every builder and tester, and its dependency install as setup, and says which it found", async () => {
    const repo = tempRepo({
      'package.json': JSON.stringify({ name: 'p', scripts: { test: 'node --test', lint: 'eslint .', start: 'node .' } }),
      'package-lock.json': '{}\n',
    });
    const r = await cli(['plan', 'Add a shout(name) function', '--out', 'tasks/shout.yaml', '--json'], repo);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr.split('\n')).toContain('verify: npm run lint (package.json scripts.lint), npm test (package.json scripts.test); added to implement, write-tests, test');
    expect(JSON.parse(r.stdout)).toMatchObject({
      verify: {
        commands: [
          { command: 'npm run lint', source: 'package.json scripts.lint' },
          { command: 'npm test', source: 'package.json scripts.test' },
        ],
        addedTo: ['implement', 'write-tests', 'test'],
      },
      setup: { commands: [{ command: 'npm ci --prefer-offline --no-audit', source: 'package-lock.json' }], added: true },
    });
    expect(r.stderr.split('\n')).toContain('setup: npm ci --prefer-offline --no-audit (package-lock.json); written as settings.setup (each task worktree runs it before its agent)');
    const graph = readFileSync(path.join(repo, 'tasks', 'shout.yaml'), 'utf8');
    expect(graph).toMatch(/^settings:\n(?: {2}.*\n)*? {2}setup:\n {4}- npm ci --prefer-offline --no-audit\n/m);
    expect(graph.match(/^ {4}verify:\n(?: {6}- .*\n)+/gm)).toEqual(Array(3).fill('    verify:\n      - npm run lint\n      - npm test\n'));
    const validate = await cli(['validate', 'tasks/shout.yaml', '--json'], repo);
    expect(validate.code, validate.stdout).toBe(0);
    expect(JSON.parse(validate.stdout).notes).toEqual([]);
  });

  it('writes where --out says, reports JSON on stdout, and refuses to overwrite without --force', async () => {
    const repo = tempRepo();
    const first = await cli(['plan', 'Add a shout(name) function', '--out', 'plans/shout.yaml', '--json'], repo);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({
      schema: 'codex-orchestrator/plan@1',
      ok: true,
      graph: path.join(repo, 'plans', 'shout.yaml'),
      checklist: path.join(repo, 'plans', 'tasks-shout.md'),
      name: 'shout',
      pattern: 'feature',
      model: { kind: 'offline' },
      attempts: 1,
      tasks: [
        { id: 'implement', role: 'builder', deps: [], checklist: 'plans/tasks-shout.md#implement' },
        { id: 'write-tests' },
        { id: 'test', deps: ['implement', 'write-tests'] },
        { id: 'review', role: 'gate' },
      ],
    });
    const again = await cli(['plan', 'Something else', '--out', 'plans/shout.yaml'], repo);
    expect(again.code).toBe(2);
    expect(again.stderr).toBe('error: plans/shout.yaml and plans/tasks-shout.md already exist\n  hint: pass --force to overwrite, or choose another graph file with --out\n');
    const forced = await cli(['plan', 'Something else', '--out', 'plans/shout.yaml', '--force'], repo);
    expect(forced.code, forced.stderr).toBe(0);
    expect(readFileSync(path.join(repo, 'plans', 'shout.yaml'), 'utf8')).toContain('description: Something else\n');
  });

  it('gives a malformed answer back once, then reports it clearly with exit 2 and writes nothing', async () => {
    const repo = tempRepo();
    const description = `Plan badly.\n\n${fence('offline-plan', 'malformed times 2')}`;
    const r = await cli(['plan', description, '--out', 'tasks/bad.yaml', '--json'], repo);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, reason: 'invalid-plan', attempts: 2 });
    expect(r.stderr).toBe(
      "error: could not plan: the planner's answer was rejected 2 times (the first was sent back with its problems). " +
        "The last answer's problems (nothing was written; lines are shown as they would be in tasks/bad.yaml):\n" +
        'the answer is not JSON (Unexpected token \'h\', ..."asks": [ this is not"... is not valid JSON):\n' +
        '    | {"tasks": [ this is not JSON\n' +
        '  hint: describe the work more precisely, or start from a workflow pattern with --pattern NAME\n',
    );
    expect(existsSync(path.join(repo, 'tasks', 'bad.yaml'))).toBe(false);
    expect(existsSync(path.join(repo, 'tasks', 'tasks-bad.md'))).toBe(false);
  });

  it('shows the analyzer’s problems of an invalid graph, and succeeds when the retry fixes them', async () => {
    const repo = tempRepo();
    const invalid = await cli(['plan', `Plan wrongly.\n\n${fence('offline-plan', 'invalid times 2')}`, '--out', 'tasks/bad.yaml'], repo);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain('tasks/bad.yaml:27:12: error: unknown dependency "no-such-task" in task "implement"\n   27 |     deps: [no-such-task]\n      |            ^^^^^^^^^^^^\n');
    const once = await cli(['plan', `Plan wrongly once.\n\n${fence('offline-plan', 'invalid')}`, '--out', 'tasks/once.yaml', '--json'], repo);
    expect(once.code, once.stderr).toBe(0);
    expect(JSON.parse(once.stdout)).toMatchObject({ ok: true, attempts: 2 });
  });

  it('rejects an unknown pattern, an empty description and an --out outside the project', async () => {
    const repo = tempRepo();
    const unknown = await cli(['plan', 'x', '--pattern', 'nope'], repo);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^error: could not plan: no workflow pattern "nope" \(looked in .*\); available: feature, migration\n$/);
    const empty = await cli(['plan', '  '], repo);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/^error: the description is empty\n/);
    const outside = await cli(['plan', 'x', '--out', '../elsewhere.yaml'], repo);
    expect(outside.code).toBe(2);
    expect(outside.stderr).toMatch(/^error: --out must be inside the project/);
  });
});
