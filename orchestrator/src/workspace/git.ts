import path from 'node:path';
import { execCommand, type ExecResult } from '../core/spawner.js';

/**
 * Runs git. Commits made by the orchestrator carry its own identity and skip the user's hooks,
 * so runs behave the same on every machine (CI has no git identity configured).
 */

/** How a git command ended (`code` 1 when git could not run at all). */
export type GitResult = ExecResult;

const IDENTITY = {
  GIT_AUTHOR_NAME: 'codex-orchestrator',
  GIT_AUTHOR_EMAIL: 'codex-orchestrator@localhost',
  GIT_COMMITTER_NAME: 'codex-orchestrator',
  GIT_COMMITTER_EMAIL: 'codex-orchestrator@localhost',
  GIT_TERMINAL_PROMPT: '0',
};

export function runGit(cwd: string, args: readonly string[]): Promise<GitResult> {
  return execCommand('git', ['-c', 'core.hooksPath=/dev/null', '-c', 'commit.gpgsign=false', ...args], {
    cwd,
    env: { ...process.env, ...IDENTITY },
    maxBuffer: 256 * 1024 * 1024,
  });
}

/** Runs git and returns trimmed stdout; a non-zero exit is a bug or an environment problem here. */
export async function git(cwd: string, args: readonly string[]): Promise<string> {
  return (await runGitChecked(cwd, args)).stdout.trim();
}

/** Runs git; a non-zero exit throws. The output is left as git wrote it. */
export async function runGitChecked(cwd: string, args: readonly string[]): Promise<GitResult> {
  const result = await runGit(cwd, args);
  if (result.code !== 0) throw new GitError(args, result);
  return result;
}

export class GitError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly result: GitResult,
  ) {
    super(`git ${args.join(' ')} failed (exit ${result.code}): ${result.stderr.trim() || result.stdout.trim()}`);
  }
}

/** The top level of the repository holding `dir`, or undefined when it is not in one. */
export async function repoRootOf(dir: string): Promise<string | undefined> {
  const result = await runGit(dir, ['rev-parse', '--show-toplevel']);
  return result.code === 0 ? result.stdout.trim() : undefined;
}

/**
 * The repository's common git folder (shared by all its worktrees), absolute: the result of
 * `git rev-parse --git-common-dir`, or git's message when it could not say.
 */
export async function gitCommonDir(root: string): Promise<{ ok: true; dir: string } | { ok: false; message: string }> {
  const result = await runGit(root, ['rev-parse', '--git-common-dir']);
  const dir = result.stdout.trim();
  if (result.code !== 0 || dir === '') return { ok: false, message: result.stderr.trim() || `git rev-parse exited ${result.code}` };
  return { ok: true, dir: path.resolve(root, dir) };
}

/** The full commit id a ref names, or undefined when it names none. */
export async function resolveCommit(root: string, ref: string): Promise<string | undefined> {
  const result = await runGit(root, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  return result.code === 0 ? result.stdout.trim() : undefined;
}

export async function hasUncommittedChanges(root: string): Promise<boolean> {
  const result = await runGit(root, ['status', '--porcelain', '--untracked-files=no']);
  return result.code === 0 && result.stdout.trim() !== '';
}

/** Counts of a diff: files changed, lines added and removed (binary files count as files only). */
export interface DiffStat {
  readonly files: number;
  readonly insertions: number;
  readonly deletions: number;
}

/** Reads `git diff --numstat` lines (binary files count as files only). */
export function parseNumstat(out: string): DiffStat {
  let files = 0;
  let insertions = 0;
  let deletions = 0;
  for (const line of out.split('\n')) {
    if (!line) continue;
    const [add, del] = line.split('\t');
    files++;
    insertions += Number(add) || 0;
    deletions += Number(del) || 0;
  }
  return { files, insertions, deletions };
}
