import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { isRecord, parseJsonObject } from '../core/json-object.js';

/**
 * The commands a project itself declares for checking its work (`verify`: tests, lint, type
 * checks, builds) and for installing its dependencies (`setup`), read from the files at its root:
 * `package.json` scripts with the package manager its lockfile names, pytest configuration,
 * a Makefile's `test`/`check` target, `go.mod`, `Cargo.toml`. `plan` writes the verify commands
 * into the tasks it plans, so no planned builder or tester goes unchecked whatever the model wrote.
 * The rules are a pure function of the root's files (`projectCommandsFrom`); `detectProjectCommands`
 * only reads them.
 */

/** A command and the file (and part of it) that made it: `package.json scripts.test`. */
export interface ProjectCommand {
  readonly command: string;
  readonly source: string;
}

export interface ProjectCommands {
  /** Checks for a task's `verify`, in the order they are best run. */
  readonly verify: readonly ProjectCommand[];
  /** Dependency installs, to run in a fresh worktree before any of the checks. */
  readonly setup: readonly ProjectCommand[];
}

/** The files at a project's root: their names, and the text of those the rules read. */
export interface RootFiles {
  readonly names: readonly string[];
  /** The text of a file named in `names`, or undefined when it cannot be read. */
  readonly text: (name: string) => string | undefined;
}

/** The files whose text the rules read (every other file counts by its name alone). */
const READ = ['package.json', 'pyproject.toml', 'setup.cfg', 'tox.ini', 'Makefile', 'makefile', 'GNUmakefile'];

