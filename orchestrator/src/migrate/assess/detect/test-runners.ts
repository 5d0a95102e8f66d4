import { languageOf } from '../languages.js';
import { isTestFile, lineAt } from '../read-rules.js';
import type { Evidence, TestRunner } from '../schema.js';
import type { ScannedFile } from '../tree.js';
import { at, compare, EVIDENCE_PER_FACT, sortEvidence } from './facts.js';
import { baseName, depAt, dirOf, join, type Manifest } from './manifests.js';

/**
 * Test runners and the commands that run them, as the project declares them: package.json
 * scripts, pytest's configuration, a Makefile's test target (the project's own way, which stands
 * for the runner its recipe calls), and the conventions of go, cargo, rspec, JUnit and PHPUnit.
 */

/** What a script or recipe line runs, by the words that name a runner. */
const RUNNER_WORDS: readonly (readonly [RegExp, string])[] = [
  [/\bvitest\b/, 'vitest'],
  [/\bjest\b/, 'jest'],
  [/\bmocha\b/, 'mocha'],
  [/\bava\b/, 'ava'],
  [/\bjasmine\b/, 'jasmine'],
  [/\bnode\s+(?:\S+\s+)*--test\b/, 'node:test'],
  [/\bplaywright\s+test\b/, 'playwright'],
  [/\bcypress\s+run\b/, 'cypress'],
  [/\bpytest\b|\bpy\.test\b/, 'pytest'],
  [/\bmanage\.py\s+test\b/, 'django test'],
  [/\bunittest\b/, 'unittest'],
  [/\bgo\s+test\b/, 'go test'],
  [/\bcargo\s+(?:test|nextest)\b/, 'cargo test'],
  [/\brspec\b/, 'rspec'],
  [/\bmvnw?\b.*\b(?:test|verify)\b|\bgradlew?\b.*\b(?:test|check|build)\b/, 'junit'],
  [/\bphpunit\b/, 'phpunit'],
];

/** Node test runners by the dev dependency that brings them. */
const NODE_RUNNER_DEPS: Readonly<Record<string, string>> = {
  vitest: 'vitest',
  jest: 'jest',
  mocha: 'mocha',
  ava: 'ava',
  jasmine: 'jasmine',
  '@playwright/test': 'playwright',
  cypress: 'cypress',
};

/** What `npm init` writes as the test script: a placeholder, not a test. */
const NPM_PLACEHOLDER = /no test specified/;

interface Found {
  command: string | null;
  evidence: Evidence[];
  testFiles: number;
}

