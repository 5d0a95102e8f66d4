import { readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * Where runs live: `--runs-dir`, else $CODEX_ORCHESTRATOR_RUNS_DIR, else `.runs/` at the top of the
 * git repository holding the current directory, else `./.runs`.
 */
export function resolveRunsDir(flag: string | undefined, cwd = process.cwd(), env = process.env): string {
  if (flag) return path.resolve(cwd, flag);
  const fromEnv = env['CODEX_ORCHESTRATOR_RUNS_DIR'];
  if (fromEnv) return path.resolve(cwd, fromEnv);
  return path.join(workTreeTop(cwd, env) ?? cwd, '.runs');
}

/** Variables that move git's search for the repository: with any of them set, git itself is asked. */
const GIT_DISCOVERY_ENV = ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_CEILING_DIRECTORIES', 'GIT_DISCOVERY_ACROSS_FILESYSTEM', 'GIT_COMMON_DIR'];

/**
 * The top of the git work tree holding `cwd`, as `git rev-parse --show-toplevel` gives it, or
 * undefined outside one. Found by looking up for `.git` (a folder with a `HEAD`, or a worktree's or
 * submodule's `gitdir:` file) owned by this user: starting git costs `poll` and `validate` 10–30 ms
 * of a ~100 ms answer. Git decides whatever this does not know for sure (the variables above, a
 * `.git` of another kind or owner, `cwd` inside a `.git` folder).
 */
export function workTreeTop(cwd: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (GIT_DISCOVERY_ENV.some((name) => env[name] !== undefined)) return askGit(cwd, env);
  let dir: string;
  try {
    dir = realpathSync(cwd);
  } catch {
    return askGit(cwd, env);
  }
  const uid = process.getuid?.();
  for (;;) {
    if (path.basename(dir) === '.git') return askGit(cwd, env);
    const dotGit = path.join(dir, '.git');
    const found = statSync(dotGit, { throwIfNoEntry: false });
    if (found) {
      if (uid === undefined || found.uid !== uid) return askGit(cwd, env);
      if (found.isDirectory() && statSync(path.join(dotGit, 'HEAD'), { throwIfNoEntry: false })?.isFile()) return dir;
      if (found.isFile() && readFileSync(dotGit, 'utf8').startsWith('gitdir: ')) return dir;
      return askGit(cwd, env);
    }
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function askGit(cwd: string, env: NodeJS.ProcessEnv): string | undefined {
  try {
    // Loaded here, not imported: `node:child_process` costs every start-up (help, a typo) a few ms.
    const { execFileSync } = process.getBuiltinModule('node:child_process');
    const top = execFileSync('git', ['rev-parse', '--show-toplevel'], { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return top || undefined;
  } catch {
    // Not in a repository.
    return undefined;
  }
}

export { displayPath } from '../core/display-path.js';
