import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import type { RunId } from '../core/ids.js';

/**
 * Where a run's task worktrees are made: `<root>/<repository>-<hash>/<run-id>/`, outside the
 * user's repository by default, so that nothing of the checkout is found from a worktree by
 * walking up (Node's `node_modules` lookup, a `.venv` or an editable install of the checkout):
 * a tester tests the code of its worktree, not the checkout's.
 *
 * The root: `settings.worktreeRoot` when the graph sets one, else
 * `$CODEX_ORCHESTRATOR_WORKTREES`, else the user's cache folder (`$XDG_CACHE_HOME`, or
 * `~/.cache`) + `codex-orchestrator/worktrees`. The repository's part of the path is its folder
 * name and a hash of its real path, so two checkouts of one project never share a folder.
 */
export function worktreeRoot(configured: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (configured) return path.resolve(configured);
  const fromEnv = env['CODEX_ORCHESTRATOR_WORKTREES'];
  if (fromEnv) return path.resolve(fromEnv);
  const cache = env['XDG_CACHE_HOME'] && path.isAbsolute(env['XDG_CACHE_HOME']) ? env['XDG_CACHE_HOME'] : path.join(homedir(), '.cache');
  return path.join(cache, 'codex-orchestrator', 'worktrees');
}

/** The folder of one run's worktrees below `root`. */
export function runWorktreesDir(root: string, repoRoot: string, runId: RunId): string {
  let real = repoRoot;
  try {
    real = realpathSync(repoRoot);
  } catch {
    // A repository that vanished keeps the path it was given.
  }
  const hash = createHash('sha256').update(real).digest('hex').slice(0, 10);
  const name =
    path
      .basename(real)
      .replace(/[^A-Za-z0-9._-]/g, '_')
      .slice(0, 40) || 'repo';
  return path.join(root, `${name}-${hash}`, runId);
}

/** Whether `dir` is `root` or below it (both resolved). */
export function isInside(dir: string, root: string): boolean {
  const rel = path.relative(path.resolve(root), path.resolve(dir));
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}
