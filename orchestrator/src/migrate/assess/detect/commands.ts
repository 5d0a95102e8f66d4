import type { ProjectCommand, TestRunner } from '../schema.js';
import { at } from './facts.js';
import { dirOf, type Manifest } from './manifests.js';
import { cdTo } from './test-runners.js';

/**
 * The commands a plan runs: dependency installs (by the package manager and its lockfile), builds
 * (a package.json `build` script, the ecosystem's build), and the test runners' commands. Each
 * carries the manifest line it comes from, so the plan's steps can say why they run it.
 */

export interface Commands {
  readonly install: ProjectCommand[];
  readonly build: ProjectCommand[];
  readonly test: ProjectCommand[];
}

export function detectCommands(manifests: readonly Manifest[], runners: readonly TestRunner[]): Commands {
  const install: ProjectCommand[] = [];
  const build: ProjectCommand[] = [];
  for (const m of manifests) {
    const cd = cdTo(dirOf(m.path));
    const cmd = (command: string, line: number | null = null): ProjectCommand => ({ command: `${cd}${command}`, evidence: at(m.path, line) });
    const installs = installOf(m);
    if (installs !== undefined) install.push({ command: `${cd}${installs}`, evidence: at(m.lockfile ?? m.path) });
    switch (m.ecosystem) {
      case 'node': {
        const script = m.scripts.get('build');
        if (script !== undefined) build.push(cmd(`${m.manager} run build`, script.line));
        break;
      }
      case 'go':
        build.push(cmd('go build ./...'));
        break;
      case 'rust':
        build.push(cmd('cargo build'));
        break;
      case 'java':
        build.push(cmd(m.manager === 'maven' ? 'mvn -B -DskipTests package' : './gradlew build -x test'));
        break;
      case 'python':
      case 'ruby':
      case 'php':
        break;
    }
  }
  const test = runners.flatMap((r) => (r.command === null || r.evidence[0] === undefined ? [] : [{ command: r.command, evidence: r.evidence[0] }]));
  return { install: unique(install), build: unique(build), test: unique(test) };
}

/** The install for a manifest: reproducible from its lockfile when it has one. */
function installOf(m: Manifest): string | undefined {
  const locked = m.lockfile !== null;
  switch (m.manager) {
    case 'npm':
      return locked ? 'npm ci' : 'npm install';
    case 'yarn':
      return locked ? 'yarn install --frozen-lockfile' : 'yarn install';
    case 'pnpm':
      return locked ? 'pnpm install --frozen-lockfile' : 'pnpm install';
    case 'bun':
      return locked ? 'bun install --frozen-lockfile' : 'bun install';
    case 'pip':
      return m.path.endsWith('.txt') ? `python -m pip install -r ${m.path.slice(m.path.lastIndexOf('/') + 1)}` : 'python -m pip install -e .';
    case 'poetry':
      return 'poetry install';
    case 'uv':
      return 'uv sync';
    case 'pdm':
      return 'pdm install';
    case 'pipenv':
      return 'pipenv install --dev';
    case 'go modules':
      return 'go mod download';
    case 'cargo':
      return 'cargo fetch';
    case 'bundler':
      return 'bundle install';
    case 'composer':
      return 'composer install';
    default:
      // Maven and Gradle fetch what they need as they build.
      return undefined;
  }
}

function unique(commands: ProjectCommand[]): ProjectCommand[] {
  const seen = new Set<string>();
  return commands.filter((c) => !seen.has(c.command) && seen.add(c.command) !== undefined);
}
