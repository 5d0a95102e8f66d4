import path from 'node:path';
import { filesOfDiff } from '../../core/diff-files.js';
import { settle, type Settled } from '../../core/result.js';
import type { AnalyzedTask } from '../../graph/analyzed.js';
import type { CheckEvidence } from '../../roles/verdict.js';
import type { CheckResult } from '../../store/manifest.js';
import type { RunWriter } from '../../store/run-writer.js';
import { taskCommandEnv } from '../../workspace/command-env.js';
import type { TaskEnvironments } from '../../workspace/environment.js';
import type { DiffStat } from '../../workspace/git.js';
import type { Worktrees } from '../../workspace/worktrees.js';
import { checkEvidence } from './check-evidence.js';
import type { Workspace } from './prepare.js';
import type { TaskLog } from './task-log.js';
import { runChecks } from './verify.js';

/**
 * The attempt's checks stage: whatever the agent changed is committed on the task branch (even
 * when the turn failed) and its diff written; then, when the work completed, the task's verify
 * commands run in the worktree. Files are written while the attempt goes on (`writing`); the
 * caller waits for them before anything is digested.
 */

/** What the checks need: the worktrees (commit, diff), the setup's outputs (never committed), the run's files and environment. */
export interface ChecksPort {
  readonly worktrees: Pick<Worktrees, 'commitResult' | 'diff'>;
  readonly environments: Pick<TaskEnvironments, 'outputsOf'>;
  readonly writer: Pick<RunWriter, 'runDir' | 'manifest' | 'redactor' | 'replaceFile' | 'noteWriteError'>;
  readonly env: NodeJS.ProcessEnv;
}

export interface Committed {
  readonly resultCommit: string;
  readonly stat: DiffStat;
  /** The task's change, redacted as in `diff.patch`. */
  readonly diffText: string;
}

export async function commitAndDiff(
  p: ChecksPort,
  task: AnalyzedTask,
  attempt: number,
  where: Workspace,
  at: { readonly taskDir: string; readonly log: TaskLog; readonly codexDiffFiles: readonly string[] | undefined; readonly writing: Promise<Settled<void>>[] },
): Promise<Committed> {
  const { worktree, baseCommit } = where;
  const resultCommit = await p.worktrees.commitResult(worktree, `codex-orchestrator: ${task.id} (attempt ${attempt})`, p.environments.outputsOf(worktree));
  const diff = await p.worktrees.diff(baseCommit, resultCommit);
  if (at.codexDiffFiles) at.log.line(crossCheckDiff(at.codexDiffFiles, filesOfDiff(diff.patch)));
  const diffText = p.writer.redactor.text(diff.patch);
  at.writing.push(settle(p.writer.replaceFile(path.join(at.taskDir, 'diff.patch'), diffText)));
  return { resultCommit, stat: diff.stat, diffText };
}

export interface Verified {
  readonly checks: CheckResult[];
  /** The checks with their output, for the agents (and whether each ran no tests). */
  readonly evidence: CheckEvidence[];
}

export async function verify(
  p: ChecksPort,
  task: AnalyzedTask,
  attempt: number,
  where: Workspace,
  at: { readonly taskDir: string; readonly log: TaskLog; readonly signal: AbortSignal; readonly writing: Promise<Settled<void>>[] },
): Promise<Verified> {
  const { writer } = p;
  const { worktree, cwd } = where;
  const checks = await runChecks(task.verify, cwd, at.taskDir, writer.runDir, at.signal, {
    envFor: () => taskCommandEnv(p.env, { repoRoot: writer.manifest.repo.root, worktree, cwd }),
    redactor: writer.redactor,
    onWriteError: (e, file) => writer.noteWriteError(e, file),
  });
  at.log.checks(checks);
  const checksFile = path.join(at.taskDir, 'checks.json');
  at.writing.push(settle(writer.replaceFile(checksFile, `${JSON.stringify(writer.redactor.json({ task: task.id, attempt, checks }), null, 2)}\n`)));
  return { checks, evidence: await checkEvidence(writer.runDir, checks) };
}

/**
 * Codex's own diff of its turn against the task's diff (git, from the task's base): every file
 * Codex says it changed should be in it. Codex counts its patches, not what commands wrote, so the
 * task's diff may hold more; a file missing from it was changed back, or is one git does not track.
 */
export function crossCheckDiff(codexFiles: readonly string[], taskFiles: readonly string[]): string {
  const inTask = new Set(taskFiles);
  const missing = codexFiles.filter((f) => !inTask.has(f));
  const what = `# Codex's own diff of the turn names ${codexFiles.length} file${codexFiles.length === 1 ? '' : 's'}`;
  if (missing.length === 0) return `${what}; all are in the task's diff (${taskFiles.length} file${taskFiles.length === 1 ? '' : 's'})`;
  return `${what}; not in the task's diff: ${missing.join(', ')} (changed back afterwards, or not tracked by git)`;
}
