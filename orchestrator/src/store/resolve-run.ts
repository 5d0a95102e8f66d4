import { existsSync } from 'node:fs';
import { isRunId, type RunId } from '../core/ids.js';
import { err, ok, type Result } from '../core/result.js';
import { RunLayout } from './layout.js';
import type { ReadFailure } from './read-failure.js';

/** `latest` or a run id → the run's id, checked against the runs folder. */
export async function resolveRunId(runsDir: string, given: string): Promise<Result<RunId, ReadFailure>> {
  if (given === 'latest') {
    // The index (and zod, which checks it) is loaded only for `latest`.
    const { readRunIndex } = await import('./run-index.js');
    const index = await readRunIndex(runsDir);
    const last = index.runs.at(-1);
    if (!last || !isRunId(last.id)) return err({ reason: 'no-runs', runsDir });
    return ok(last.id);
  }
  if (!isRunId(given)) return err({ reason: 'bad-run-id', given });
  if (!existsSync(RunLayout.manifest(RunLayout.runDir(runsDir, given)))) return err({ reason: 'run-not-found', runId: given, runsDir });
  return ok(given);
}
