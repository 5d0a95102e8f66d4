import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import type { RunId } from '../core/ids.js';
import { processesHolding } from '../core/process-tree.js';
import { err, ok, type Result } from '../core/result.js';

/**
 * git's lock files that a session of a run leaves when it is killed mid-command (`kill -9` of its
 * process group while `git add` runs in a task's worktree leaves `.git/worktrees/<task>/index.lock`).
 * Every later git command in that worktree fails ("Unable to create '…/index.lock': File exists"),
 * so `resume` clears them first. Only locks of this run are looked at: those in the admin folders
 * of its own worktrees, and those of its own branches (`codex-orchestrator/…/<run-id>/…`). The
 * user's index, HEAD and other refs are never touched. A lock file some live process holds open
 * is left alone and reported.
 */

/** A lock file a live process holds: git is still at work there. */
export interface HeldGitLock {
  readonly reason: 'git-lock-held';
  readonly file: string;
  readonly pids: readonly number[];
}

/** Removes the run's stale git lock files; returns the ones removed, or the first one still held. */
export function clearStaleGitLocks(gitCommonDir: string, runId: RunId, worktreesDir: string): Result<string[], HeldGitLock> {
  const removed: string[] = [];
  for (const file of runLockFiles(gitCommonDir, runId, worktreesDir)) {
    const pids = processesHolding(file);
    if (pids.length > 0) return err({ reason: 'git-lock-held', file, pids });
    rmSync(file, { force: true });
    removed.push(file);
  }
  return ok(removed);
}

export function renderHeldGitLock(f: HeldGitLock): string {
  return `error: git's lock ${f.file} is held by process ${f.pids.join(', ')}, so the run's worktrees cannot be used yet\n  hint: wait for that git command to end (or end it), then resume again`;
}

/** The lock files that belong to the run: in its worktrees' admin folders and among its branches. */
function runLockFiles(gitCommonDir: string, runId: RunId, worktreesDir: string): string[] {
  const out: string[] = [];
  const admin = path.join(gitCommonDir, 'worktrees');
  const prefix = path.resolve(worktreesDir) + path.sep;
  for (const name of listDir(admin)) {
    const dir = path.join(admin, name);
    // `gitdir` names the worktree's `.git` file: ours when it lies in the run's worktrees folder.
    const gitdir = readText(path.join(dir, 'gitdir'));
    if (gitdir === undefined || !path.resolve(gitdir.trim()).startsWith(prefix)) continue;
    out.push(...locksIn(dir, false));
  }
  const heads = path.join(gitCommonDir, 'refs', 'heads', 'codex-orchestrator');
  // The integration branch `codex-orchestrator/<run-id>`.
  const integration = path.join(heads, `${runId}.lock`);
  if (existsSync(integration)) out.push(integration);
  for (const group of listDir(heads)) {
    const dir = path.join(heads, group, runId);
    if (existsSync(dir)) out.push(...locksIn(dir, true));
  }
  return out;
}

function locksIn(dir: string, recursive: boolean): string[] {
  const out: string[] = [];
  for (const name of listDir(dir)) {
    const file = path.join(dir, name);
    const stat = statSync(file, { throwIfNoEntry: false });
    if (stat?.isDirectory()) {
      if (recursive) out.push(...locksIn(file, true));
    } else if (name.endsWith('.lock')) {
      out.push(file);
    }
  }
  return out;
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
