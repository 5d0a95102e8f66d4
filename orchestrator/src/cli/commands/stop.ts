import { assertNever } from '../../core/result.js';
import { stopRun } from '../../control/stop.js';
import { renderReadFailure } from '../../store/read.js';
import { Exit, type Output } from '../output.js';
import { namedRun } from '../named-run.js';

export interface StopOptions {
  readonly runsDir: string;
  readonly target: string;
  readonly json: boolean;
  /** How long to wait for the run to end. */
  readonly waitMs: number;
}

/** `stop` (`control/stop.ts`): what happened, the `--json` document, the exit code. */
export async function stopCommand(o: StopOptions, out: Output): Promise<number> {
  const run = await namedRun(o.runsDir, o.target, out);
  if (!run) return Exit.usage;
  const { id, runDir } = run;
  const json = (stopped: boolean, status: string): void => {
    if (o.json) out.data(JSON.stringify({ runId: id, stopped, status }, null, 2));
  };
  const stopped = await stopRun(runDir, o.waitMs, (pid) => out.info(`asked process ${pid} to stop run ${id}…`));
  if (!stopped.ok) {
    const f = stopped.error;
    switch (f.reason) {
      case 'manifest-unreadable':
        out.info(renderReadFailure(f.failure));
        return Exit.internal;
      case 'other-host':
        out.info(`error: run ${id} is worked on by process ${f.pid} on host ${f.hostname}\n  hint: run codex-orchestrator stop there`);
        return Exit.usage;
      case 'still-ending':
        out.info(`error: process ${f.pid} is still ending run ${id} after ${Math.round(f.waitedMs / 1000)} s; check with: codex-orchestrator poll ${id}`);
        json(false, f.status);
        return Exit.failed;
      default:
        return assertNever(f, 'stop failure');
    }
  }
  const s = stopped.value;
  if (s.kind === 'not-running') {
    const hint = s.status === 'died' || s.status === 'stopped' ? `; continue it with: codex-orchestrator resume ${id}` : '';
    json(false, s.status);
    out.info(`run ${id} is not running (${s.status}); nothing to stop${hint}`);
    return Exit.ok;
  }
  // It may have ended otherwise meanwhile (its last task finished as the stop came).
  const ended = s.status === 'stopped' ? `run ${id} stopped` : `run ${id} ended ${s.status}`;
  json(true, s.status);
  out.info(`${ended}; continue it with: codex-orchestrator resume ${id}`);
  return Exit.ok;
}
