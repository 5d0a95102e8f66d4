import type { RunId } from '../core/ids.js';
import { continueRun } from '../control/continue-run.js';
import { renderResumeFailure } from '../engine/index.js';
import { resumeFailureExit } from './commands/resume.js';
import { reportFinishedRun } from './commands/run.js';
import type { Output } from './output.js';
import { progressPrinter } from './progress.js';
import { displayPath } from './runs-dir.js';
import { withStopSignals } from './stop-signals.js';

/** A change recorded under the run lock is carried out here: the run resumed in the foreground, its progress printed. */
export async function resumeInForeground(runsDir: string, runId: RunId, json: boolean, out: Output): Promise<number> {
  const { value: result, exitOverride } = await withStopSignals(out, (signal) => continueRun(runsDir, runId, signal, progressPrinter(out)));
  if (!result.ok) {
    out.info(renderResumeFailure(result.error, (p) => displayPath(p)));
    return resumeFailureExit(result.error);
  }
  return reportFinishedRun(result.value.manifest, runsDir, json, out, exitOverride);
}
