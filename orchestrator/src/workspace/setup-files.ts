import { spawn } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { lstat, mkdir, readdir, readlink } from 'node:fs/promises';
import path from 'node:path';
import { runGitChecked } from './git.js';

/**
 * What a worktree's setup reads and writes on disk: which files decide its key, what it made (as
 * git sees it), whether that names its worktree's own path, and copying it to another worktree.
 */

/** Files whose contents decide what a dependency install installs. */
const DEPENDENCY_FILES = new Set([
  'package.json',
  'package-lock.json',
  'npm-shrinkwrap.json',
  'pnpm-lock.yaml',
  'pnpm-workspace.yaml',
  'yarn.lock',
  '.npmrc',
  '.yarnrc.yml',
  'bun.lockb',
  'bun.lock',
  'pyproject.toml',
  'uv.lock',
  'poetry.lock',
  'Pipfile',
  'Pipfile.lock',
  'setup.py',
  'setup.cfg',
  'go.mod',
  'go.sum',
  'Cargo.toml',
  'Cargo.lock',
  'Gemfile',
  'Gemfile.lock',
  'composer.json',
  'composer.lock',
]);

export function isDependencyFile(file: string): boolean {
  const name = path.posix.basename(file);
  return DEPENDENCY_FILES.has(name) || /^requirements.*\.(txt|in)$/.test(name) || /^constraints.*\.txt$/.test(name);
}

/** Untracked and ignored paths (what setup made) and changed tracked files, as git sees them. */
export async function changedPaths(worktree: string): Promise<{ made: string[]; tracked: string[] }> {
  const out = (await runGitChecked(worktree, ['status', '--porcelain=v1', '-z', '--ignored=matching', '--untracked-files=normal'])).stdout;
  const made: string[] = [];
  const tracked: string[] = [];
  const entries = out.split('\0');
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i] as string;
    if (entry.length < 4) continue;
    const code = entry.slice(0, 2);
    const file = entry.slice(3);
    if (code === '??' || code === '!!') made.push(file.replace(/\/$/, ''));
    else tracked.push(file);
    // A rename's entry is followed by its source.
    if (code[0] === 'R' || code[0] === 'C') i++;
  }
  return { made: made.sort(), tracked: tracked.sort() };
}

/**
 * Why outputs cannot be copied to another worktree, if they cannot: a file naming the worktree's
 * own path, or an absolute link into it. Files are searched with `grep -F` (fast on hundreds of
 * megabytes); links are read one by one.
 */
export async function selfReference(worktree: string, outputs: readonly string[]): Promise<string | undefined> {
  if (outputs.length === 0) return undefined;
  const roots = [...new Set([worktree, realpath(worktree)])];
  for (const output of outputs) {
    const link = await absoluteLinkInto(path.join(worktree, output), roots);
    if (link) return `${path.relative(worktree, link)} links to a path of this worktree`;
  }
  for (const root of roots) {
    const found = await grepFirst(root, worktree, outputs);
    if (found) return `${found} names this worktree's path`;
  }
  return undefined;
}

async function absoluteLinkInto(start: string, roots: readonly string[]): Promise<string | undefined> {
  const stack = [start];
  while (stack.length > 0) {
    const p = stack.pop() as string;
    const info = await lstat(p).catch(() => undefined);
    if (!info) continue;
    if (info.isSymbolicLink()) {
      const target = await readlink(p);
      if (path.isAbsolute(target) && roots.some((r) => target === r || target.startsWith(r + path.sep))) return p;
    } else if (info.isDirectory()) {
      for (const name of await readdir(p)) stack.push(path.join(p, name));
    }
  }
  return undefined;
}

/** The first file below `outputs` of `worktree` that contains `needle` (relative), or undefined. */
function grepFirst(needle: string, worktree: string, outputs: readonly string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    const child = spawn('grep', ['-r', '-l', '-F', '-m', '1', '--no-messages', '--', needle, ...outputs], { cwd: worktree, stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
      if (out.includes('\n')) child.kill();
    });
    child.on('error', () => resolve(undefined));
    child.on('close', () => resolve(out.split('\n')[0] || undefined));
  });
}

/** `cp -a` (reflinked where the file system can) or `cp -al` (hard links) of a file or folder. */
export async function copyPath(from: string, to: string, how: 'copy' | 'link'): Promise<void> {
  await mkdir(path.dirname(to), { recursive: true });
  const info = await lstat(from);
  const args = info.isDirectory() && !info.isSymbolicLink() ? [`${from}/.`, to] : [from, to];
  if (info.isDirectory()) await mkdir(to, { recursive: true });
  const flags = how === 'link' ? ['-a', '-l'] : ['-a', '--reflink=auto'];
  await new Promise<void>((resolve, reject) => {
    const child = spawn('cp', [...flags, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`cp ${args.join(' ')} failed: ${stderr.trim() || `exit ${code}`}`))));
  });
}

function realpath(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}
