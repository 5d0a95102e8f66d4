import { createHash } from 'node:crypto';
import { cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bytes } from '../../src/migrate/assess/report.js';
import { AssessDocument } from '../../src/migrate/assess/schema.js';
import { cli } from '../helpers/cli.js';
import { git, tempDir, writeFiles } from '../helpers/temp.js';

// `migrate assess` end to end: the built CLI on a copy of a fixture, read-only.

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const FIXTURE = path.join(ROOT, 'orchestrator/test/fixtures/assess/node-express-pg');

/** Every entry under `dir` (its `.git` too): type, size, mode, mtime, content digest or link target. */
function listing(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const name of readdirSync(path.join(dir, rel)).sort()) {
      const p = path.join(rel, name);
      const s = lstatSync(path.join(dir, p));
      const what = s.isSymbolicLink()
        ? `link ${readlinkSync(path.join(dir, p))}`
        : s.isDirectory()
          ? 'dir'
          : `file ${createHash('sha256')
              .update(readFileSync(path.join(dir, p)))
              .digest('hex')}`;
      out.push(`${p} ${what} ${s.size} ${s.mode.toString(8)} ${s.mtimeMs}`);
      if (s.isDirectory()) walk(p);
    }
  };
  walk('');
  return out;
}

/** A git repository holding the node-express-pg fixture. */
function fixtureRepo(): string {
  const repo = tempDir('co-assess-repo-');
  cpSync(FIXTURE, repo, { recursive: true });
  git(repo, 'init', '-q', '-b', 'main');
  return repo;
}

function commit(repo: string): void {
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'orders-api');
}

const noStack = (stderr: string): void => {
  expect(stderr).not.toMatch(/internal error|^\s+at .*:\d+/m);
};

