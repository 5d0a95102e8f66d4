import { describe, expect, it } from 'vitest';
import { detect } from '../../src/migrate/assess/detect.js';
import { readToml } from '../../src/migrate/assess/detect/toml-lines.js';
import { probeText, readModeOf } from '../../src/migrate/assess/read-rules.js';
import { ev, treeOf } from './trees.js';

// The detector's rules one by one, on trees made in memory.

describe('read rules', () => {
  it('keeps manifests, configs, scripts and tests, counts source, never opens the rest', () => {
    const modes = Object.fromEntries(
      [
        'package.json',
        'package-lock.json',
        'yarn.lock',
        'src/a.ts',
        'src/a.test.ts',
        'tests/test_x.py',
        'scripts/deploy',
        'bin/setup',
        'logo.png',
        'README.md',
        '.env.example',
        'Dockerfile.prod',
        'requirements-dev.txt',
        'k8s/app.yaml',
        'x.go',
        'x_test.go',
        'tests/__init__.py',
      ].map((p) => [p, readModeOf(p)]),
    );
    expect(modes).toEqual({
      'package.json': 'keep',
      'package-lock.json': 'none',
      'yarn.lock': 'none',
      'src/a.ts': 'count',
      'src/a.test.ts': 'keep',
      'tests/test_x.py': 'keep',
      'scripts/deploy': 'keep',
      'bin/setup': 'keep',
      'logo.png': 'none',
      'README.md': 'none',
      '.env.example': 'keep',
      'Dockerfile.prod': 'keep',
      'requirements-dev.txt': 'keep',
      'k8s/app.yaml': 'keep',
      'x.go': 'count',
      'x_test.go': 'keep',
      'tests/__init__.py': 'count',
    });
  });

  it('probes report the line of each hit, at most three of a kind per file', () => {
    const text = ['# an append-only log', 'x = 1', 'codex exec "fix it"', 'heapq.heappush(q, 1)', 'a priority queue', 'priority_queue', 'PriorityQueue()'].join('\n');
    expect(probeText(text)).toEqual([
      { probe: 'codex-exec', line: 3 },
      { probe: 'event-log', line: 1 },
      { probe: 'priority-queue', line: 4 },
      { probe: 'priority-queue', line: 5 },
      { probe: 'priority-queue', line: 6 },
    ]);
    expect(probeText('nothing to see\n')).toEqual([]);
  });
});

describe('the TOML reader', () => {
  it('names each key by its table, with its line and the strings of a value that spans lines', () => {
    const doc = readToml(['[project]', 'name = "x"', 'dependencies = [', '  "Django>=4.2",  # the web', '  "celery[redis]",', ']', "[target.'cfg(unix)'.dependencies]", 'libc = "0.2"'].join('\n'));
    expect(doc.entries).toEqual([
      { table: 'project', key: 'name', line: 2, strings: ['x'] },
      { table: 'project', key: 'dependencies', line: 3, strings: ['Django>=4.2', 'celery[redis]'] },
      { table: 'target.cfg(unix).dependencies', key: 'libc', line: 8, strings: ['0.2'] },
    ]);
  });
});

