import { err, ok, type Result } from '../core/result.js';
import { RunLayout } from './layout.js';
import { Manifest } from './manifest.js';
import { readManifestJson } from './manifest-view.js';
import type { ReadFailure } from './read-failure.js';
import { foldEventLog, type RunState } from './events/event-log.js';

/** Reading runs, for pollers, the dashboard and the CLI. Readers never write. */

export { renderReadFailure, type ReadFailure } from './read-failure.js';
export { resolveRunId } from './resolve-run.js';
export type { RunState } from './events/event-log.js';

export async function readManifest(runDir: string): Promise<Result<Manifest, ReadFailure>> {
  const json = await readManifestJson(runDir);
  if (!json.ok) return json;
  return parseManifest(json.value, RunLayout.manifest(runDir));
}

/** A manifest's JSON through the full schema; `file` names it in the error. */
export function parseManifest(json: unknown, file: string): Result<Manifest, ReadFailure> {
  const parsed = Manifest.safeParse(json);
  if (!parsed.success) {
    return err({ reason: 'manifest-unreadable', file, message: `does not match the manifest schema: ${parsed.error.issues[0]?.message ?? ''}` });
  }
  return ok(parsed.data);
}

/**
 * A run's state, for the commands that change it (`resume`, decisions, `send`, `retry`): its
 * event log folded (`events/reduce.ts`), or the manifest of a run recorded before the log existed.
 */
export async function loadRunState(runDir: string): Promise<Result<RunState, ReadFailure>> {
  const folded = await foldEventLog(runDir);
  if (!folded.ok || folded.value) return folded as Result<RunState, ReadFailure>;
  const read = await readManifest(runDir);
  return read.ok ? ok({ manifest: read.value, seq: 0 }) : read;
}
