import { hostname } from 'node:os';
import { isAlive } from '../core/process-tree.js';
import type { Manifest, RunStatus } from './manifest.js';

/** A heartbeat older than this, with the recorded process gone, means the orchestrator died. */
export const HEARTBEAT_STALE_MS = 15_000;

/**
 * The status readers should show: `running` becomes `died` when the heartbeat is stale and the
 * recorded process is gone (checked only on the same host; elsewhere a stale heartbeat is enough).
 */
export function effectiveStatus(m: Manifest, now = Date.now()): RunStatus {
  if (m.status !== 'running') return m.status;
  const stale = now - new Date(m.heartbeatAt).getTime() > HEARTBEAT_STALE_MS;
  if (!stale) return 'running';
  if (m.process.hostname === hostname() && isAlive(m.process.pid)) return 'running';
  return 'died';
}
