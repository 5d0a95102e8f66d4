import { describe, expect, it } from 'vitest';
import { RULES } from '../../src/migrate/assess/analyze.js';
import { bytes, gitLine, renderReport, renderSummary } from '../../src/migrate/assess/report.js';
import type { AssessDocument } from '../../src/migrate/assess/schema.js';
import { assessFixture } from './trees.js';

const IN_GIT = { kind: 'repository', subfolder: false, commits: 40, contributors: 3, firstCommit: '2024-01-02T10:00:00Z', lastCommit: '2026-02-27T16:00:00Z' } as const;

function nodeDoc(): Promise<AssessDocument> {
  return assessFixture('node-express-pg', IN_GIT);
}

describe('report: the stderr summary', () => {
  it('says one line per detection area, and the scores', async () => {
    expect(renderSummary(await nodeDoc())).toEqual([
      'assessed node-express-pg: 15 files (4.0 KB), 63 source lines; git: 3 contributors, 40 commits, 2024-01-02 to 2026-02-27',
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
  });

  it('says none for what it did not find, and why git has nothing to say', async () => {
    const lines = renderSummary(await assessFixture('rust-crate'));
    expect(lines[0]).toBe('assessed rust-crate: 7 files (2.4 KB), 62 source lines; git: not a git repository (no history: contributors and commits unknown)');
    expect(lines.slice(3)).toEqual([
      'frameworks: none',
      'tests: cargo test (cargo test)',
      'CI: github-actions',
      'data: none',
      'infrastructure: none',
      'agent setups: none',
      'coordination patterns: none',
      'scores: complexity simple (0 points), risk medium (2 points), effort 8 h',
    ]);
  });
});

describe('report: the markdown', () => {
  it('has its sections in order, and the same document always renders to the same text', async () => {
    const doc = await nodeDoc();
    const text = renderReport(doc);
    expect(text.match(/^## .*$/gm)).toEqual(['## Summary', '## Detection', '## Scoring', '## Plan', '## Rollback', '## Testing', '## Timeline', '## Success criteria']);
    expect(renderReport(doc)).toBe(text);
    expect(text.endsWith('.\n') && !text.endsWith('\n\n')).toBe(true);
  });

  it('opens with the summary table', async () => {
    expect(
      renderReport(await nodeDoc())
        .split('\n')
        .slice(0, 14),
    ).toEqual([
      '# Migration assessment: node-express-pg',
      '',
      'Made by `codex-orchestrator migrate assess --path node-express-pg` on 2026-03-02. The scan only reads: nothing in the folder was changed.',
      '',
      '## Summary',
      '',
      '| | |',
      '|---|---|',
      '| Complexity | simple (0 points) |',
      '| Risk | medium (3 points) |',
      '| Effort | 16 h, about 3.5 working days of 6 h |',
      '| Scale | 15 files, 63 source lines; 3 contributors, 40 commits, 2024-01-02 to 2026-02-27 |',
      '| Main language | JavaScript |',
      '| Gaps | none found |',
    ]);
  });

  it('gives every fact its evidence, and every coordination pattern a row, found or not', async () => {
    const lines = renderReport(await nodeDoc()).split('\n');
    expect(lines).toContain('- express: `package.json:17`');
    expect(lines).toContain('| jest | `npm test` | 1 | `package.json:10`, `package.json:11`, `package.json:25` |');
    expect(lines).toContain('| knex | migrations | `knexfile.js` |');
    expect(lines).toContain('- docker: `Dockerfile:1`');
    const patterns = lines.filter((l) => /^\| [a-z-]+: .* \| (?:yes|no) \|/.test(l));
    expect(patterns).toHaveLength(8);
    expect(patterns.filter((l) => l.includes('| yes |'))).toEqual([
      '| collision-free-ids: collision-free ids in file names (timestamps, ULIDs, UUIDs) | yes | `migrations/20240105101500_create_orders.js`, `migrations/20240212093000_add_status.js` |',
    ]);
    expect(lines).toContain('- install: `npm ci` (`package-lock.json`)');
  });

  it('prints every scoring rule and the points that applied, with why', async () => {
    const lines = renderReport(await nodeDoc()).split('\n');
    expect(lines.filter((l) => /^\| [CRE]\d+ \| (?:complexity|risk|effort) \|/.test(l))).toHaveLength(RULES.length);
    expect(lines).toContain('| E8 | effort | data-migration: each ORM or migration tool | +2 h (at most 8 h) |');
    expect(lines).toContain('| R1 | data migration | +2 | databases: postgresql |');
    expect(lines).toContain('| C19 | existing: containers | -1 | the environment is described in the repository |');
  });

  it('shows the plan by phase with its commands, a skipped phase with its reason, and the timeline', async () => {
    const text = renderReport(await nodeDoc());
    expect(text).toContain('### 3. Data migration (8 h, days 1 to 2.5)\n\n#### Back up postgresql before anything changes\n\n`data-backup`: 2.5 h, risk high.');
    expect(text).toContain('```sh\npg_dump --format=custom --file=backup-postgresql.dump "$DATABASE_URL"\n```');
    expect(text).toContain('### 4. Gap implementation (skipped: no gap found: tests, CI and lockfiles are present)\n');
    expect(text).toContain('| Data migration | 8 | 1 | 2.5 | `......########......` |\n| Gap implementation | 0 | 2.5 | 2.5 | skipped |\n');
    expect(text).toContain('Time to roll back: about 1.5 h. Data-loss risk: medium (writes to postgresql after the backup are lost on restore;');
  });

  it('escapes pipes in table cells', async () => {
    const doc = await nodeDoc();
    const runner = { ...(doc.detection.testRunners[0] as AssessDocument['detection']['testRunners'][number]), command: 'npm test | tee out.log' };
    const text = renderReport({ ...doc, detection: { ...doc.detection, testRunners: [runner] } });
    expect(text).toContain('| jest | `npm test \\| tee out.log` | 1 |');
  });
});

describe('report: figures', () => {
  it('writes sizes in B, KB and MB', () => {
    expect([0, 1023, 1536, 256 * 1024, 5 * 1024 * 1024, 1234567].map(bytes)).toEqual(['0 B', '1023 B', '1.5 KB', '256 KB', '5 MB', '1.2 MB']);
  });

  it('says what git knows', () => {
    expect(gitLine({ kind: 'repository', subfolder: true, commits: 1, contributors: 1, firstCommit: '2025-01-01T00:00:00Z', lastCommit: '2025-01-01T00:00:00Z' })).toBe(
      '1 contributor, 1 commit, 2025-01-01 to 2025-01-01 (commits that touched this folder)',
    );
    expect(gitLine({ kind: 'repository', subfolder: false, commits: 0, contributors: 0, firstCommit: null, lastCommit: null })).toBe('0 contributors, 0 commits');
    expect(gitLine({ kind: 'git-unavailable', reason: 'git is not installed (not found on PATH)' })).toBe(
      'git could not be run (git is not installed (not found on PATH)): contributors and commits unknown',
    );
  });
});
