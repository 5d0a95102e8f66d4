import type { SendReplyData } from '../../engine/live/live-requests.js';
import { renderSendFailure, requestFollowUp } from '../../review/follow-up.js';
import { Exit, type Output } from '../output.js';
import { changeRun } from '../run-change.js';
import { namedRun } from '../named-run.js';

export interface SendOptions {
  readonly runsDir: string;
  readonly target: string;
  readonly taskId: string;
  readonly prompt: string;
  readonly json: boolean;
}

/**
 * `send`: a follow-up prompt for a finished task's own Codex thread, run as a new attempt (its
 * own artifacts, verified again). A live run's orchestrator takes it through the run's inbox and
 * runs it at once; otherwise the follow-up is recorded and the run resumed here to carry it out.
 */
export async function sendCommand(o: SendOptions, out: Output): Promise<number> {
  const run = await namedRun(o.runsDir, o.target, out);
  if (!run) return Exit.usage;
  const { id, runDir } = run;
  return changeRun(
    o.runsDir,
    runDir,
    id,
    {
      purpose: 'send',
      request: { kind: 'send', taskId: o.taskId, prompt: o.prompt },
      live: (answer, owner) => {
        const data = answer.data as SendReplyData | undefined;
        if (data && 'failure' in data) {
          out.info(renderSendFailure(data.failure));
          return Exit.usage;
        }
        if (o.json) out.data(JSON.stringify({ runId: id, taskId: o.taskId, queued: true, threadId: data?.threadId ?? null }, null, 2));
        out.info(`sent to ${o.taskId} in run ${id}${data?.threadId ? ` (thread ${data.threadId})` : ''}: the run's orchestrator (process ${owner.pid}) runs it now`);
        out.info(`follow it with: codex-orchestrator poll ${id} --watch`);
        return Exit.ok;
      },
      apply: (manifest) => {
        const sent = requestFollowUp(manifest, o.taskId, o.prompt);
        if (!sent.ok) return { ok: false, message: renderSendFailure(sent.error) };
        return {
          ok: true,
          events: [sent.value.event],
          line: `task ${o.taskId}: follow-up received (send)`,
          said: `follow-up recorded for ${o.taskId} in run ${id}${sent.value.threadId ? ` (thread ${sent.value.threadId})` : ''}; running it now`,
        };
      },
    },
    o.json,
    out,
  );
}
