import path from 'node:path';
import type { RunId, TaskId } from '../core/ids.js';

/**
 * The `.runs/` layout, in one place:
 *
 *   .runs/index.json
 *   .runs/<run-id>/manifest.json, runner.log, graph.yaml, trace.jsonl
 *   .runs/<run-id>/tasks/<task-id>/events.jsonl, log.txt, diff.patch, checks.json, checks/<n>.log, verdict.json
 *   .runs/<run-id>/worktrees/      task worktrees of runs made before they moved out of the repository
 *
 * Ids are branded and validated, so these joins never leave the run folder; files below it are
 * written through `run-files.ts`, which never follows a symbolic link. The run's CODEX_HOME is
 * not here: Codex keeps full, unredacted transcripts in it, so it lives in a private folder
 * beside `.runs/` (see `engine/session/codex-home-dir.ts`).
 */
export const RunLayout = {
  index: (runsDir: string) => path.join(runsDir, 'index.json'),
  runDir: (runsDir: string, runId: RunId) => path.join(runsDir, runId),
  manifest: (runDir: string) => path.join(runDir, 'manifest.json'),
  runnerLog: (runDir: string) => path.join(runDir, 'runner.log'),
  graphCopy: (runDir: string) => path.join(runDir, 'graph.yaml'),
  /** The role agents' spans (`agents/tracing.ts`), appended by every session of the run. */
  trace: (runDir: string) => path.join(runDir, 'trace.jsonl'),
  /** Where runs recorded before `repo.worktrees` existed made their worktrees; see `worktreesOf`. */
  worktrees: (runDir: string) => path.join(runDir, 'worktrees'),
  taskDir: (runDir: string, taskId: TaskId) => path.join(runDir, 'tasks', taskId),
} as const;

/** `a/b/c` relative to the run folder, for the manifest (always `/`, whatever the platform). */
export function relativeToRun(runDir: string, file: string): string {
  return path.relative(runDir, file).split(path.sep).join('/');
}

/** Where a run's task worktrees are: as its manifest records (`workspace/worktree-root.ts`), else inside its run folder. */
export function worktreesOf(manifest: { readonly repo: { readonly worktrees?: string | undefined } }, runDir: string): string {
  return manifest.repo.worktrees ?? RunLayout.worktrees(runDir);
}
