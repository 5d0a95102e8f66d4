import os from 'node:os';
import type { JournalRow } from '../migrate/workflow/documents.js';
import { journalOfGraph, appendJournal } from '../migrate/workspace/workspace.js';
import { readManifestView } from '../store/manifest-view.js';
import type { Output } from './output.js';
import { gitUserName } from './commands/decide.js';

/** Who a journal row names: git's user name, else the login name. */
export function operatorName(cwd: string): string {
  return gitUserName(cwd) ?? os.userInfo().username;
}

/**
 * A decision or follow-up on a run of a migration workspace's graph is also a row of the
 * workspace's journal (time, who, task, status, note). A journal that cannot be written is said,
 * never fatal: the run's own record is the manifest. Runs of other graphs pay one read of the
 * manifest's view (no schema parse) and nothing more: `who` may be a function, asked only for a
 * workspace's run (an operator's name costs a `git config` call).
 */
export async function noteInWorkspaceJournal(runDir: string, row: { at: string; who: string | (() => string); task: string; status: string; note: string }, out: Output): Promise<void> {
  const manifest = await readManifestView(runDir);
  if (!manifest.ok) return;
  const journal = await journalOfGraph(manifest.value.graph.path);
  if (journal === undefined) return;
  await appendJournalOrWarn(journal, journal, { ...row, who: typeof row.who === 'function' ? row.who() : row.who }, out, 'the decision is recorded in the run');
}

/**
 * Appends one row to a workspace's journal; a journal that cannot be written is a warning naming
 * `shown` (and, after it, where the change itself is recorded), never a failure of the command.
 */
export async function appendJournalOrWarn(file: string, shown: string, row: JournalRow, out: Output, recorded?: string): Promise<void> {
  try {
    await appendJournal(file, row);
  } catch (e) {
    out.info(`warning: cannot add the row to ${shown} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})${recorded ? `; ${recorded}` : ''}`);
  }
}
