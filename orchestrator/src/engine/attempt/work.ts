import { processesWorkingIn, terminate } from '../../core/process-tree.js';
import { mkdir, rm } from 'node:fs/promises';
import { worktreeTmpDir } from '../../backends/codex-home.js';
import type { AnalyzedTask } from '../../graph/analyzed.js';
import type { SandboxDenial } from '../../store/manifest.js';
import type { EscapeWatch } from '../../workspace/escape-watch.js';
import type { Workspace } from './prepare.js';
import { recordThread } from './record.js';
import { describeDenial, SandboxEvents } from './sandbox-events.js';
import type { TaskLog } from './task-log.js';
import type { AttemptUsage } from './task-usage.js';
import { doTaskWork, type TurnPlan, type WorkPort, type WorkResult } from './task-work.js';

/**
 * The attempt's work stage: the turn (`task-work.ts`) watched from outside. The user's checkout,
 * its git folder and the run folder are snapshotted around it, and Codex's events read for
 * writes the sandbox denied or that landed outside the worktree (`sandbox-escape`). Commands a
 * stopped or timed-out turn left behind in the worktree are ended here.
 */

/** What the stage needs besides the work's own port: the escape watch and where Codex's commands keep temporary files. */
export interface WatchedWorkPort extends WorkPort {
  readonly escapeWatch: EscapeWatch;
  readonly codexHome: string;
}

export interface WatchedWork {
  readonly work: WorkResult;
  /** Files outside the worktree that changed during the turn (as the watch shows them). */
  readonly escaped: readonly string[];
  /** Guarded paths the sandbox denied writes to. */
  readonly deniedHere: readonly string[];
  readonly denials: SandboxDenial[];
  /** How many commands Codex ran to their end. */
  readonly commandsEnded: number;
  /** The files of Codex's own last diff of the turn (app-server). */
  readonly codexDiffFiles: readonly string[] | undefined;
}

export async function watchedWork(
  p: WatchedWorkPort,
  task: AnalyzedTask,
  plan: TurnPlan,
  where: Workspace,
  at: { readonly signal: AbortSignal; readonly log: TaskLog; readonly usage: AttemptUsage; readonly onUsage: () => void },
): Promise<WatchedWork> {
  const { worktree, cwd } = where;
  const { log, signal } = at;
  const watch = p.escapeWatch;
  const before = await watch.snapshot();
  const tmpDir = worktreeTmpDir(p.codexHome, worktree);
  await mkdir(tmpDir, { recursive: true, mode: 0o700 });
  const sandbox = new SandboxEvents(worktree, cwd, [tmpDir]);
  const commands = { ended: 0 };
  const codexDiff: { files: readonly string[] | undefined } = { files: undefined };
  const work = await doTaskWork({ ctx: p, task, plan, cwd, tmpDir, signal, log, usage: at.usage, onUsage: at.onUsage, sandbox, commands, codexDiff });
  // A stopped or timed-out turn may leave commands behind in the worktree: end them first.
  if (work.failure && signal.aborted) await terminate(processesWorkingIn(worktree), 300);
  // What the commands left in their temporary folder is scratch; the run's end removes whatever is left.
  await rm(tmpDir, { recursive: true, force: true, maxRetries: 2 }).catch(() => undefined);
  const escaped = [...new Set([...watch.changes(before, await watch.snapshot()), ...sandbox.writesOutside.map((f) => watch.display(f))])];
  const denials = sandbox.denials;
  const deniedHere = [...new Set(denials.flatMap((d) => (d.path !== undefined && watch.guards(d.path) ? [watch.display(d.path)] : [])))].sort();
  if (denials.length > 0) log.line(`# the sandbox denied ${denials.length} write${denials.length === 1 ? '' : 's'}: ${denials.map(describeDenial).join('; ')}`);
  if (escaped.length > 0) log.line(`# changed outside the worktree during the turn: ${escaped.join(', ')}`);
  if (work.threadId) recordThread(p.writer, task.id, work.threadId, false);
  return { work, escaped, deniedHere, denials, commandsEnded: commands.ended, codexDiffFiles: codexDiff.files };
}
