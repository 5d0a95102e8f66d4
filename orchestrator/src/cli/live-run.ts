import { isAlive } from '../core/process-tree.js';
import { awaitReply, newRequestId, postRequest, type InboxReply, type InboxRequest } from '../store/inbox.js';
import { isLiveOrchestrator } from '../store/liveness.js';
import type { LockFailure, LockOwner } from '../store/run-lock.js';
import type { Output } from './output.js';

/** How long a command waits for a live run's answer. */
const ANSWER_WAIT_MS = 60_000;

/** The run's own orchestrator (a live `run` or `resume` of this host), when that is what holds the run. */
export function liveOrchestrator(f: LockFailure): LockOwner | undefined {
  return isLiveOrchestrator(f.owner) ? f.owner : undefined;
}

/**
 * Hands a request to the orchestrator working on the run (through the run's inbox) and waits for
 * its answer. Undefined, after saying so on stderr, when none came (it ended, or took too long).
 */
export async function askLiveRun(
  runDir: string,
  runId: string,
  owner: LockOwner,
  request: Omit<InboxRequest, 'id' | 'requestedAt' | 'pid'>,
  out: Output,
): Promise<InboxReply | undefined> {
  const id = newRequestId();
  await postRequest(runDir, { ...request, id, requestedAt: new Date().toISOString(), pid: process.pid } as InboxRequest);
  const answer = await awaitReply(runDir, id, ANSWER_WAIT_MS, () => !isAlive(owner.pid));
  if (!answer) {
    out.info(
      `error: the orchestrator of run ${runId} (process ${owner.pid}) did not answer within ${ANSWER_WAIT_MS / 1000} s\n  hint: check it with: codex-orchestrator poll ${runId}; if it has ended, try again`,
    );
  }
  return answer;
}
