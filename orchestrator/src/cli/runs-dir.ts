import path from 'node:path';

/**
 * Where runs live: `--runs-dir`, else $CODEX_ORCHESTRATOR_RUNS_DIR, else `.runs/` at the top of the
 * git repository holding the current directory, else `./.runs`.
 */
export function resolveRunsDir(flag: string | undefined, cwd = process.cwd(), env = process.env): string {
  if (flag) return path.resolve(cwd, flag);
  const fromEnv = env['CODEX_ORCHESTRATOR_RUNS_DIR'];
  if (fromEnv) return path.resolve(cwd, fromEnv);
  try {
    // Loaded here, not imported: `node:child_process` costs every start-up (help, a typo) a few ms.
    const { execFileSync } = process.getBuiltinModule('node:child_process');
    const top = execFileSync('git', ['rev-parse', '--show-toplevel'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (top) return path.join(top, '.runs');
  } catch {
    // Not in a repository.
  }
  return path.join(cwd, '.runs');
}

/** A path for people: relative to cwd when inside it. */
export function displayPath(file: string, cwd = process.cwd()): string {
  const rel = path.relative(cwd, file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}
