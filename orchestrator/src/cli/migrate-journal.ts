import os from 'node:os';
import { journalOfGraph, appendJournal } from '../migrate/workspace/workspace.js';
import { readManifest } from '../store/read.js';
import type { Output } from './output.js';
import { gitUserName } from './commands/decide.js';

/** Who a journal row names: git's user name, else the login name. */
export function operatorName(cwd: string): string {
  return gitUserName(cwd) ?? os.userInfo().username;
}

/**
 * A decision or follow-up on a run of a migration workspace's graph is also a row of the
 * workspace's journal (time, who, task, status, note). A journal that cannot be written is said,
 * never fatal: the run's own record is the manifest.
 */
export async function noteInWorkspaceJournal(runDir: string, row: { at: string; who: string; task: string; status: string; note: string }, out: Output): Promise<void> {
  const manifest = await readManifest(runDir);
  if (!manifest.ok) return;
  const journal = await journalOfGraph(manifest.value.graph.path);
  if (journal === undefined) return;
  try {
    await appendJournal(journal, row);
  } catch (e) {
    out.info(`warning: cannot add the row to ${journal} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); the decision is recorded in the run`);
  }
}
