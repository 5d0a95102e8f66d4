import type { RunId } from '../core/ids.js';
import { RunLayout } from '../store/layout.js';
import { renderReadFailure } from '../store/read-failure.js';
import { resolveRunId } from '../store/resolve-run.js';
import type { Output } from './output.js';

/**
 * The run a command names (a run id or `latest`) and its folder; undefined once it has said why
 * there is none (the command then exits with `Exit.usage`).
 */
export async function namedRun(runsDir: string, target: string, out: Output): Promise<{ readonly id: RunId; readonly runDir: string } | undefined> {
  const id = await resolveRunId(runsDir, target);
  if (!id.ok) {
    out.info(renderReadFailure(id.error));
    return undefined;
  }
  return { id: id.value, runDir: RunLayout.runDir(runsDir, id.value) };
}
