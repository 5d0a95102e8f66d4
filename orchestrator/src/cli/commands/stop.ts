import { hostname } from 'node:os';
import { isAlive } from '../../core/process-tree.js';
import { effectiveStatus } from '../../store/liveness.js';
import { readManifest, renderReadFailure } from '../../store/read.js';
import { readRunLockOwner } from '../../store/run-lock.js';
import { Exit, type Output } from '../output.js';
import { namedRun } from '../named-run.js';

export interface StopOptions {
  readonly runsDir: string;
  readonly target: string;
  readonly json: boolean;
  /** How long to wait for the run to end. */
  readonly waitMs: number;
}

/**
 * `stop`: asks the process working on a run to stop (SIGTERM, which the orchestrator turns into a
 * graceful stop: running Codex turns cancelled, their processes ended, the run marked `stopped`),
 * then waits for it to end.
 */
export async function stopCommand(o: StopOptions, out: Output): Promise<number> {
  const run = await namedRun(o.runsDir, o.target, out);
  if (!run) return Exit.usage;
  const { id, runDir } = run;
  const owner = await readRunLockOwner(runDir);
  const before = await readManifest(runDir);
  if (!before.ok) {
    out.info(renderReadFailure(before.error));
    return Exit.internal;
  }
  const report = (stopped: boolean, status: string, message: string): number => {
    if (o.json) out.data(JSON.stringify({ runId: id, stopped, status }, null, 2));
    out.info(message);
    return Exit.ok;
  };
  if (!owner || (owner.hostname === hostname() && !isAlive(owner.pid))) {
    const status = effectiveStatus(before.value);
    const hint = status === 'died' || status === 'stopped' ? `; continue it with: codex-orchestrator resume ${id}` : '';
    return report(false, status, `run ${id} is not running (${status}); nothing to stop${hint}`);
  }
  if (owner.hostname !== hostname()) {
    out.info(`error: run ${id} is worked on by process ${owner.pid} on host ${owner.hostname}\n  hint: run codex-orchestrator stop there`);
    return Exit.usage;
  }
  process.kill(owner.pid, 'SIGTERM');
  out.info(`asked process ${owner.pid} to stop run ${id}…`);
  const deadline = Date.now() + o.waitMs;
  while (isAlive(owner.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const after = await readManifest(runDir);
  const status = after.ok ? effectiveStatus(after.value) : 'unknown';
  if (isAlive(owner.pid)) {
    out.info(`error: process ${owner.pid} is still ending run ${id} after ${Math.round(o.waitMs / 1000)} s; check with: codex-orchestrator poll ${id}`);
    if (o.json) out.data(JSON.stringify({ runId: id, stopped: false, status }, null, 2));
    return Exit.failed;
  }
  // It may have ended otherwise meanwhile (its last task finished as the stop came).
  const ended = status === 'stopped' ? `run ${id} stopped` : `run ${id} ended ${status}`;
  return report(true, status, `${ended}; continue it with: codex-orchestrator resume ${id}`);
}
