import { readdir } from 'node:fs/promises';
import { isRunId, type RunId } from '../../core/ids.js';
import { RunLayout } from '../../store/layout.js';
import { effectiveStatus } from '../../store/liveness.js';
import { RUN_STATUSES } from '../../store/manifest-summary.js';
import { readManifestView } from '../../store/manifest-view.js';
import { renderReadFailure } from '../../store/read-failure.js';
import { LS_SCHEMA, renderRunTable, runRows, type RunListing } from '../../views/runs-list.js';
import { Exit, UsageError, type Output } from '../output.js';

export interface LsOptions {
  readonly runsDir: string;
  /** `--status`: only runs in this state. */
  readonly status: string | undefined;
  readonly json: boolean;
}

/**
 * `ls`: the runs of the runs folder, newest first (the folders are the record: a run the index
 * missed is listed too). Exit 0; 2 for an unknown `--status`.
 */
export async function lsCommand(o: LsOptions, out: Output): Promise<number> {
  if (o.status !== undefined && !(RUN_STATUSES as readonly string[]).includes(o.status)) {
    throw new UsageError(`--status must be one of ${RUN_STATUSES.join(', ')} (got "${o.status}")`, 'e.g. codex-orchestrator ls --status awaiting-approval');
  }
  const ids = (await readdir(o.runsDir).catch(() => [] as string[])).filter((n): n is RunId => isRunId(n));
  const now = Date.now();
  const listings = await Promise.all(
    ids.map(async (id): Promise<RunListing> => {
      const view = await readManifestView(RunLayout.runDir(o.runsDir, id));
      if (!view.ok)
        return {
          id,
          problem:
            renderReadFailure(view.error)
              .replace(/^error: /, '')
              .split('\n')[0] ?? 'unreadable',
        };
      return { id, view: view.value, status: effectiveStatus(view.value, now) };
    }),
  );
  const rows = runRows(listings, now).filter((r) => o.status === undefined || r.status === o.status);
  if (o.json) out.data(JSON.stringify({ schema: LS_SCHEMA, runs: rows }, null, 2));
  else out.data(renderRunTable(rows));
  return Exit.ok;
}
