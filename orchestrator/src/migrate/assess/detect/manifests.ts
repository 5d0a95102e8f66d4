import { lineAt } from '../read-rules.js';
import type { Evidence } from '../schema.js';
import type { ScannedFile } from '../tree.js';
import { readToml, type TomlEntry } from './toml-lines.js';
import { isRecord, parseJsonObject } from '../../../core/json-object.js';

/**
 * Package manifests read into one shape: the ecosystem, the package manager (from the lockfile
 * beside the manifest, else what the manifest says), and each dependency with the line that names
 * it, so frameworks, test runners and databases found through dependencies carry their evidence.
 */

export type Ecosystem = 'node' | 'python' | 'go' | 'rust' | 'ruby' | 'java' | 'php';

/** A dependency (or a marker such as a Maven parent or a Gradle plugin) and where it is named. */
export interface Dep {
  readonly name: string;
  readonly line: number | null;
  /** The file that names it, when not the manifest itself (pip's other requirements files). */
  readonly file?: string;
}

/** Where a dependency of a manifest is named. */
export function depAt(m: Manifest, dep: Dep): Evidence {
  return { path: dep.file ?? m.path, line: dep.line };
}

export interface Manifest {
  readonly ecosystem: Ecosystem;
  readonly manager: string;
  readonly path: string;
  readonly lockfile: string | null;
  readonly deps: readonly Dep[];
  readonly devDeps: readonly Dep[];
  /** Names that identify a framework without being dependencies (a Maven parent, Gradle plugins). */
  readonly markers: readonly Dep[];
  /** package.json scripts (name → command and line). */
  readonly scripts: ReadonlyMap<string, { readonly command: string; readonly line: number | null }>;
}

const NO_SCRIPTS: ReadonlyMap<string, { command: string; line: number | null }> = new Map();

/** Every manifest of the tree, in path order. */
export function readManifests(files: readonly ScannedFile[]): Manifest[] {
  const names = new Set(files.map((f) => f.path));
  const out: Manifest[] = [];
  const requirementsSeen = new Set<string>();
  for (const file of files) {
    if (file.text === null) continue;
    const base = baseName(file.path);
    const dir = dirOf(file.path);
    const beside = (name: string): string | null => (names.has(join(dir, name)) ? join(dir, name) : null);
    if (base === 'package.json') out.push(packageJson(file.path, file.text, names));
    else if (/^requirements[\w.-]*\.txt$/.test(base) && !requirementsSeen.has(dir)) {
      requirementsSeen.add(dir);
      out.push(requirements(dir, files));
    } else if (base === 'pyproject.toml') out.push(pyproject(file.path, file.text, beside));
    else if (base === 'Pipfile') out.push(pipfile(file.path, file.text, beside));
    else if (base === 'go.mod') out.push(goMod(file.path, file.text, beside));
    else if (base === 'Cargo.toml') out.push(cargo(file.path, file.text, beside));
    else if (base === 'Gemfile') out.push(gemfile(file.path, file.text, beside));
    else if (base === 'pom.xml') out.push(pom(file.path, file.text));
    else if (base === 'build.gradle' || base === 'build.gradle.kts') out.push(gradle(file.path, file.text, beside));
    else if (base === 'composer.json') out.push(composer(file.path, file.text, beside));
  }
  return out;
}

function manifest(m: Partial<Manifest> & Pick<Manifest, 'ecosystem' | 'manager' | 'path'>): Manifest {
  return { lockfile: null, deps: [], devDeps: [], markers: [], scripts: NO_SCRIPTS, ...m };
}

function packageJson(file: string, text: string, names: ReadonlySet<string>): Manifest {
  const json = parseJsonObject(text);
  const section = (key: string): Dep[] => {
    const value = json?.[key];
    if (!isRecord(value)) return [];
    const start = text.search(new RegExp(`"${key}"\\s*:`));
    return Object.keys(value).map((name) => ({ name, line: keyLine(text, name, start) }));
  };
  const scripts = new Map<string, { command: string; line: number | null }>();
  const rawScripts = json?.['scripts'];
  if (isRecord(rawScripts)) {
    const start = text.search(/"scripts"\s*:/);
    for (const [name, command] of Object.entries(rawScripts)) if (typeof command === 'string') scripts.set(name, { command, line: keyLine(text, name, start) });
  }
  // The lockfile beside it, else one above it (the root of a workspace).
  let lockfile: string | null = null;
  let manager = 'npm';
  for (let dir: string | undefined = dirOf(file); dir !== undefined && lockfile === null; dir = dir === '' ? undefined : dirOf(dir)) {
    for (const [lock, pm] of NODE_LOCKFILES) {
      if (names.has(join(dir, lock))) {
        lockfile = join(dir, lock);
        manager = pm;
        break;
      }
    }
  }
  if (lockfile === null && typeof json?.['packageManager'] === 'string') {
    const declared = json['packageManager'].split('@')[0] ?? '';
    if (['npm', 'pnpm', 'yarn', 'bun'].includes(declared)) manager = declared;
  }
  return manifest({ ecosystem: 'node', manager, path: file, lockfile, deps: [...section('dependencies'), ...section('peerDependencies')], devDeps: section('devDependencies'), scripts });
}

