import { execFileSync } from 'node:child_process';
import path from 'node:path';
import type { RunId } from '../core/ids.js';
import { RunLayout } from '../store/layout.js';
import { renderReadFailure, resolveRunId } from '../store/read.js';
import type { Output } from './output.js';

/**
 * Where runs live: `--runs-dir`, else $CODEX_ORCHESTRATOR_RUNS_DIR, else `.runs/` at the top of the
 * git repository holding the current directory, else `./.runs`.
 */
export function resolveRunsDir(flag: string | undefined, cwd = process.cwd(), env = process.env): string {
  if (flag) return path.resolve(cwd, flag);
  const fromEnv = env['CODEX_ORCHESTRATOR_RUNS_DIR'];
  if (fromEnv) return path.resolve(cwd, fromEnv);
  try {
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

/**
 * The run a command names (a run id or `latest`) and its folder; undefined once it has said why
 * there is none (the command then exits with `Exit.usage`).
 */
export async function namedRun(runsDir: string, target: string, out: Output): Promise<{ readonly id: RunId; readonly runDir: string } | undefined> {
  const id = await resolveRunId(runsDir, target);
  if (!id.ok) {
    out.info(renderReadFailure(id.error));
    return undefined;
  }
  return { id: id.value, runDir: RunLayout.runDir(runsDir, id.value) };
}
