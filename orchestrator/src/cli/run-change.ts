import type { RunId } from '../core/ids.js';
import { renderResumeFailure, resumeRun } from '../engine/run/resume.js';
import type { InboxReply, InboxRequest } from '../store/inbox.js';
import type { Manifest } from '../store/manifest.js';
import type { RunEventInput } from '../store/events/run-event.js';
import { loadRunState, renderReadFailure } from '../store/read.js';
import { acquireRunLock, renderLockFailure, type LockOwner } from '../store/run-lock.js';
import { RunWriter } from '../store/run-writer.js';
import { renderStoreFailure } from '../store/store-failure.js';
import { resumeFailureExit } from './commands/resume.js';
import { reportFinishedRun } from './commands/run.js';
import { askLiveRun, liveOrchestrator } from './live-run.js';
import { Exit, type Output } from './output.js';
import { progressPrinter } from './progress.js';
import { displayPath } from './runs-dir.js';
import { withStopSignals } from './stop-signals.js';

/**
 * A change to a run that makes it work again (`send`, `retry`): a live run's orchestrator, the
 * run's one writer, takes it through the run's inbox and carries it out at once; otherwise it is
 * recorded under the run lock and the run resumed here, in the foreground, to carry it out.
 */
export interface RunChange {
  /** What holds the lock meanwhile (`send`, `retry`). */
  readonly purpose: string;
  /** The request for a live run. */
  readonly request: Omit<InboxRequest, 'id' | 'requestedAt' | 'pid'>;
  /** Reports the live run's answer; returns the exit code. */
  live(answer: InboxReply, owner: LockOwner): number;
  /** The change, as events of the run's log: with the runner log line and what to say, or why not (printed; exit 2). */
  apply(manifest: Readonly<Manifest>): { readonly ok: true; readonly events: readonly RunEventInput[]; readonly line: string; readonly said: string } | { readonly ok: false; readonly message: string };
}

export async function changeRun(runsDir: string, runDir: string, runId: RunId, change: RunChange, json: boolean, out: Output): Promise<number> {
  const lock = await acquireRunLock(runDir, change.purpose);
  if (!lock.ok) {
    const owner = liveOrchestrator(lock.error);
    if (!owner) {
      out.info(renderLockFailure(lock.error));
      return Exit.usage;
    }
    const answer = await askLiveRun(runDir, runId, owner, change.request, out);
    return answer ? change.live(answer, owner) : Exit.internal;
  }
  try {
    const read = await loadRunState(runDir);
    if (!read.ok) {
      out.info(renderReadFailure(read.error));
      return Exit.usage;
    }
    const applied = change.apply(read.value.manifest);
    if (!applied.ok) {
      out.info(applied.message);
      return Exit.usage;
    }
    const recorded = await RunWriter.record(runsDir, runDir, read.value.manifest, applied.events, applied.line, lock.value);
    if (!recorded.ok) {
      out.info(renderStoreFailure(recorded.error, runId, true));
      return Exit.failed;
    }
    out.info(applied.said);
  } finally {
    await lock.value.release();
  }
  const { value: result, exitOverride } = await withStopSignals(out, (signal) => resumeRun({ runsDir, runId, signal, observer: progressPrinter(out) }));
  if (!result.ok) {
    out.info(renderResumeFailure(result.error, (p) => displayPath(p)));
    return resumeFailureExit(result.error);
  }
  return reportFinishedRun(result.value.manifest, runsDir, json, out, exitOverride);
}