export function detectTestRunners(files: readonly ScannedFile[], manifests: readonly Manifest[]): TestRunner[] {
  const runners = new Map<string, Found>();
  const add = (name: string, command: string | null, evidence: Evidence[], testFiles = 0): void => {
    const found = runners.get(name);
    if (found === undefined) runners.set(name, { command, evidence: [...evidence], testFiles });
    else {
      // The project's own command (a script, a make target) wins over a tool's default.
      found.command ??= command;
      found.evidence.push(...evidence);
      found.testFiles = Math.max(found.testFiles, testFiles);
    }
  };
  const tests = files.filter((f) => isTestFile(f.path));
  const testsOf = (dir: string, language: (lang: string | undefined) => boolean): ScannedFile[] => tests.filter((f) => language(languageOf(f.path)) && (dir === '' || f.path.startsWith(`${dir}/`)));
  const names = new Set(files.map((f) => f.path));

  // A Makefile's test target first: it is the command the project itself runs.
  for (const file of files) {
    if (!/^(?:GNUmakefile|makefile|Makefile)$/.test(baseName(file.path)) || file.text === null) continue;
    for (const target of makeTestTargets(file.text)) {
      const command = `${cdTo(dirOf(file.path))}make ${target.name}`;
      const runner = RUNNER_WORDS.find(([re]) => re.test(target.recipe))?.[1] ?? 'make';
      add(runner, command, [at(file.path, target.line)]);
    }
  }

  for (const m of manifests) {
    const dir = dirOf(m.path);
    const cd = cdTo(dir);
    if (m.ecosystem === 'node') {
      const jsTests = testsOf(dir, (l) => l === 'JavaScript' || l === 'TypeScript').length;
      for (const [name, script] of m.scripts) {
        if (!/^test(?:$|[:-])/.test(name) || NPM_PLACEHOLDER.test(script.command)) continue;
        const runner =
          RUNNER_WORDS.find(([re]) => re.test(script.command))?.[1] ??
          m.devDeps
            .concat(m.deps)
            .map((d) => NODE_RUNNER_DEPS[d.name])
            .find((n) => n !== undefined) ??
          `${m.manager} script`;
        add(runner, `${cd}${name === 'test' ? `${m.manager} test` : `${m.manager} run ${name}`}`, [at(m.path, script.line)], jsTests);
      }
      for (const dep of [...m.devDeps, ...m.deps]) {
        const runner = NODE_RUNNER_DEPS[dep.name];
        if (runner !== undefined) add(runner, `${cd}npx ${runner === 'playwright' ? 'playwright test' : runner}`, [depAt(m, dep)], jsTests);
      }
    } else if (m.ecosystem === 'python') {
      const pyTests = testsOf(dir, (l) => l === 'Python');
      const pytestDep = [...m.deps, ...m.devDeps].find((d) => d.name === 'pytest' || d.name === 'pytest-django');
      if (pytestDep) add('pytest', `${cd}${pythonRun(m)}pytest`, [depAt(m, pytestDep)], pyTests.length);
      if (m.deps.some((d) => d.name === 'django') && names.has(join(dir, 'manage.py')) && !pytestDep) add('django test', `${cd}python manage.py test`, [at(join(dir, 'manage.py'))], pyTests.length);
    } else if (m.ecosystem === 'go') {
      const goTests = testsOf(dir, (l) => l === 'Go').filter((f) => f.path.endsWith('_test.go'));
      if (goTests.length > 0) add('go test', `${cd}go test ./...`, [at(m.path), ...goTests.map((f) => at(f.path))], goTests.length);
    } else if (m.ecosystem === 'rust') {
      const rust = files.filter((f) => (dir === '' || f.path.startsWith(`${dir}/`)) && f.path.endsWith('.rs'));
      const withTests = rust.filter((f) => /(?:^|\/)tests\/[^/]+\.rs$/.test(f.path) || f.hits.some((h) => h.probe === 'rust-test'));
      const evidence = withTests.map((f) => at(f.path, f.hits.find((h) => h.probe === 'rust-test')?.line ?? null));
      if (withTests.length > 0) add('cargo test', `${cd}cargo test`, [at(m.path), ...evidence], withTests.length);
    } else if (m.ecosystem === 'ruby') {
      const specs = testsOf(dir, (l) => l === 'Ruby');
      const rspec = [...m.deps, ...m.devDeps].find((d) => d.name === 'rspec' || d.name === 'rspec-rails');
      if (rspec) add('rspec', `${cd}bundle exec rspec`, [depAt(m, rspec)], specs.filter((f) => f.path.endsWith('_spec.rb')).length);
      const minitest = specs.filter((f) => f.path.endsWith('_test.rb'));
      if (minitest.length > 0)
        add(
          'minitest',
          `${cd}${m.deps.some((d) => d.name === 'rails') ? 'bin/rails test' : 'bundle exec rake test'}`,
          minitest.map((f) => at(f.path)),
          minitest.length,
        );
    } else if (m.ecosystem === 'java') {
      const junit = [...m.devDeps, ...m.deps].find((d) => /junit/.test(d.name) || d.name === 'org.springframework.boot:spring-boot-starter-test');
      const javaTests = testsOf(dir, (l) => l === 'Java' || l === 'Kotlin');
      if (junit || javaTests.length > 0) {
        const wrapper = m.manager === 'maven' ? (names.has(join(dir, 'mvnw')) ? './mvnw' : 'mvn') : names.has(join(dir, 'gradlew')) ? './gradlew' : 'gradle';
        add('junit', `${cd}${wrapper} test`, [at(m.path, junit?.line ?? null), ...javaTests.map((f) => at(f.path))], javaTests.length);
      }
    } else if (m.ecosystem === 'php') {
      const phpunit = m.devDeps.find((d) => d.name === 'phpunit/phpunit');
      if (phpunit) add('phpunit', `${cd}vendor/bin/phpunit`, [depAt(m, phpunit)], testsOf(dir, (l) => l === 'PHP').length);
    }
  }

  // pytest's own configuration, with or without a dependency.
  for (const file of files) {
    const config = pytestConfigLine(file);
    if (config !== undefined) {
      const m = manifests.find((x) => x.ecosystem === 'python' && dirOf(x.path) === dirOf(file.path));
      add('pytest', `${cdTo(dirOf(file.path))}${m ? pythonRun(m) : 'python -m '}pytest`, [at(file.path, config)], testsOf(dirOf(file.path), (l) => l === 'Python').length);
    }
  }

  // unittest: Python test files that import it, when no other Python runner is declared.
  const unittest = tests.filter((f) => f.hits.some((h) => h.probe === 'unittest'));
  if (unittest.length > 0 && !runners.has('pytest') && !runners.has('django test')) {
    add(
      'unittest',
      'python -m unittest discover',
      unittest.map((f) => at(f.path, f.hits.find((h) => h.probe === 'unittest')?.line ?? null)),
      unittest.length,
    );
  }

  return [...runners.entries()].sort(([a], [b]) => compare(a, b)).map(([name, f]) => ({ name, command: f.command, testFiles: f.testFiles, evidence: dedupe(f.evidence).slice(0, EVIDENCE_PER_FACT) }));
}