const NODE_LOCKFILES: readonly (readonly [string, string])[] = [
  ['pnpm-lock.yaml', 'pnpm'],
  ['yarn.lock', 'yarn'],
  ['bun.lockb', 'bun'],
  ['bun.lock', 'bun'],
  ['package-lock.json', 'npm'],
  ['npm-shrinkwrap.json', 'npm'],
];

/** The requirements files of one folder as one pip manifest: requirements.txt's, and the dev/test files' as dev dependencies. */
function requirements(dir: string, files: readonly ScannedFile[]): Manifest {
  const own = files.filter((f) => dirOf(f.path) === dir && /^requirements[\w.-]*\.txt$/.test(baseName(f.path)) && f.text !== null);
  const main = own.find((f) => baseName(f.path) === 'requirements.txt') ?? (own[0] as ScannedFile);
  const deps: Dep[] = [];
  const devDeps: Dep[] = [];
  for (const f of own) {
    const into = /dev|test|lint|ci/i.test(baseName(f.path)) ? devDeps : deps;
    (f.text ?? '').split(/\r?\n/).forEach((line, i) => {
      const name = requirementName(line);
      if (name !== undefined) into.push({ name, line: i + 1, file: f.path });
    });
  }
  return manifest({ ecosystem: 'python', manager: 'pip', path: main.path, deps, devDeps });
}