/** Reads the root's file names and the few files the rules look into, then applies the rules. */
export async function detectProjectCommands(root: string): Promise<ProjectCommands> {
  let names: string[];
  try {
    names = (await readdir(root, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);
  } catch {
    return { verify: [], setup: [] };
  }
  const texts = new Map<string, string>();
  for (const name of names.filter((n) => READ.includes(n) || REQUIREMENTS.test(n))) {
    try {
      texts.set(name, await readFile(path.join(root, name), 'utf8'));
    } catch {
      // An unreadable file declares nothing.
    }
  }
  return projectCommandsFrom({ names, text: (name) => texts.get(name) });
}

/** `requirements.txt`, `requirements-dev.txt`, … */
const REQUIREMENTS = /^requirements[\w.-]*\.txt$/;

/** The package.json scripts that check work, in the order they are run. */
const CHECK_SCRIPTS = ['typecheck', 'lint', 'build', 'test'] as const;
/** What `npm init` writes as the test script: a placeholder, not a test. */
const NPM_PLACEHOLDER = /no test specified/;

type PackageManager = 'npm' | 'pnpm' | 'yarn';

export function projectCommandsFrom(files: RootFiles): ProjectCommands {
  const has = (name: string): boolean => files.names.includes(name);
  const verify: ProjectCommand[] = [];
  const setup: ProjectCommand[] = [];

  // A Makefile's target is the project's own way to run its tests: it stands for the language's.
  const make = makeTarget(files);
  const testsByMake = make !== undefined;

  // Node: package.json scripts, with the package manager of the lockfile.
  const pkg = has('package.json') ? parseJsonObject(files.text('package.json')) : undefined;
  if (has('package.json')) {
    const pm = packageManager(files, pkg);
    const scripts = isRecord(pkg?.['scripts']) ? pkg['scripts'] : {};
    for (const name of CHECK_SCRIPTS) {
      const script = scripts[name];
      if (typeof script !== 'string' || script.trim() === '') continue;
      if (name === 'test' && (NPM_PLACEHOLDER.test(script) || testsByMake)) continue;
      verify.push({ command: name === 'test' ? `${pm} test` : `${pm} run ${name}`, source: `package.json scripts.${name}` });
    }
    // A package that depends on nothing (and has no lockfile) has nothing to install.
    if (installsSomething(pkg) || LOCKFILES.some(has)) setup.push(nodeSetup(pm, files));
  }

  // Python: pytest when the project configures or depends on it; its environment from the lockfile.
  const pythonProject = has('pyproject.toml') || has('setup.py') || has('setup.cfg') || requirementsFiles(files).length > 0;
  const pytest = pytestSource(files);
  if (pytest !== undefined && !testsByMake) verify.push({ command: `${pythonRunner(files)}pytest`, source: pytest });
  if (pythonProject) {
    const python = pythonSetup(files);
    if (python) setup.push(python);
  }

  if (has('go.mod')) {
    if (!testsByMake) verify.push({ command: 'go test ./...', source: 'go.mod' });
    setup.push({ command: 'go mod download', source: 'go.mod' });
  }
  if (has('Cargo.toml')) {
    if (!testsByMake) verify.push({ command: 'cargo test', source: 'Cargo.toml' });
    setup.push({ command: 'cargo fetch', source: 'Cargo.toml' });
  }
  if (make) verify.push(make);
  return { verify, setup };
}

function packageManager(files: RootFiles, pkg: Record<string, unknown> | undefined): PackageManager {
  if (files.names.includes('pnpm-lock.yaml')) return 'pnpm';
  if (files.names.includes('yarn.lock')) return 'yarn';
  if (files.names.includes('package-lock.json')) return 'npm';
  // No lockfile: the `packageManager` field (corepack's `pnpm@9.1.0`), else npm.
  const declared = typeof pkg?.['packageManager'] === 'string' ? pkg['packageManager'].split('@')[0] : undefined;
  return declared === 'pnpm' || declared === 'yarn' ? declared : 'npm';
}

const LOCKFILES = ['package-lock.json', 'npm-shrinkwrap.json', 'pnpm-lock.yaml', 'yarn.lock'];

/** Whether a package.json names dependencies or workspaces (one that cannot be read is taken to). */
function installsSomething(pkg: Record<string, unknown> | undefined): boolean {
  if (pkg === undefined) return true;
  return ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'].some((k) => isRecord(pkg[k]) && Object.keys(pkg[k]).length > 0) || pkg['workspaces'] !== undefined;
}

function nodeSetup(pm: PackageManager, files: RootFiles): ProjectCommand {
  const has = (name: string): boolean => files.names.includes(name);
  if (pm === 'pnpm' && has('pnpm-lock.yaml')) return { command: 'pnpm install --frozen-lockfile', source: 'pnpm-lock.yaml' };
  if (pm === 'yarn' && has('yarn.lock')) return { command: 'yarn install --frozen-lockfile', source: 'yarn.lock' };
  if (has('package-lock.json')) return { command: 'npm ci --prefer-offline --no-audit', source: 'package-lock.json' };
  return { command: `${pm} install`, source: 'package.json' };
}

/** `requirements.txt`, `requirements-dev.txt`, …: requirements.txt first, then by name. */
function requirementsFiles(files: RootFiles): string[] {
  return files.names.filter((n) => REQUIREMENTS.test(n)).sort((a, b) => (a === 'requirements.txt' ? -1 : b === 'requirements.txt' ? 1 : a.localeCompare(b)));
}

/** Where the project says it uses pytest, or undefined. */
function pytestSource(files: RootFiles): string | undefined {
  const has = (name: string): boolean => files.names.includes(name);
  if (has('pytest.ini')) return 'pytest.ini';
  if (/^\[tool\.pytest/m.test(files.text('pyproject.toml') ?? '')) return 'pyproject.toml [tool.pytest.ini_options]';
  if (/^\[tool:pytest\]/m.test(files.text('setup.cfg') ?? '')) return 'setup.cfg [tool:pytest]';
  if (/^\[pytest\]/m.test(files.text('tox.ini') ?? '')) return 'tox.ini [pytest]';
  if (has('conftest.py')) return 'conftest.py';
  if (has('pyproject.toml')) return 'pyproject.toml';
  const naming = requirementsFiles(files).find((r) => /^\s*pytest\b/m.test(files.text(r) ?? ''));
  return naming === undefined ? undefined : `${naming} (pytest)`;
}

/** How pytest runs in the project's environment: through its lockfile's tool, else the python on PATH. */
function pythonRunner(files: RootFiles): string {
  if (files.names.includes('uv.lock')) return 'uv run ';
  if (files.names.includes('poetry.lock')) return 'poetry run ';
  return 'python3 -m ';
}

function pythonSetup(files: RootFiles): ProjectCommand | undefined {
  const has = (name: string): boolean => files.names.includes(name);
  if (has('uv.lock')) return { command: 'uv sync', source: 'uv.lock' };
  if (has('poetry.lock')) return { command: 'poetry install', source: 'poetry.lock' };
  const requirements = requirementsFiles(files);
  if (requirements.length > 0) {
    return { command: `python3 -m venv .venv && .venv/bin/pip install ${requirements.map((r) => `-r ${r}`).join(' ')}`, source: requirements.join(', ') };
  }
  const project = ['pyproject.toml', 'setup.py'].find(has);
  return project === undefined ? undefined : { command: 'python3 -m venv .venv && .venv/bin/pip install -e .', source: project };
}

/** The Makefile's `test` target (else `check`) as a verify command. */
function makeTarget(files: RootFiles): ProjectCommand | undefined {
  const name = ['GNUmakefile', 'makefile', 'Makefile'].find((n) => files.names.includes(n));
  const text = name === undefined ? undefined : files.text(name);
  if (name === undefined || text === undefined) return undefined;
  const target = ['test', 'check'].find((t) => new RegExp(`^${t}\\s*:(?!=)`, 'm').test(text));
  return target === undefined ? undefined : { command: `make ${target}`, source: `${name} target ${target}` };
}
