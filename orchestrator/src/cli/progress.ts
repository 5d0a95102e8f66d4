import { formatDuration } from '../core/abort.js';
import type { EngineEvent } from '../engine/index.js';
import { gatesAwaiting } from '../store/manifest.js';
import type { Output } from './output.js';
import { gateHint } from '../views/poll-table.js';
import { displayPath } from './runs-dir.js';

/** Live progress of a foreground run, one line per event, on stderr. */
export function progressPrinter(out: Output, started = Date.now()): (e: EngineEvent) => void {
  const stamp = (): string => {
    const s = (Date.now() - started) / 1000;
    return `[${String(Math.floor(s / 60)).padStart(2, '0')}:${(s % 60).toFixed(1).padStart(4, '0')}]`;
  };
  return (e) => {
    switch (e.type) {
      case 'run-started':
        out.info(`run ${e.runId}: ${e.tasks} tasks, model ${e.model}, backend ${e.backend}, agents ${e.agents ? 'on' : 'off'}${e.maxTokens !== undefined ? `, token budget ${e.maxTokens}` : ''}`);
        out.info(`manifest: ${displayPath(e.manifest)}`);
        break;
      case 'notice':
        out.info(`note: ${e.message}`);
        break;
      case 'task-started':
        out.info(`${stamp()} start   ${e.taskId} (${e.role}${e.attempt > 1 ? `, attempt ${e.attempt}` : ''}${e.fix ? `, fix ${e.fix.n} of ${e.fix.of}` : ''})`);
        break;
      case 'task-command':
        out.info(`${stamp()}         ${e.taskId} $ ${firstLine(e.command)}`);
        break;
      case 'task-finished': {
        const word = e.status === 'succeeded' ? 'ok     ' : e.status === 'cancelled' ? 'cancel ' : 'FAILED ';
        const diff = e.diff ? `  +${e.diff.insertions} -${e.diff.deletions} in ${e.diff.files} file${e.diff.files === 1 ? '' : 's'}` : '';
        const checks = e.checks && e.checks.total > 0 ? `  checks ${e.checks.passed}/${e.checks.total}` : '';
        const verdict = e.verdict ? `  verdict ${e.verdict}` : '';
        out.info(`${stamp()} ${word} ${e.taskId}  ${formatDuration(e.durationMs)}${diff}${checks}${verdict}`);
        if (e.reason) out.info(`${' '.repeat(stamp().length)}         ${e.reason}: ${e.message ?? ''}${e.willRetry ? ' (retrying)' : e.willFix ? ' (a fix follows)' : ''}`);
        break;
      }
      case 'task-skipped':
        out.info(`${stamp()} skip    ${e.taskId} (dependency ${e.blockedBy} did not succeed)`);
        break;
      case 'task-awaiting-approval':
        out.info(`${stamp()} gate    ${e.taskId} awaits approval`);
        break;
      case 'run-waiting': {
        const manual = e.manual ?? [];
        const gates = e.awaiting.filter((id) => !manual.includes(id));
        const headline0 = gates.length > 0 ? `waiting for a reviewer: ${gatesAwaiting(gates)}` : '';
        const manualLine =
          manual.length > 0 ? `waiting for an operator: ${manual.length === 1 ? `manual task ${manual[0]} awaits its operator` : `manual tasks ${manual.join(', ')} await their operators`}` : '';
        const [headline, ...rest] = gateHint(e.runId, [headline0, manualLine].filter((x) => x !== '').join('; '), { gates, manual, live: true, pid: e.pid });
        out.info(`${stamp()} wait    ${headline}`);
        for (const line of rest) out.info(`${' '.repeat(stamp().length)}       ${line}`);
        break;
      }
      case 'run-finished':
        out.info(`${stamp()} run ${e.status}${e.message ? `: ${e.message}` : ''}`);
        break;
    }
  };
}

function firstLine(text: string): string {
  const [first, ...rest] = text.split('\n');
  return rest.length > 0 ? `${first} …` : (first ?? '');
}