/** The targets of a Makefile that run tests (`test`, `check`, `test-unit`, …), with their recipes. */
export function makeTestTargets(text: string): { name: string; line: number; recipe: string }[] {
  const lines = text.split(/\r?\n/);
  const targets: { name: string; line: number; recipe: string }[] = [];
  lines.forEach((line, i) => {
    const m = /^((?:test|check)(?:[-_][\w-]+)?)\s*:(?!=)/.exec(line);
    if (!m) return;
    const recipe: string[] = [];
    for (let j = i + 1; j < lines.length && /^\t/.test(lines[j] as string); j++) recipe.push(lines[j] as string);
    targets.push({ name: m[1] as string, line: i + 1, recipe: `${line.slice(m[0].length)}\n${recipe.join('\n')}` });
  });
  return targets;
}

/** The section of each file that configures pytest. */
const PYTEST_SECTIONS: ReadonlyMap<string, RegExp> = new Map([
  ['pytest.ini', /^\[pytest\]/m],
  ['pyproject.toml', /^\[tool\.pytest/m],
  ['setup.cfg', /^\[tool:pytest\]/m],
  ['tox.ini', /^\[pytest\]/m],
]);

/** Where a file configures pytest (the line of its section; null for a conftest.py), or undefined. */
function pytestConfigLine(file: ScannedFile): number | null | undefined {
  const base = baseName(file.path);
  if (base === 'conftest.py') return null;
  const header = PYTEST_SECTIONS.get(base);
  if (header === undefined || file.text === null) return undefined;
  const m = header.exec(file.text);
  return m ? lineAt(file.text, m.index) : undefined;
}

/** How a Python tool runs in the project's environment: through its manager, else the python on PATH. */
export function pythonRun(m: Manifest): string {
  return m.manager === 'poetry' ? 'poetry run ' : m.manager === 'uv' ? 'uv run ' : m.manager === 'pipenv' ? 'pipenv run ' : m.manager === 'pdm' ? 'pdm run ' : 'python -m ';
}

/** `cd api && ` for a manifest in `api/`; nothing at the top. */
export function cdTo(dir: string): string {
  return dir === '' ? '' : `cd ${dir} && `;
}

function dedupe(evidence: Evidence[]): Evidence[] {
  const seen = new Map(evidence.map((e) => [`${e.path}:${e.line ?? ''}`, e]));
  return sortEvidence([...seen.values()]);
}
