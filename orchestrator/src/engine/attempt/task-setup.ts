import type { AnalyzedTask } from '../../graph/analyzed.js';
import type { SetupRecord } from '../../store/manifest.js';
import type { RunWriter } from '../../store/run-writer.js';
import { taskCommandEnv } from '../../workspace/command-env.js';
import type { TaskEnvironments } from '../../workspace/environment.js';
import { abortFailure, type Failure } from './task-failure.js';
import type { TaskLog } from './task-log.js';
import { runChecks } from './verify.js';

/**
 * A task's worktree set up before its agent starts (`setup`, see `workspace/environment.ts`): the
 * commands' output goes to `setup/<n>.log` in the task folder and into the task's log, redacted
 * as it arrives; a failed or timed-out command is the attempt's failure (`setup-failed`), and the
 * agent does not start.
 */
export interface WorktreeSetup {
  readonly environments: TaskEnvironments;
  readonly writer: RunWriter;
  /** The run's environment (what the commands get, without the checkout's own). */
  readonly env: NodeJS.ProcessEnv;
  readonly setupTimeoutMs: number;
}

export async function setUpWorktree(
  s: WorktreeSetup,
  task: AnalyzedTask,
  where: { readonly worktree: string; readonly cwd: string; readonly taskDir: string },
  log: TaskLog,
  signal: AbortSignal,
): Promise<{ readonly record: SetupRecord | undefined; readonly failure: Failure | undefined }> {
  if (task.setup.length === 0) {
    // A parked worktree may hold what another task's setup made: this task works without it.
    await s.environments.clear(where.worktree);
    return { record: undefined, failure: undefined };
  }
  const { writer } = s;
  const envFor = (): NodeJS.ProcessEnv => taskCommandEnv(s.env, { repoRoot: writer.manifest.repo.root, worktree: where.worktree, cwd: where.cwd });
  log.section('setup');
  const outcome = await s.environments.setUp({
    worktree: where.worktree,
    cwd: where.cwd,
    commands: task.setup,
    timeoutMs: s.setupTimeoutMs,
    signal,
    say: (line) => log.line(`# ${line}`),
    run: (commands, runSignal) =>
      runChecks(commands, where.cwd, where.taskDir, writer.runDir, runSignal, {
        envFor,
        redactor: writer.redactor,
        onWriteError: (e, file) => writer.noteWriteError(e, file),
        folder: 'setup',
        stopAtFailure: true,
        tee: (text) => log.output(text),
      }),
  });
  for (const c of outcome.record.commands ?? [])
    log.line(`# $ ${c.command}: ${c.timedOut ? 'killed (timeout or stop)' : `exit ${c.exitCode ?? c.signal}`} in ${c.durationMs} ms (output: ${c.outputPath})`);
  if (outcome.ok) return { record: outcome.record, failure: undefined };
  if (signal.aborted) return { record: outcome.record, failure: abortFailure(signal) };
  log.line(`# ${outcome.message}`);
  return { record: outcome.record, failure: { reason: 'setup-failed', message: outcome.message, retryable: false } };
}
