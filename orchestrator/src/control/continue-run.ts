import type { RunId } from '../core/ids.js';
import type { Result } from '../core/result.js';
import { resumeRun, type EngineObserver, type ResumeFailure, type ResumeOutcome } from '../engine/index.js';

/**
 * After a change recorded under the run lock (`send`, `retry`): the run resumed here, in the
 * foreground, to carry it out. `observer` is the caller's (the CLI prints progress), `signal` stops it.
 */
export function continueRun(runsDir: string, runId: RunId, signal: AbortSignal, observer: EngineObserver): Promise<Result<ResumeOutcome, ResumeFailure>> {
  return resumeRun({ runsDir, runId, signal, observer });
}
