import { readManifest, renderReadFailure } from '../../store/read.js';
import { effectiveStatus, liveOrchestratorPid } from '../../store/liveness.js';
import { Exit, type Output } from '../output.js';
import { pollDocument, renderPollTable } from '../poll-view.js';
import { namedRun } from '../named-run.js';

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

export async function pollCommand(o: PollOptions, out: Output): Promise<number> {
  const run = await namedRun(o.runsDir, o.target, out);
  if (!run) return Exit.usage;
  const { runDir } = run;
  let last = '';
  for (;;) {
    const m = await readManifest(runDir);
    if (!m.ok) {
      out.info(renderReadFailure(m.error));
      return Exit.internal;
    }
    const doc = pollDocument(m.value, runDir, Date.now(), await liveOrchestratorPid(runDir));
    const status = effectiveStatus(m.value);
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
      out.info(`\x1b[2J\x1b[H${renderPollTable(doc)}`);
    } else if (changed) {
      out.info(`${renderPollTable(doc)}\n`);
    }
    if (!o.watch || status !== 'running') return exitFor(status);
    await new Promise((r) => setTimeout(r, o.intervalMs));
  }
}