describe('codex-orchestrator migrate assess', () => {
  it('writes the report and the JSON document, follows no link, reads no file over the bound, and changes nothing in the tree', async () => {
    const repo = fixtureRepo();
    // Outside the tree: what a followed link would bring in.
    const outside = tempDir('co-assess-outside-');
    writeFiles(outside, { 'package.json': '{"dependencies":{"fastify":"4","mongoose":"8"}}', 'compose.yml': 'services:\n  db:\n    image: mongo:7\n' });
    symlinkSync(outside, path.join(repo, 'vendored'));
    symlinkSync(path.join(outside, 'compose.yml'), path.join(repo, 'docker-compose.override.yml'));
    // Over the bound: read, it would add a database and a coordination pattern.
    mkdirSync(path.join(repo, 'config'));
    const huge = `owners:\n${'  mirror: mongodb://mirror.example.com/orders\n'.repeat(120_000)}`;
    writeFileSync(path.join(repo, 'config/huge.yaml'), huge);
    commit(repo);
    const before = listing(repo);

    const here = tempDir('co-assess-out-');
    const r = await cli(['migrate', 'assess', '--path', repo, '--output', 'report.md', '--json'], here);
    expect(r.code, r.stderr).toBe(0);
    const doc = AssessDocument.parse(JSON.parse(r.stdout));
    expect(doc.schema).toBe('codex-orchestrator/migrate-assess@1');
    expect(doc.report).toBe(path.join(here, 'report.md'));
    const d = doc.detection;
    expect(d.scale.symlinks).toEqual([
      { path: 'docker-compose.override.yml', line: null },
      { path: 'vendored', line: null },
    ]);
    expect(d.scale.largeFiles).toEqual([{ path: 'config/huge.yaml', bytes: Buffer.byteLength(huge) }]);
    expect(d.frameworks.map((f) => f.name)).toEqual(['express']);
    expect(d.dataStores.map((s) => s.name)).toEqual(['postgresql', 'knex', 'knex']);
    expect(d.patterns.map((p) => p.name)).toEqual(['collision-free-ids']);
    expect(d.infrastructure.map((i) => i.name)).toEqual(['docker', 'docker-compose']);
    expect(d.scale.git).toEqual({ kind: 'repository', subfolder: false, commits: 1, contributors: 1, firstCommit: expect.any(String), lastCommit: expect.any(String) });
    expect(doc.plan.steps.reduce((a, s) => a + s.hours, 0)).toBe(doc.scoring.effort.hours);

    const report = readFileSync(path.join(here, 'report.md'), 'utf8');
    expect(report.match(/^## .*$/gm)).toEqual(['## Summary', '## Detection', '## Scoring', '## Plan', '## Rollback', '## Testing', '## Timeline', '## Success criteria']);
    expect(report).toContain('- Symbolic links (recorded, not followed): `docker-compose.override.yml`, `vendored`');
    expect(report).toContain(`- Files over the read bound (256 KB), counted by size and not read: \`config/huge.yaml\` (${bytes(Buffer.byteLength(huge))})`);

    const lines = r.stderr.trimEnd().split('\n');
    const day = doc.detection.scale.git.kind === 'repository' ? doc.detection.scale.git.lastCommit?.slice(0, 10) : undefined;
    expect(lines[0]).toBe(`assessed ${repo}: 16 files (${bytes(d.scale.bytes)}), 63 source lines; git: 1 contributor, 1 commit, ${day} to ${day}`);
    expect(lines.slice(1, 11)).toEqual([
      'languages: JavaScript (8 files, 63 lines)',
      'package managers: npm (package.json: 6 dependencies, 4 dev)',
      'frameworks: express',
      'tests: jest (npm test)',
      'CI: github-actions',
      'data: postgresql (database), knex (orm), knex (migrations)',
      'infrastructure: docker, docker-compose',
      'agent setups: none',
      'coordination patterns: collision-free-ids',
      'scores: complexity simple (0 points), risk medium (3 points), effort 16 h',
    ]);
    expect(lines[11]).toMatch(/^report: report\.md \(assessed in \d+\.\d\d s; the folder was only read\)$/);
    expect(lines).toHaveLength(12);

    expect(listing(repo)).toEqual(before);
  });

  it('writes migration-report.md in the current folder by default, and prints no JSON without --json', async () => {
    const repo = fixtureRepo();
    commit(repo);
    const here = tempDir('co-assess-out-');
    const r = await cli(['migrate', 'assess', '--path', repo], here);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(readFileSync(path.join(here, 'migration-report.md'), 'utf8')).toMatch(/^# Migration assessment: co-assess-repo-/);
  });

  it('assesses the current folder without --path, also when it is not a git repository', async () => {
    const dir = tempDir('co-assess-plain-');
    cpSync(FIXTURE, dir, { recursive: true });
    const r = await cli(['migrate', 'assess', '--output', path.join(tempDir('co-assess-out-'), 'r.md'), '--json'], dir);
    expect(r.code, r.stderr).toBe(0);
    const doc = AssessDocument.parse(JSON.parse(r.stdout));
    expect(doc.path).toBe('.');
    expect(doc.detection.scale.git).toEqual({ kind: 'not-a-repository' });
    expect(doc.scoring.risk.factors.map((f) => f.rule)).toContain('R9');
    expect(doc.plan.steps[0]?.id).toBe('prepare-history');
  });

  it('refuses a path that does not exist or is not a folder, and a report it cannot or must not write: exit 2, a message, no stack', async () => {
    const repo = fixtureRepo();
    commit(repo);
    const here = tempDir('co-assess-out-');
    const cases: [string[], string][] = [
      [['--path', path.join(here, 'nope')], `error: --path: ${path.join(here, 'nope')} does not exist\n  hint: name the folder of the repository to assess, e.g. --path .\n`],
      [['--path', path.join(repo, 'package.json')], `error: --path: ${path.join(repo, 'package.json')} is not a folder\n  hint: name the folder of the repository to assess, not a file in it\n`],
      [
        ['--path', repo, '--output', path.join(repo, '.git', 'report.md')],
        `error: --output: ${path.join(repo, '.git', 'report.md')} is inside the repository's .git folder\n  hint: write the report outside .git, e.g. --output migration-report.md\n`,
      ],
      [['--path', repo, '--output', 'missing/report.md'], 'error: --output: the folder of missing/report.md does not exist\n  hint: create it first, or choose another file with --output FILE\n'],
      [['--path', repo, '--output', repo], `error: --output: ${repo} is a folder\n  hint: name a file, e.g. --output ${path.join(repo, 'migration-report.md')}\n`],
      [['--path', repo, '--output', '/dev/full'], 'error: --output: cannot write /dev/full (ENOSPC)\n  hint: choose a file in a folder you can write to with --output FILE\n'],
      [['--path', ''], 'error: --path is empty\n  hint: name the folder of the repository to assess, e.g. --path .\n'],
    ];
    for (const [args, stderr] of cases) {
      const r = await cli(['migrate', 'assess', ...args, '--json'], here);
      expect({ args, code: r.code, stderr: r.stderr, stdout: r.stdout }).toEqual({ args, code: 2, stderr, stdout: '' });
      noStack(r.stderr);
    }
    expect(existsSync(path.join(repo, '.git', 'report.md'))).toBe(false);
  });

  it('answers a missing or unknown migrate subcommand with exit 2 and what is available now', async () => {
    const here = tempDir('co-assess-out-');
    const available =
      'available now: migrate assess (a read-only assessment and plan of a repository), migrate setup (the migration manifest), migrate plan (a workspace with the gated phases), migrate run (run or continue a workspace), migrate status, migrate execute (runbooks; manual tasks done by hand)';
    expect((await cli(['migrate'], here)).stderr).toBe(`error: missing the migrate subcommand\n  hint: ${available}\n`);
    expect((await cli(['migrate', 'survey'], here)).stderr).toBe(`error: unknown migrate subcommand "survey"\n  hint: ${available}\n`);
    expect((await cli(['--help'], here)).stderr).toContain('codex-orchestrator migrate assess [--path DIR] [--output FILE] [--json]\n');
  });

  it('reports the shipped legacy-billing example sensibly', async () => {
    const here = tempDir('co-assess-out-');
    const r = await cli(['migrate', 'assess', '--path', path.join(ROOT, 'examples/legacy-billing'), '--output', 'legacy.md'], here);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr.split('\n').slice(1, 11)).toEqual([
      'languages: JavaScript (7 files, 106 lines)',
      'package managers: npm (package.json: 5 dependencies, 4 dev)',
      'frameworks: express',
      'tests: mocha (npm test)',
      'CI: github-actions',
      'data: mysql (database), sequelize (orm), sequelize-cli (migrations)',
      'infrastructure: docker',
      'agent setups: none',
      'coordination patterns: collision-free-ids',
      // In a checkout with its history: medium; a copy without .git adds R9's 2 points.
      expect.stringMatching(/^scores: complexity simple \(0 points\), risk (?:medium \(3 points\)|high \(5 points\)), effort 17 h$/),
    ]);
    const report = readFileSync(path.join(here, 'legacy.md'), 'utf8');
    expect(report).toContain('| Gaps | no lockfile (package.json) |');
    expect(report).toContain('mysqldump --single-transaction --routines --triggers --result-file=backup-mysql.sql "$MYSQL_DATABASE"');
    expect(report).toContain('npx sequelize-cli db:migrate:status');
  });
});
