import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { isRunId, quoteId, type RunId } from '../core/ids.js';
import { err, ok, type Result } from '../core/result.js';
import { RunLayout } from './layout.js';
import { Manifest } from './manifest.js';
import { readRunIndex } from './run-index.js';

/** Reading runs, for pollers, the dashboard and the CLI. Readers never write. */

export type ReadFailure =
  | { readonly reason: 'bad-run-id'; readonly given: string }
  | { readonly reason: 'no-runs'; readonly runsDir: string }
  | { readonly reason: 'run-not-found'; readonly runId: string; readonly runsDir: string }
  | { readonly reason: 'manifest-unreadable'; readonly file: string; readonly message: string };

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

export function renderReadFailure(f: ReadFailure): string {
  switch (f.reason) {
    case 'bad-run-id':
      return `error: ${quoteId(f.given)} is not a run id\n  hint: run ids look like 2026-11-21T10-04-05Z-7f3a; use "latest" for the newest run`;
    case 'no-runs':
      return `error: no runs in ${f.runsDir}\n  hint: start one with: codex-orchestrator run <graph>`;
    case 'run-not-found':
      return `error: no run ${f.runId} in ${f.runsDir}\n  hint: list runs with: codex-orchestrator poll latest, or look in ${path.join(f.runsDir, 'index.json')}`;
    case 'manifest-unreadable':
      return `error: cannot read ${f.file}: ${f.message}`;
  }
}
