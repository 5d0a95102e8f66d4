import type { SendReplyData } from '../../engine/live-requests.js';
import { renderResumeFailure, resumeRun } from '../../engine/resume.js';
import { renderSendFailure, requestFollowUp } from '../../review/follow-up.js';
import { readManifest, renderReadFailure } from '../../store/read.js';
import { acquireRunLock, renderLockFailure } from '../../store/run-lock.js';
import { RunWriter } from '../../store/run-writer.js';
import { renderStoreFailure } from '../../store/store-failure.js';
import { askLiveRun, liveOrchestrator } from '../live-run.js';
import { Exit, type Output } from '../output.js';
import { progressPrinter } from '../progress.js';
import { withStopSignals } from '../stop-signals.js';
import { resumeFailureExit } from './resume.js';
import { reportFinishedRun } from './run.js';
import { namedRun } from '../runs-dir.js';

export interface SendOptions {
  readonly runsDir: string;
  readonly target: string;
  readonly taskId: string;
  readonly prompt: string;
  readonly json: boolean;
}

/**
 * `send`: a follow-up prompt for a finished task's own Codex thread, run as a new attempt (its
 * own artifacts, verified again). A live run's orchestrator takes it through the run's inbox and
 * runs it at once; otherwise the follow-up is recorded and the run resumed here to carry it out.
 */
export async function sendCommand(o: SendOptions, out: Output): Promise<number> {
  const run = await namedRun(o.runsDir, o.target, out);
  if (!run) return Exit.usage;
  const { id, runDir } = run;
  const lock = await acquireRunLock(runDir, 'send');
  if (!lock.ok) {
    const owner = liveOrchestrator(lock.error);
    if (!owner) {
      out.info(renderLockFailure(lock.error));
      return Exit.usage;
    }
    const answer = await askLiveRun(runDir, id, owner, { kind: 'send', taskId: o.taskId, prompt: o.prompt }, out);
    if (!answer) return Exit.internal;
    const data = answer.data as SendReplyData | undefined;
    if (data && 'failure' in data) {
      out.info(renderSendFailure(data.failure));
      return Exit.usage;
    }
    if (o.json) out.data(JSON.stringify({ runId: id, taskId: o.taskId, queued: true, threadId: data?.threadId ?? null }, null, 2));
    out.info(`sent to ${o.taskId} in run ${id}${data?.threadId ? ` (thread ${data.threadId})` : ''}: the run's orchestrator (process ${owner.pid}) runs it now`);
    out.info(`follow it with: codex-orchestrator poll ${id} --watch`);
    return Exit.ok;
  }
  try {
    const read = await readManifest(runDir);
    if (!read.ok) {
      out.info(renderReadFailure(read.error));
      return Exit.usage;
    }
    const manifest = read.value;
    const sent = requestFollowUp(manifest, o.taskId, o.prompt);
    if (!sent.ok) {
      out.info(renderSendFailure(sent.error));
      return Exit.usage;
    }
    const recorded = await RunWriter.record(o.runsDir, runDir, manifest, `task ${o.taskId}: follow-up received (send)`, lock.value);
    if (!recorded.ok) {
      out.info(renderStoreFailure(recorded.error, id, true));
      return Exit.failed;
    }
    out.info(`follow-up recorded for ${o.taskId} in run ${id}${sent.value.threadId ? ` (thread ${sent.value.threadId})` : ''}; running it now`);
  } finally {
    await lock.value.release();
  }
  const { value: result, exitOverride } = await withStopSignals(out, (signal) => resumeRun({ runsDir: o.runsDir, runId: id, signal, observer: progressPrinter(out) }));
  if (!result.ok) {
    out.info(renderResumeFailure(result.error));
    return resumeFailureExit(result.error);
  }
  return reportFinishedRun(result.value.manifest, o.runsDir, o.json, out, exitOverride);
}
