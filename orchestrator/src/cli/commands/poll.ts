import { stat } from 'node:fs/promises';
import { RunLayout } from '../../store/layout.js';
import { effectiveStatus, liveOrchestratorPid } from '../../store/liveness.js';
import { readManifestView, type ManifestView } from '../../store/manifest-view.js';
import { renderReadFailure } from '../../store/read-failure.js';
import { namedRun } from '../named-run.js';
import { Exit, type Output } from '../output.js';
import { pollDocument } from '../../views/poll.js';
import { renderPollTable } from '../../views/poll-table.js';

export interface PollOptions {
  readonly runsDir: string;
  readonly target: string;
  readonly watch: boolean;
  readonly json: boolean;
  readonly intervalMs: number;
}

/** Exit code for a run's state: 0 ok or still going, 1 failed/stopped/died. */
function exitFor(status: string): number {
  return status === 'failed' || status === 'stopped' || status === 'died' ? Exit.failed : Exit.ok;
}

/**
 * The manifest file's identity: the run's writer replaces it (a new inode) at every write, so the
 * same identity is the same manifest, and `--watch` need not read and check it again.
 */
async function fileStamp(file: string): Promise<string | undefined> {
  try {
    const s = await stat(file, { bigint: true });
    return `${s.ino}:${s.size}:${s.mtimeNs}`;
  } catch {
    return undefined;
  }
}

export async function pollCommand(o: PollOptions, out: Output): Promise<number> {
  const run = await namedRun(o.runsDir, o.target, out);
  if (!run) return Exit.usage;
  const { runDir } = run;
  let last = '';
  let lastScreen = '';
  let read: { readonly stamp: string | undefined; readonly view: ManifestView } | undefined;
  for (;;) {
    // Stamped before it is read: a manifest replaced in between is read again at the next refresh.
    const stamp = o.watch ? await fileStamp(RunLayout.manifest(runDir)) : undefined;
    if (!read || stamp === undefined || stamp !== read.stamp) {
      const m = await readManifestView(runDir);
      if (!m.ok) {
        out.info(renderReadFailure(m.error));
        return Exit.internal;
      }
      read = { stamp, view: m.value };
    }
    const now = Date.now();
    const doc = pollDocument(read.view, runDir, now, await liveOrchestratorPid(runDir));
    const status = effectiveStatus(read.view, now);
    // Watching without a screen to redraw: print only when a state changed, not as time passes.
    const key = JSON.stringify([status, doc.tasks.map((t) => [t.status, t.attempts, t.checks])]);
    const changed = key !== last;
    last = key;
    if (o.json) {
      // Watching: one JSON document per line.
      if (!o.watch || changed) out.data(JSON.stringify(doc, null, o.watch ? undefined : 2));
    } else if (!o.watch) {
      out.data(renderPollTable(doc));
    } else if (out.isTTY) {
      // Redrawn only when it shows something new (a running task's time does every second).
      const screen = renderPollTable(doc);
      if (screen !== lastScreen) out.info(`\x1b[2J\x1b[H${screen}`);
      lastScreen = screen;
    } else if (changed) {
      out.info(`${renderPollTable(doc)}\n`);
    }
    if (!o.watch || status !== 'running') return exitFor(status);
    await new Promise((r) => setTimeout(r, o.intervalMs));
  }
}
