import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, mkdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach } from 'vitest';
import type { RunId } from '../../src/core/ids.js';
import { packageRoot } from '../../src/core/package-info.js';
import { isAlive, processesWorkingIn } from '../../src/core/process-tree.js';
import { runWorktreesDir, worktreeRoot } from '../../src/workspace/worktree-root.js';

const perTest: string[] = [];
const perFile: string[] = [];

/** A fresh temporary directory, removed after the test (or after the file, for `beforeAll` use). */
export function tempDir(prefix = 'co-test-', scope: 'test' | 'file' = 'test'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  (scope === 'test' ? perTest : perFile).push(dir);
  return dir;
}

function remove(dirs: string[]): void {
  if (process.env['KEEP_TEMP']) return;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
}

/** What a test started and must end, even when it failed: run before its folders are removed. */
const enders: (() => Promise<void>)[] = [];

/** Ends `end` after the current test (processes it started), before its temp folders go. */
export function endAfterTest(end: () => Promise<void>): void {
  enders.push(end);
}

/**
 * Kills every process still working in `dirs` or in the worktrees of runs started there, whoever
 * its parent is now: a command whose parent died while it forked is found by where it works, not
 * by its lineage. Repeats until a look finds nothing, so a process forked meanwhile goes too.
 */
async function sweep(dirs: readonly string[]): Promise<void> {
  const root = worktreeRoot(undefined);
  const places = dirs.flatMap((dir) => [dir, path.dirname(runWorktreesDir(root, dir, 'run' as RunId))]);
  for (let round = 0; round < 20; round++) {
    const left = places.flatMap(processesWorkingIn);
    if (left.length === 0) return;
    for (const pid of left) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
    const deadline = Date.now() + 1000;
    while (Date.now() < deadline && left.some(isAlive)) await new Promise((r) => setTimeout(r, 10));
  }
}

afterEach(async () => {
  for (const end of enders.splice(0).reverse()) await end();
  await sweep(perTest);
  remove(perTest);
});
afterAll(async () => {
  await sweep(perFile);
  remove(perFile);
});

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' },
  }).trim();
}

/**
 * The repository's worktrees besides its own checkout that are not ones a run kept for the next
 * (`workspace/kept-worktrees.ts`: in a `_kept` folder, detached, locked); empty once every run ended.
 */
export function worktreesLeft(repo: string): string[] {
  return git(repo, 'worktree', 'list', '--porcelain')
    .split('\n\n')
    .slice(1)
    .filter((block) => !isKept(block))
    .map((block) => /^worktree (.*)$/m.exec(block)?.[1] ?? block);
}

/** The worktrees runs kept for the next run of the repository (detached and locked, in a `_kept` folder). */
export function keptWorktrees(repo: string): string[] {
  return git(repo, 'worktree', 'list', '--porcelain')
    .split('\n\n')
    .slice(1)
    .filter((block) => isKept(block))
    .map((block) => /^worktree (.*)$/m.exec(block)?.[1] ?? block);
}

function isKept(block: string): boolean {
  return /^worktree .*\/_kept\/[^/]+$/m.test(block) && /^detached$/m.test(block) && /^locked/m.test(block);
}

/** A git repository with the given files committed on `main`. */
export function tempRepo(files: Record<string, string> = { 'README.md': '# test\n' }): string {
  const dir = tempDir('co-repo-');
  git(dir, 'init', '-q', '-b', 'main');
  writeFiles(dir, files);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'initial');
  return dir;
}

export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(dir, name);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
}

/** A fenced block for prompts the offline model carries out. */
export function fence(lang: string, body: string): string {
  return `\`\`\`${lang}\n${body.replace(/\n?$/, '\n')}\`\`\``;
}

/** An apply_patch block adding a file. */
export function addFilePatch(file: string, content: string): string {
  const lines = content
    .replace(/\n$/, '')
    .split('\n')
    .map((l) => `+${l}`);
  return fence('patch', ['*** Begin Patch', `*** Add File: ${file}`, ...lines, '*** End Patch'].join('\n'));
}

/** A git repository (its real path) holding the shipped legacy example `examples/<name>`, committed. */
export function exampleRepo(name: string, prefix = 'co-example-'): string {
  const root = realpathSync(tempDir(prefix));
  cpSync(path.join(packageRoot(), 'examples', name), root, { recursive: true });
  git(root, 'init', '-q', '-b', 'main');
  git(root, 'add', '-A');
  git(root, '-c', 'user.name=T', '-c', 'user.email=t@example.com', 'commit', '-qm', 'init');
  return root;
}