describe('detect: manifests and test runners', () => {
  it('reads requirements files of one folder as one pip manifest: dev files give dev dependencies, options and comments are skipped', () => {
    const d = detect(treeOf({ 'requirements.txt': '# web\nFlask==3.0\n-r base.txt\nSQLAlchemy>=2\n', 'requirements-dev.txt': 'pytest\n', 'app.py': 'print(1)\n' }));
    expect(d.packageManagers.map((p) => [p.name, p.manifest, p.dependencies, p.devDependencies])).toEqual([['pip', 'requirements.txt', 2, 1]]);
    expect(d.frameworks.map((f) => [f.name, ev(f.evidence)])).toEqual([['flask', ['requirements.txt:2']]]);
    expect(d.dataStores.map((s) => [s.name, s.kind, ev(s.evidence)])).toEqual([['sqlalchemy', 'orm', ['requirements.txt:4']]]);
    expect(d.testRunners.map((t) => [t.name, t.command, ev(t.evidence)])).toEqual([['pytest', 'python -m pytest', ['requirements-dev.txt:1']]]);
  });

  it('reads PEP 621 dependencies and optional groups; uv.lock makes uv the manager and the runner of pytest', () => {
    const pyproject = ['[project]', 'name = "svc"', 'dependencies = [', '  "fastapi>=0.110",', '  "asyncpg",', ']', '', '[project.optional-dependencies]', 'test = ["pytest>=8", "httpx"]', ''].join(
      '\n',
    );
    const d = detect(treeOf({ 'pyproject.toml': pyproject, 'uv.lock': '', 'src/svc/main.py': 'app = None\n' }));
    expect(d.packageManagers.map((p) => [p.name, p.lockfile, p.dependencies, p.devDependencies])).toEqual([['uv', 'uv.lock', 2, 2]]);
    expect(d.frameworks.map((f) => [f.name, ev(f.evidence)])).toEqual([['fastapi', ['pyproject.toml:3']]]);
    expect(d.dataStores.map((s) => s.name)).toEqual(['postgresql']);
    expect(d.testRunners.map((t) => t.command)).toEqual(['uv run pytest']);
    expect(d.commands.install.map((c) => c.command)).toEqual(['uv sync']);
  });

  it('finds the lockfile of a workspace at its root, and runs a package in a subfolder from there', () => {
    const d = detect(
      treeOf({
        'pnpm-lock.yaml': '',
        'package.json': '{"name":"mono","private":true}',
        'web/package.json': JSON.stringify({ name: 'web', scripts: { test: 'vitest run', build: 'next build' }, dependencies: { next: '14', react: '18' }, devDependencies: { vitest: '1' } }, null, 2),
        'web/app/page.test.tsx': 'test()\n',
      }),
    );
    expect(d.packageManagers.map((p) => [p.name, p.manifest, p.lockfile])).toEqual([
      ['pnpm', 'package.json', 'pnpm-lock.yaml'],
      ['pnpm', 'web/package.json', 'pnpm-lock.yaml'],
    ]);
    expect(d.frameworks.map((f) => [f.name, ev(f.evidence)])).toEqual([
      ['next', ['web/package.json:8']],
      ['react', ['web/package.json:9']],
    ]);
    expect(d.testRunners.map((t) => [t.name, t.command, t.testFiles])).toEqual([['vitest', 'cd web && pnpm test', 1]]);
    expect(d.commands.build.map((c) => c.command)).toEqual(['cd web && pnpm run build']);
  });

  it("does not take npm's placeholder test script for a test", () => {
    const d = detect(treeOf({ 'package.json': JSON.stringify({ name: 'x', scripts: { test: 'echo "Error: no test specified" && exit 1' } }) }));
    expect(d.testRunners).toEqual([]);
  });

  it('Rails with rspec-rails: bundler groups give dev dependencies, db/migrate is ActiveRecord migrations', () => {
    const gemfile = ["source 'https://rubygems.org'", "gem 'rails', '~> 7.1'", "gem 'pg'", 'group :development, :test do', "  gem 'rspec-rails'", 'end', ''].join('\n');
    const d = detect(treeOf({ Gemfile: gemfile, 'Gemfile.lock': '', 'db/migrate/20240101120000_create_users.rb': 'class CreateUsers; end\n', 'spec/models/user_spec.rb': 'describe User\n' }));
    expect(d.packageManagers.map((p) => [p.name, p.lockfile, p.dependencies, p.devDependencies])).toEqual([['bundler', 'Gemfile.lock', 2, 1]]);
    expect(d.frameworks.map((f) => f.name)).toEqual(['rails']);
    expect(d.dataStores.map((s) => `${s.name} (${s.kind}): ${ev(s.evidence).join(' ')}`)).toEqual([
      'postgresql (database): Gemfile:3',
      'activerecord (orm): Gemfile:2',
      'activerecord (migrations): db/migrate/20240101120000_create_users.rb',
    ]);
    expect(d.testRunners.map((t) => [t.name, t.command, t.testFiles])).toEqual([['rspec', 'bundle exec rspec', 1]]);
  });

  it('Maven: the Spring Boot parent, test-scoped JUnit, Flyway; the wrapper runs the tests', () => {
    const pom = [
      '<project>',
      '  <parent>',
      '    <groupId>org.springframework.boot</groupId>',
      '    <artifactId>spring-boot-starter-parent</artifactId>',
      '  </parent>',
      '  <dependencies>',
      '    <dependency>',
      '      <groupId>org.flywaydb</groupId>',
      '      <artifactId>flyway-core</artifactId>',
      '    </dependency>',
      '    <dependency>',
      '      <groupId>org.junit.jupiter</groupId>',
      '      <artifactId>junit-jupiter</artifactId>',
      '      <scope>test</scope>',
      '    </dependency>',
      '  </dependencies>',
      '</project>',
    ].join('\n');
    const d = detect(treeOf({ 'pom.xml': pom, mvnw: '#!/bin/sh\n', 'src/test/java/AppTest.java': 'class AppTest {}\n' }));
    expect(d.packageManagers.map((p) => [p.name, p.dependencies, p.devDependencies])).toEqual([['maven', 1, 1]]);
    expect(d.frameworks.map((f) => [f.name, ev(f.evidence)])).toEqual([['spring-boot', ['pom.xml:2']]]);
    expect(d.dataStores.map((s) => [s.name, s.kind, ev(s.evidence)])).toEqual([['flyway', 'migrations', ['pom.xml:7']]]);
    expect(d.testRunners.map((t) => [t.name, t.command, t.testFiles])).toEqual([['junit', './mvnw test', 1]]);
  });
});

