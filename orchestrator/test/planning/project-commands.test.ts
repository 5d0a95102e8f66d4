import { describe, expect, it } from 'vitest';
import { detectProjectCommands, projectCommandsFrom, type ProjectCommands } from '../../src/planning/project-commands.js';
import { tempDir, writeFiles } from '../helpers/temp.js';

/** The rules on a root holding these files (name → text). */
function commands(files: Record<string, string>): ProjectCommands {
  return projectCommandsFrom({ names: Object.keys(files), text: (name) => files[name] });
}

const scripts = (s: Record<string, string>): string => JSON.stringify({ name: 'p', scripts: s });

describe('detectProjectCommands', () => {
  it('takes package.json scripts with the package manager its lockfile names', () => {
    const pkg = scripts({ build: 'tsc', test: 'vitest run', lint: 'eslint .', typecheck: 'tsc --noEmit', dev: 'vite' });
    expect(commands({ 'package.json': pkg, 'package-lock.json': '{}' })).toEqual({
      verify: [
        { command: 'npm run typecheck', source: 'package.json scripts.typecheck' },
        { command: 'npm run lint', source: 'package.json scripts.lint' },
        { command: 'npm run build', source: 'package.json scripts.build' },
        { command: 'npm test', source: 'package.json scripts.test' },
      ],
      setup: [{ command: 'npm ci --prefer-offline --no-audit', source: 'package-lock.json' }],
    });
    expect(commands({ 'package.json': scripts({ test: 'jest' }), 'pnpm-lock.yaml': '' })).toEqual({
      verify: [{ command: 'pnpm test', source: 'package.json scripts.test' }],
      setup: [{ command: 'pnpm install --frozen-lockfile', source: 'pnpm-lock.yaml' }],
    });
    expect(commands({ 'package.json': scripts({ lint: 'eslint .' }), 'yarn.lock': '' })).toEqual({
      verify: [{ command: 'yarn run lint', source: 'package.json scripts.lint' }],
      setup: [{ command: 'yarn install --frozen-lockfile', source: 'yarn.lock' }],
    });
  });

  it('skips the test script npm init writes, and a package.json without scripts checks nothing', () => {
    expect(commands({ 'package.json': scripts({ test: 'echo "Error: no test specified" && exit 1' }) })).toEqual({ verify: [], setup: [] });
    // Something to install: its dependencies (without a lockfile, \`npm install\`).
    expect(commands({ 'package.json': JSON.stringify({ dependencies: { zod: '^3' } }) }).setup).toEqual([{ command: 'npm install', source: 'package.json' }]);
    expect(commands({ 'package.json': JSON.stringify({ workspaces: ['packages/*'] }) }).setup).toEqual([{ command: 'npm install', source: 'package.json' }]);
    expect(commands({ 'package.json': '{ not json' }).verify).toEqual([]);
  });

  it('runs pytest where a Python project is, in the environment its lockfile makes', () => {
    expect(commands({ 'pyproject.toml': '[project]\nname = "p"\n\n[tool.pytest.ini_options]\naddopts = "-q"\n' })).toEqual({
      verify: [{ command: 'python3 -m pytest', source: 'pyproject.toml [tool.pytest.ini_options]' }],
      setup: [{ command: 'python3 -m venv .venv && .venv/bin/pip install -e .', source: 'pyproject.toml' }],
    });
    expect(commands({ 'pyproject.toml': '[project]\nname = "p"\n', 'uv.lock': '' })).toEqual({
      verify: [{ command: 'uv run pytest', source: 'pyproject.toml' }],
      setup: [{ command: 'uv sync', source: 'uv.lock' }],
    });
    expect(commands({ 'pyproject.toml': '[tool.poetry]\n', 'poetry.lock': '' })).toEqual({
      verify: [{ command: 'poetry run pytest', source: 'pyproject.toml' }],
      setup: [{ command: 'poetry install', source: 'poetry.lock' }],
    });
    expect(commands({ 'requirements.txt': 'flask\n', 'requirements-dev.txt': 'pytest==8.0\n' })).toEqual({
      verify: [{ command: 'python3 -m pytest', source: 'requirements-dev.txt (pytest)' }],
      setup: [{ command: 'python3 -m venv .venv && .venv/bin/pip install -r requirements.txt -r requirements-dev.txt', source: 'requirements.txt, requirements-dev.txt' }],
    });
    expect(commands({ 'setup.cfg': '[metadata]\nname = p\n\n[tool:pytest]\ntestpaths = tests\n', 'setup.py': '' }).verify).toEqual([
      { command: 'python3 -m pytest', source: 'setup.cfg [tool:pytest]' },
    ]);
    expect(commands({ 'pytest.ini': '[pytest]\n' })).toEqual({ verify: [{ command: 'python3 -m pytest', source: 'pytest.ini' }], setup: [] });
    // Requirements alone, pytest nowhere: nothing to run the tests with.
    expect(commands({ 'requirements.txt': 'flask\n' }).verify).toEqual([]);
  });

  it('takes go.mod, Cargo.toml, and a Makefile target, which stands for the language’s test command', () => {
    expect(commands({ 'go.mod': 'module example.com/p\n' })).toEqual({ verify: [{ command: 'go test ./...', source: 'go.mod' }], setup: [{ command: 'go mod download', source: 'go.mod' }] });
    expect(commands({ 'Cargo.toml': '[package]\n' })).toEqual({ verify: [{ command: 'cargo test', source: 'Cargo.toml' }], setup: [{ command: 'cargo fetch', source: 'Cargo.toml' }] });
    expect(commands({ 'go.mod': 'module m\n', Makefile: 'build:\n\tgo build ./...\n\ntest: build\n\tgo test -race ./...\n' })).toEqual({
      verify: [{ command: 'make test', source: 'Makefile target test' }],
      setup: [{ command: 'go mod download', source: 'go.mod' }],
    });
    expect(commands({ Makefile: 'CHECK := yes\ncheck:\n\t./run-checks\n' }).verify).toEqual([{ command: 'make check', source: 'Makefile target check' }]);
    expect(commands({ Makefile: 'all:\n\tcc main.c\n' }).verify).toEqual([]);
    // A Makefile's test target runs the tests; package.json's other checks still count.
    expect(commands({ Makefile: 'test:\n\tnpm test\n', 'package.json': scripts({ test: 'vitest', lint: 'eslint .' }) }).verify).toEqual([
      { command: 'npm run lint', source: 'package.json scripts.lint' },
      { command: 'make test', source: 'Makefile target test' },
    ]);
  });

  it('reads the files at the root of a project folder, and finds nothing in an empty or missing one', async () => {
    const root = tempDir();
    writeFiles(root, { 'package.json': scripts({ test: 'node --test' }), 'package-lock.json': '{}', 'src/Makefile': 'test:\n\tfalse\n' });
    expect(await detectProjectCommands(root)).toEqual({
      verify: [{ command: 'npm test', source: 'package.json scripts.test' }],
      setup: [{ command: 'npm ci --prefer-offline --no-audit', source: 'package-lock.json' }],
    });
    expect(await detectProjectCommands(tempDir())).toEqual({ verify: [], setup: [] });
    expect(await detectProjectCommands(`${root}/missing`)).toEqual({ verify: [], setup: [] });
  });
});
