import { describe, expect, it } from 'vitest';
import { detect } from '../../src/migrate/assess/detect.js';
import type { Detection } from '../../src/migrate/assess/schema.js';
import { ev, scanFixture } from './trees.js';

// The detection of each fixture tree (orchestrator/test/fixtures/assess/): every fact with the
// evidence it must carry. The fixtures are small on purpose: each file is there for a fact.

/** A detection's named facts as `name: evidence`, the shape these expectations are written in. */
function facts(list: readonly { name: string; evidence: Detection['frameworks'][number]['evidence'] }[]): Record<string, string[]> {
  return Object.fromEntries(list.map((f) => [f.name, ev(f.evidence)]));
}

function stores(d: Detection): string[] {
  return d.dataStores.map((s) => `${s.name} (${s.kind}): ${ev(s.evidence).join(' ')}`);
}

async function detectFixture(name: string): Promise<Detection> {
  return detect(await scanFixture(name));
}

describe('detect: fixture trees', () => {
  it('node-express-pg: an Express service on PostgreSQL through knex, with GitHub Actions, Docker and compose', async () => {
    const d = await detectFixture('node-express-pg');
    expect(d.languages.map((l) => [l.name, l.files, l.lines])).toEqual([['JavaScript', 8, 63]]);
    expect(d.packageManagers).toEqual([
      {
        name: 'npm',
        manifest: 'package.json',
        lockfile: 'package-lock.json',
        dependencies: 6,
        devDependencies: 4,
        evidence: [
          { path: 'package.json', line: null },
          { path: 'package-lock.json', line: null },
        ],
      },
    ]);
    expect(facts(d.frameworks)).toEqual({ express: ['package.json:17'] });
    expect(d.testRunners).toEqual([
      {
        name: 'jest',
        command: 'npm test',
        testFiles: 1,
        evidence: [
          { path: 'package.json', line: 10 },
          { path: 'package.json', line: 11 },
          { path: 'package.json', line: 25 },
        ],
      },
    ]);
    expect(facts(d.ci)).toEqual({ 'github-actions': ['.github/workflows/ci.yml'] });
    expect(stores(d)).toEqual([
      'postgresql (database): .env.example:2 .github/workflows/ci.yml:11 .github/workflows/ci.yml:17 docker-compose.yml:6 docker-compose.yml:9',
      'knex (orm): package.json:19',
      'knex (migrations): knexfile.js',
    ]);
    expect(facts(d.infrastructure)).toEqual({ docker: ['Dockerfile:1'], 'docker-compose': ['docker-compose.yml'] });
    expect(d.agentSetups).toEqual([]);
    expect(facts(d.patterns)).toEqual({ 'collision-free-ids': ['migrations/20240105101500_create_orders.js', 'migrations/20240212093000_add_status.js'] });
    expect(d.commands).toEqual({
      install: [{ command: 'npm ci', evidence: { path: 'package-lock.json', line: null } }],
      build: [],
      test: [{ command: 'npm test', evidence: { path: 'package.json', line: 10 } }],
    });
  });

  it('django-celery: Django, Celery and DRF with poetry, pytest through make, GitLab CI, PostgreSQL and Redis, Django migrations', async () => {
    const d = await detectFixture('django-celery');
    expect(d.languages.map((l) => [l.name, l.files, l.lines])).toEqual([['Python', 15, 102]]);
    expect(d.packageManagers).toEqual([
      {
        name: 'poetry',
        manifest: 'pyproject.toml',
        lockfile: 'poetry.lock',
        dependencies: 6,
        devDependencies: 3,
        evidence: [
          { path: 'pyproject.toml', line: null },
          { path: 'poetry.lock', line: null },
        ],
      },
    ]);
    expect(facts(d.frameworks)).toEqual({ celery: ['pyproject.toml:11'], django: ['pyproject.toml:9'], 'django-rest-framework': ['pyproject.toml:10'] });
    // The Makefile's test target is the project's own command: it stands for the pytest its recipe runs.
    expect(d.testRunners.map((t) => [t.name, t.command, t.testFiles, ev(t.evidence)])).toEqual([['pytest', 'make test', 1, ['Makefile:1', 'pyproject.toml:17', 'pyproject.toml:21']]]);
    expect(facts(d.ci)).toEqual({ 'gitlab-ci': ['.gitlab-ci.yml'] });
    expect(stores(d)).toEqual([
      'postgresql (database): docker-compose.yml:11 pyproject.toml:12',
      'redis (database): docker-compose.yml:15 pyproject.toml:13',
      'django-migrations (migrations): shop/migrations/0001_initial.py shop/migrations/0002_order_status.py',
    ]);
    expect(facts(d.infrastructure)).toEqual({ docker: ['Dockerfile:1'], 'docker-compose': ['docker-compose.yml'] });
    expect(d.patterns).toEqual([]);
    expect(d.commands.install.map((c) => c.command)).toEqual(['poetry install']);
    expect(d.commands.test.map((c) => c.command)).toEqual(['make test']);
  });

  it('go-k8s: a gin service on PostgreSQL with golang-migrate, a Dockerfile, Kubernetes manifests and a wait-for-db loop', async () => {
    const d = await detectFixture('go-k8s');
    expect(d.languages.map((l) => [l.name, l.files, l.lines])).toEqual([
      ['Go', 4, 104],
      ['SQL', 2, 6],
      ['Shell', 1, 6],
    ]);
    // Indirect requirements are not the module's own dependencies.
    expect(d.packageManagers.map((p) => [p.name, p.manifest, p.lockfile, p.dependencies])).toEqual([['go modules', 'go.mod', 'go.sum', 4]]);
    expect(facts(d.frameworks)).toEqual({ gin: ['go.mod:6'] });
    expect(d.testRunners.map((t) => [t.name, t.command, t.testFiles, ev(t.evidence)])).toEqual([['go test', 'make test', 1, ['Makefile:1', 'go.mod', 'internal/handler/handler_test.go']]]);
    expect(facts(d.ci)).toEqual({ 'github-actions': ['.github/workflows/build.yml'] });
    expect(stores(d)).toEqual([
      'postgresql (database): deploy/k8s/deployment.yaml:15 deploy/k8s/postgres.yaml:15 go.mod:8',
      'golang-migrate (migrations): db/migrations/000001_create_items.up.sql go.mod:7',
    ]);
    expect(facts(d.infrastructure)).toEqual({ docker: ['Dockerfile:1'], kubernetes: ['deploy/k8s/deployment.yaml:2', 'deploy/k8s/postgres.yaml:2', 'deploy/k8s/service.yaml:2'] });
    expect(facts(d.patterns)).toEqual({ 'retry-wrappers': ['scripts/wait-for-db.sh:3'] });
    expect(d.commands.build.map((c) => c.command)).toEqual(['go build ./...']);
  });

  it('rust-crate: a library with unit tests in its sources and an integration test, cargo test, no data', async () => {
    const d = await detectFixture('rust-crate');
    expect(d.languages.map((l) => [l.name, l.files, l.lines])).toEqual([['Rust', 3, 62]]);
    // `[dependencies.memchr]` names a dependency in its table header.
    expect(d.packageManagers.map((p) => [p.name, p.lockfile, p.dependencies, p.devDependencies])).toEqual([['cargo', null, 3, 1]]);
    expect(d.frameworks).toEqual([]);
    expect(d.testRunners.map((t) => [t.name, t.command, t.testFiles, ev(t.evidence)])).toEqual([['cargo test', 'cargo test', 2, ['Cargo.toml', 'src/lib.rs:7', 'tests/roundtrip.rs:5']]]);
    expect(facts(d.ci)).toEqual({ 'github-actions': ['.github/workflows/ci.yml'] });
    expect(d.dataStores).toEqual([]);
    expect(d.infrastructure).toEqual([]);
    expect(d.patterns).toEqual([]);
    expect(d.commands).toEqual({
      install: [{ command: 'cargo fetch', evidence: { path: 'Cargo.toml', line: null } }],
      build: [{ command: 'cargo build', evidence: { path: 'Cargo.toml', line: null } }],
      test: [{ command: 'cargo test', evidence: { path: 'Cargo.toml', line: null } }],
    });
  });

  it('coordination: all eight coordination patterns, agent instructions, a Codex folder and a script that calls codex exec', async () => {
    const d = await detectFixture('coordination');
    expect(facts(d.patterns)).toEqual({
      'authority-domains': ['.github/CODEOWNERS', 'config/owners.yaml:2'],
      'collision-free-ids': ['jobs/01HWZ3K4Z9Q8X7W6V5T4S3R2P1.json', 'jobs/01HWZ3M8A1B2C3D4E5F6G7H8J9.json'],
      'content-addressed-files': ['objects/54/84eb3014569c84d42c07ba273c0c4d9020ea328b0d6de53228e3cb02eb2079.json', 'objects/b6/c206936f36b271518f6c01687a79df89c1174349b0fc6d70e4d1ebdf84997a.json'],
      'defer-queue': ['config/queues.yaml:9', 'src/jobq/scheduler.py:1'],
      'event-log': ['ledger/events.ndjson', 'src/jobq/ledger.py:1'],
      'priority-queue': ['config/queues.yaml:4', 'config/queues.yaml:6', 'config/queues.yaml:8', 'src/jobq/scheduler.py:3', 'src/jobq/scheduler.py:9'],
      'retry-wrappers': ['scripts/retry.sh:5', 'scripts/retry.sh:8', 'scripts/retry.sh:15'],
      'tla-specs': ['spec/JobQueue.cfg', 'spec/JobQueue.tla'],
    });
    expect(facts(d.agentSetups)).toEqual({ 'agents-md': ['AGENTS.md'], codex: ['.codex'], 'codex-exec-scripts': ['scripts/agent-run.sh:4'] });
    expect(d.testRunners.map((t) => [t.name, t.command, ev(t.evidence)])).toEqual([['unittest', 'python -m unittest discover', ['tests/test_scheduler.py:1']]]);
    expect(d.packageManagers.map((p) => [p.name, p.manifest, p.dependencies])).toEqual([['pip', 'requirements.txt', 1]]);
    expect(d.languages.map((l) => l.name)).toEqual(['Python', 'Shell', 'TLA+']);
    expect([d.ci, d.dataStores, d.infrastructure, d.frameworks]).toEqual([[], [], [], []]);
  });
});