/** The project name of a PEP 508 requirement line (`Django>=4.2 ; python_version…` → `django`). */
export function requirementName(line: string): string | undefined {
  const m = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(line.replace(/#.*/, ''));
  if (!m || /^\s*-/.test(line)) return undefined;
  return pythonName(m[1] as string);
}

const pythonName = (name: string): string => name.toLowerCase().replace(/[_.]+/g, '-');

function pyproject(file: string, text: string, beside: (n: string) => string | null): Manifest {
  const toml = readToml(text);
  const has = (table: string): boolean => toml.tables.some((t) => t.name === table || t.name.startsWith(`${table}.`));
  const strings = (e: TomlEntry): Dep[] => e.strings.flatMap((s) => (requirementName(s) === undefined ? [] : [{ name: requirementName(s) as string, line: e.line }]));
  const deps: Dep[] = [];
  const devDeps: Dep[] = [];
  for (const e of toml.entries) {
    if (e.table === 'project' && e.key === 'dependencies') deps.push(...strings(e));
    else if (e.table === 'project.optional-dependencies' || e.table === 'dependency-groups') devDeps.push(...strings(e));
    else if (e.table === 'tool.poetry.dependencies' && e.key !== 'python') deps.push({ name: pythonName(e.key), line: e.line });
    else if (e.table === 'tool.poetry.dev-dependencies' || /^tool\.poetry\.group\.[^.]+\.dependencies$/.test(e.table)) devDeps.push({ name: pythonName(e.key), line: e.line });
  }
  const lock = beside('poetry.lock') ?? beside('uv.lock') ?? beside('pdm.lock');
  const manager = lock?.endsWith('poetry.lock') || has('tool.poetry') ? 'poetry' : lock?.endsWith('uv.lock') || has('tool.uv') ? 'uv' : lock?.endsWith('pdm.lock') || has('tool.pdm') ? 'pdm' : 'pip';
  return manifest({ ecosystem: 'python', manager, path: file, lockfile: lock, deps, devDeps });
}

function pipfile(file: string, text: string, beside: (n: string) => string | null): Manifest {
  const toml = readToml(text);
  const of = (table: string): Dep[] => toml.entries.filter((e) => e.table === table).map((e) => ({ name: pythonName(e.key), line: e.line }));
  return manifest({ ecosystem: 'python', manager: 'pipenv', path: file, lockfile: beside('Pipfile.lock'), deps: of('packages'), devDeps: of('dev-packages') });
}

function goMod(file: string, text: string, beside: (n: string) => string | null): Manifest {
  const deps: Dep[] = [];
  let inRequire = false;
  text.split(/\r?\n/).forEach((line, i) => {
    if (/^\s*require\s*\(/.test(line)) inRequire = true;
    else if (inRequire && /^\s*\)/.test(line)) inRequire = false;
    else {
      const m = inRequire ? /^\s*(\S+)\s+v\S+/.exec(line) : /^\s*require\s+(\S+)\s+v\S+/.exec(line);
      if (m && !/\/\/\s*indirect/.test(line)) deps.push({ name: m[1] as string, line: i + 1 });
    }
  });
  return manifest({ ecosystem: 'go', manager: 'go modules', path: file, lockfile: beside('go.sum'), deps });
}

function cargo(file: string, text: string, beside: (n: string) => string | null): Manifest {
  const toml = readToml(text);
  const deps: Dep[] = [];
  const devDeps: Dep[] = [];
  const kind = (table: string): 'deps' | 'dev' | undefined => (/(?:^|\.)(?:dependencies|build-dependencies)$/.test(table) ? 'deps' : /(?:^|\.)dev-dependencies$/.test(table) ? 'dev' : undefined);
  for (const e of toml.entries) {
    const k = kind(e.table);
    if (k !== undefined) (k === 'deps' ? deps : devDeps).push({ name: e.key, line: e.line });
  }
  // `[dependencies.serde]` tables name a dependency in their header.
  for (const t of toml.tables) {
    const m = /^(.*(?:dependencies|build-dependencies|dev-dependencies))\.([^.]+)$/.exec(t.name);
    if (m && kind(m[1] as string) !== undefined) (kind(m[1] as string) === 'deps' ? deps : devDeps).push({ name: m[2] as string, line: t.line });
  }
  return manifest({ ecosystem: 'rust', manager: 'cargo', path: file, lockfile: beside('Cargo.lock'), deps, devDeps });
}

function gemfile(file: string, text: string, beside: (n: string) => string | null): Manifest {
  const deps: Dep[] = [];
  const devDeps: Dep[] = [];
  let groups = 0;
  text.split(/\r?\n/).forEach((line, i) => {
    if (/^\s*group\b.*\bdo\s*$/.test(line)) groups++;
    else if (groups > 0 && /^\s*end\b/.test(line)) groups--;
    const m = /^\s*gem\s+['"]([^'"]+)['"]/.exec(line);
    if (m) (groups > 0 || /group:\s*\[?:(?:development|test)/.test(line) ? devDeps : deps).push({ name: m[1] as string, line: i + 1 });
  });
  return manifest({ ecosystem: 'ruby', manager: 'bundler', path: file, lockfile: beside('Gemfile.lock'), deps, devDeps });
}

function pom(file: string, text: string): Manifest {
  const deps: Dep[] = [];
  const devDeps: Dep[] = [];
  const markers: Dep[] = [];
  const tag = (block: string, name: string): string | undefined => new RegExp(`<${name}>\\s*([^<]+?)\\s*</${name}>`).exec(block)?.[1];
  for (const m of text.matchAll(/<dependency>([\s\S]*?)<\/dependency>/g)) {
    const block = m[1] as string;
    const name = `${tag(block, 'groupId') ?? ''}:${tag(block, 'artifactId') ?? ''}`;
    (tag(block, 'scope') === 'test' ? devDeps : deps).push({ name, line: lineAt(text, m.index) });
  }
  for (const m of text.matchAll(/<(parent|plugin)>([\s\S]*?)<\/\1>/g)) {
    const block = m[2] as string;
    markers.push({ name: `${tag(block, 'groupId') ?? ''}:${tag(block, 'artifactId') ?? ''}`, line: lineAt(text, m.index) });
  }
  return manifest({ ecosystem: 'java', manager: 'maven', path: file, deps, devDeps, markers });
}

function gradle(file: string, text: string, beside: (n: string) => string | null): Manifest {
  const deps: Dep[] = [];
  const devDeps: Dep[] = [];
  const markers: Dep[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const dep = /^\s*(implementation|api|compileOnly|runtimeOnly|annotationProcessor|kapt|testImplementation|testRuntimeOnly|testCompileOnly)\s*\(?\s*(?:platform\s*\(\s*)?['"]([^'":]+:[^'":]+)/.exec(
      line,
    );
    if (dep) ((dep[1] as string).startsWith('test') ? devDeps : deps).push({ name: dep[2] as string, line: i + 1 });
    const plugin = /^\s*id\s*\(?\s*['"]([^'"]+)['"]/.exec(line);
    if (plugin) markers.push({ name: plugin[1] as string, line: i + 1 });
  });
  return manifest({ ecosystem: 'java', manager: 'gradle', path: file, lockfile: beside('gradle.lockfile'), deps, devDeps, markers });
}

function composer(file: string, text: string, beside: (n: string) => string | null): Manifest {
  const json = parseJsonObject(text);
  const section = (key: string): Dep[] => {
    const value = json?.[key];
    if (!isRecord(value)) return [];
    const start = text.search(new RegExp(`"${key}"\\s*:`));
    return Object.keys(value)
      .filter((name) => name !== 'php' && !name.startsWith('ext-'))
      .map((name) => ({ name, line: keyLine(text, name, start) }));
  };
  return manifest({ ecosystem: 'php', manager: 'composer', path: file, lockfile: beside('composer.lock'), deps: section('require'), devDeps: section('require-dev') });
}

/** The line of `"key":` at or after `from` (a section's start), or null. */
function keyLine(text: string, key: string, from: number): number | null {
  if (from < 0) return null;
  const at = text.slice(from).search(new RegExp(`"${key.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}"\\s*:`));
  return at < 0 ? null : lineAt(text, from + at);
}

export function baseName(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

/** The folder of a relative path ('' at the top). */
export function dirOf(p: string): string {
  const slash = p.lastIndexOf('/');
  return slash === -1 ? '' : p.slice(0, slash);
}

export function join(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`;
}