describe('detect: CI, infrastructure and data from files', () => {
  it('tells Kubernetes manifests, a Helm chart and Terraform apart; a CI file with apiVersion and kind is CI', () => {
    const d = detect(
      treeOf({
        'chart/Chart.yaml': 'apiVersion: v2\nname: app\n',
        'chart/templates/deploy.yaml': 'apiVersion: apps/v1\nkind: Deployment\n',
        'infra/main.tf': 'resource "x" "y" {}\n',
        '.github/workflows/odd.yml': 'apiVersion: v1\nkind: Pod\non: push\n',
        'config/settings.yaml': 'apiVersion: 2\n',
      }),
    );
    expect(d.infrastructure.map((i) => [i.name, ev(i.evidence)])).toEqual([
      ['helm', ['chart/Chart.yaml']],
      ['kubernetes', ['chart/templates/deploy.yaml:2']],
      ['terraform', ['infra/main.tf']],
    ]);
    expect(d.ci.map((c) => c.name)).toEqual(['github-actions']);
  });

  it('reads the database of a Prisma schema from its datasource, with the line', () => {
    const d = detect(treeOf({ 'prisma/schema.prisma': 'generator client {\n  provider = "prisma-client-js"\n}\n\ndatasource db {\n  provider = "postgresql"\n  url = env("DATABASE_URL")\n}\n' }));
    expect(d.dataStores.map((s) => [s.name, s.kind, ev(s.evidence)])).toEqual([
      ['postgresql', 'database', ['prisma/schema.prisma:6']],
      ['prisma', 'orm', ['prisma/schema.prisma']],
    ]);
  });
});

describe('detect: agent setups and coordination patterns', () => {
  it('names agent setups by their files and folders, skipped folders included', () => {
    const d = detect(treeOf({ 'CLAUDE.md': '# x\n', '.cursor/rules/a.mdc': 'x\n', 'tasks/tasks.json': '{}' }, { skipped: ['.codex-orchestrator', 'node_modules'] }));
    expect(d.agentSetups.map((a) => [a.name, ev(a.evidence)])).toEqual([
      ['claude-md', ['CLAUDE.md']],
      ['codex-orchestrator', ['.codex-orchestrator']],
      ['cursor', ['.cursor']],
      ['task-master', ['tasks/tasks.json']],
    ]);
  });

  it('a single timestamped name is chance, two are a naming scheme; a sha1 name is content addressing', () => {
    const one = detect(treeOf({ 'notes/2024-05-01T10-04-05Z.md': 'x' }));
    expect(one.patterns).toEqual([]);
    const two = detect(treeOf({ 'runs/2024-05-01T10-04-05Z-7f3a.json': '{}', 'runs/2024-05-02T08-00-00Z-1b2c.json': '{}', 'cache/0beec7b5ea3f0fdbc95d0dd47f3c5bc275da8a33': 'foo' }));
    expect(two.patterns.map((p) => [p.name, ev(p.evidence)])).toEqual([
      ['collision-free-ids', ['runs/2024-05-01T10-04-05Z-7f3a.json', 'runs/2024-05-02T08-00-00Z-1b2c.json']],
      ['content-addressed-files', ['cache/0beec7b5ea3f0fdbc95d0dd47f3c5bc275da8a33']],
    ]);
  });

  it('finds retry wrappers in scripts, Makefiles and CI files, never in source code', () => {
    const d = detect(
      treeOf({
        'scripts/wait.sh': '#!/bin/sh\nuntil nc -z db 5432; do sleep 1; done\n',
        Makefile: 'deps:\n\tfor i in 1 2 3; do npm ci && break; done\n',
        '.github/workflows/ci.yml': 'jobs:\n  a:\n    steps:\n      - run: curl --retry 5 https://example.com\n',
        'src/retry.js': 'function retry() {\n}\n',
      }),
    );
    expect(d.patterns.map((p) => [p.name, ev(p.evidence)])).toEqual([['retry-wrappers', ['.github/workflows/ci.yml:4', 'Makefile:2', 'scripts/wait.sh:2']]]);
  });

  it('a TLA+ spec without its model config is still a spec', () => {
    expect(detect(treeOf({ 'Spec.tla': '---- MODULE Spec ----\n====\n' })).patterns.map((p) => [p.name, ev(p.evidence)])).toEqual([['tla-specs', ['Spec.tla']]]);
  });
});
