import { execFileSync } from 'node:child_process';
import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveRunsDir, workTreeTop } from '../../src/cli/runs-dir.js';
import { git, tempDir } from '../helpers/temp.js';

/** What git itself says, as `resolveRunsDir` asked it before it looked for `.git` by itself. */
function gitTop(cwd: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', '--show-toplevel'], { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The environment without git's discovery variables (a test run from a git hook would have them). */
function plainEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_CEILING_DIRECTORIES', 'GIT_DISCOVERY_ACROSS_FILESYSTEM', 'GIT_COMMON_DIR']) delete env[name];
  return env;
}

describe('resolveRunsDir', () => {
  it('finds the top of the work tree as git does: root, subfolder, linked worktree, submodule-like gitdir file, inside .git, outside any repository', () => {
    const root = realpathSync(tempDir('co-runs-dir-'));
    const repo = path.join(root, 'repo');
    mkdirSync(path.join(repo, 'a', 'b'), { recursive: true });
    git(repo, 'init', '-q', '-b', 'main');
    writeFileSync(path.join(repo, 'a', 'b', 'f.txt'), 'x');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'one');
    git(repo, 'worktree', 'add', '-q', path.join(root, 'linked'));
    const outside = path.join(root, 'outside');
    mkdirSync(outside);
    const env = plainEnv();
    const places = [repo, path.join(repo, 'a', 'b'), path.join(root, 'linked'), path.join(root, 'linked', 'a'), path.join(repo, '.git'), path.join(repo, '.git', 'refs'), outside];
    for (const cwd of places) {
      expect(workTreeTop(cwd, env), cwd).toBe(gitTop(cwd, env));
      expect(resolveRunsDir(undefined, cwd, env), cwd).toBe(path.join(gitTop(cwd, env) ?? cwd, '.runs'));
    }
    expect(workTreeTop(path.join(repo, 'a'), env)).toBe(repo);
    expect(workTreeTop(outside, env)).toBeUndefined();
  });

  it('asks git when its environment moves the repository', () => {
    const root = realpathSync(tempDir('co-runs-dir-'));
    const repo = path.join(root, 'repo');
    const other = path.join(root, 'other');
    mkdirSync(other);
    mkdirSync(repo);
    git(repo, 'init', '-q', '-b', 'main');
    const env = { ...plainEnv(), GIT_DIR: path.join(repo, '.git'), GIT_WORK_TREE: repo };
    expect(gitTop(other, env)).toBe(repo);
    expect(workTreeTop(other, env)).toBe(repo);
  });

  it('--runs-dir, then $CODEX_ORCHESTRATOR_RUNS_DIR, come before the repository', () => {
    const root = realpathSync(tempDir('co-runs-dir-'));
    expect(resolveRunsDir('x', root, {})).toBe(path.join(root, 'x'));
    expect(resolveRunsDir(undefined, root, { CODEX_ORCHESTRATOR_RUNS_DIR: 'y' })).toBe(path.join(root, 'y'));
  });
});
