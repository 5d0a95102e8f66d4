import { sendFollowUp } from '../../control/send.js';
import { renderSendFailure } from '../../review/follow-up.js';
import { reportChangeFailure } from '../change-report.js';
import { noteInWorkspaceJournal, operatorName } from '../migrate-journal.js';
import { resumeInForeground } from '../resume-here.js';
import { Exit, type Output } from '../output.js';
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
  const sent = await sendFollowUp(o.runsDir, runDir, o.taskId, o.prompt);
  if (!sent.ok) return reportChangeFailure(sent.error, id, renderSendFailure, out);
  const s = sent.value;
  await noteInWorkspaceJournal(runDir, { at: new Date().toISOString(), who: () => operatorName(process.cwd()), task: o.taskId, status: 'sent', note: o.prompt }, out);
  if (s.kind === 'live') {
    if (o.json) out.data(JSON.stringify({ runId: id, taskId: o.taskId, queued: true, threadId: s.threadId ?? null }, null, 2));
    out.info(`sent to ${o.taskId} in run ${id}${s.threadId ? ` (thread ${s.threadId})` : ''}: the run's orchestrator (process ${s.owner.pid}) runs it now`);
    out.info(`follow it with: codex-orchestrator poll ${id} --watch`);
    return Exit.ok;
  }
  out.info(`follow-up recorded for ${o.taskId} in run ${id}${s.threadId ? ` (thread ${s.threadId})` : ''}; running it now`);
  return resumeInForeground(o.runsDir, id, o.json, out);
}
