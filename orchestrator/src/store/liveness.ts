import { hostname } from 'node:os';
import { isAlive } from '../core/process-tree.js';
import type { Manifest, RunStatus } from './manifest.js';
import { readRunLockOwner, type LockOwner } from './run-lock.js';

/** A heartbeat older than this, with the recorded process gone, means the orchestrator died. */
export const HEARTBEAT_STALE_MS = 15_000;

/**
 * The status readers should show: `running` becomes `died` when the heartbeat is stale and the
 * recorded process is gone (checked only on the same host; elsewhere a stale heartbeat is enough).
 */
export function effectiveStatus(m: Pick<Manifest, 'status' | 'heartbeatAt' | 'process'>, now = Date.now()): RunStatus {
  if (m.status !== 'running') return m.status;
  const stale = now - new Date(m.heartbeatAt).getTime() > HEARTBEAT_STALE_MS;
  if (!stale) return 'running';
  if (m.process.hostname === hostname() && isAlive(m.process.pid)) return 'running';
  return 'died';
}

/** Whether `owner` is the run's own orchestrator (a `run` or `resume`), alive on this host. */
export function isLiveOrchestrator(owner: LockOwner | undefined): owner is LockOwner {
  if (!owner || owner.hostname !== hostname() || !isAlive(owner.pid)) return false;
  return owner.purpose === 'run' || owner.purpose === 'resume';
}

/**
 * The process of the orchestrator working on the run now (it holds the run lock), when there is
 * one: a run waiting at gates with it continues by itself after a decision; without it, `resume`
 * continues the run.
 */
export async function liveOrchestratorPid(runDir: string): Promise<number | undefined> {
  const owner = await readRunLockOwner(runDir);
  return isLiveOrchestrator(owner) ? owner.pid : undefined;
}
