import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isRunId, type RunId } from '../core/ids.js';
import { err, ok, type Result } from '../core/result.js';
import { RunLayout } from './layout.js';
import { Manifest } from './manifest.js';
import type { ReadFailure } from './read-failure.js';
import { readRunIndex } from './run-index.js';

/** Reading runs, for pollers, the dashboard and the CLI. Readers never write. */

export { renderReadFailure, type ReadFailure } from './read-failure.js';

/** `latest` or a run id → the run's id, checked against the runs folder. */
export async function resolveRunId(runsDir: string, given: string): Promise<Result<RunId, ReadFailure>> {
  if (given === 'latest') {
    const index = await readRunIndex(runsDir);
    const last = index.runs.at(-1);
    if (!last || !isRunId(last.id)) return err({ reason: 'no-runs', runsDir });
    return ok(last.id);
  }
  if (!isRunId(given)) return err({ reason: 'bad-run-id', given });
  if (!existsSync(RunLayout.manifest(RunLayout.runDir(runsDir, given)))) return err({ reason: 'run-not-found', runId: given, runsDir });
  return ok(given);
}

export async function readManifest(runDir: string): Promise<Result<Manifest, ReadFailure>> {
  const file = RunLayout.manifest(runDir);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    return err({ reason: 'manifest-unreadable', file, message: (e as Error).message });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return err({ reason: 'manifest-unreadable', file, message: `not valid JSON: ${(e as Error).message}` });
  }
  const parsed = Manifest.safeParse(json);
  if (!parsed.success) {
    return err({ reason: 'manifest-unreadable', file, message: `does not match the manifest schema: ${parsed.error.issues[0]?.message ?? ''}` });
  }
  return ok(parsed.data);
}
