import { isAlive } from '../core/process-tree.js';
import { awaitReply, newRequestId, postRequest, type InboxReply, type InboxRequest } from '../store/inbox.js';
import { isLiveOrchestrator } from '../store/liveness.js';
import type { LockFailure, LockOwner } from '../store/run-lock.js';

/** How long a command waits for a live run's answer. */
export const ANSWER_WAIT_MS = 60_000;

/** A request for a live run, before the inbox gives it its id, time and sender. */
export type LiveRequest = Omit<InboxRequest, 'id' | 'requestedAt' | 'pid'>;

/** The run's own orchestrator (a live `run` or `resume` of this host), when that is what holds the run. */
export function liveOrchestrator(f: LockFailure): LockOwner | undefined {
  return isLiveOrchestrator(f.owner) ? f.owner : undefined;
}

/**
 * Hands a request to the orchestrator working on the run (through the run's inbox) and waits for
 * its answer; undefined when none came (it ended, or took longer than `waitMs`).
 */
export async function askLiveRun(runDir: string, owner: LockOwner, request: LiveRequest, waitMs = ANSWER_WAIT_MS): Promise<InboxReply | undefined> {
  const id = newRequestId();
  await postRequest(runDir, { ...request, id, requestedAt: new Date().toISOString(), pid: process.pid } as InboxRequest);
  return awaitReply(runDir, id, waitMs, () => !isAlive(owner.pid));
}
