import { hostname } from 'node:os';
import { isAlive } from '../core/process-tree.js';
import { err, ok, type Result } from '../core/result.js';
import { effectiveStatus } from '../store/liveness.js';
import type { ReadFailure } from '../store/read-failure.js';
import { readManifest } from '../store/read.js';
import { readRunLockOwner } from '../store/run-lock.js';

/** What came of `stop`. */
export type StopOutcome =
  /** Nothing works on the run (`status`: as readers show it). */
  | { readonly kind: 'not-running'; readonly status: string }
  /** The process working on it ended; `status` is how the run ended (`stopped`, or otherwise if it ended meanwhile). */
  | { readonly kind: 'ended'; readonly pid: number; readonly status: string };

/** Why `stop` could not stop the run. */
export type StopFailure =
  | { readonly reason: 'manifest-unreadable'; readonly failure: ReadFailure }
  /** The run is worked on by a process of another host: `stop` there. */
  | { readonly reason: 'other-host'; readonly pid: number; readonly hostname: string }
  /** The process was asked to stop but had not ended within `waitedMs`. */
  | { readonly reason: 'still-ending'; readonly pid: number; readonly waitedMs: number; readonly status: string };

/**
 * `stop`: asks the process working on a run to stop (SIGTERM, which the orchestrator turns into a
 * graceful stop: running Codex turns cancelled, their processes ended, the run marked `stopped`),
 * then waits up to `waitMs` for it to end. `onAsked` hears when the signal is sent.
 */
export async function stopRun(runDir: string, waitMs: number, onAsked: (pid: number) => void = () => {}): Promise<Result<StopOutcome, StopFailure>> {
  const owner = await readRunLockOwner(runDir);
  const before = await readManifest(runDir);
  if (!before.ok) return err({ reason: 'manifest-unreadable', failure: before.error });
  if (!owner || (owner.hostname === hostname() && !isAlive(owner.pid))) return ok({ kind: 'not-running', status: effectiveStatus(before.value) });
  if (owner.hostname !== hostname()) return err({ reason: 'other-host', pid: owner.pid, hostname: owner.hostname });
  process.kill(owner.pid, 'SIGTERM');
  onAsked(owner.pid);
  const deadline = Date.now() + waitMs;
  while (isAlive(owner.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const after = await readManifest(runDir);
  const status = after.ok ? effectiveStatus(after.value) : 'unknown';
  if (isAlive(owner.pid)) return err({ reason: 'still-ending', pid: owner.pid, waitedMs: waitMs, status });
  return ok({ kind: 'ended', pid: owner.pid, status });
}
