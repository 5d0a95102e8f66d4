import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RunId } from '../../core/ids.js';
import { packageRoot } from '../../core/package-info.js';
import { renderResumeFailure, resumeRun, type ResumeFailure, type ResumeOutcome } from '../../engine/index.js';
import { RunLayout } from '../../store/layout.js';
import { awaitingText } from '../../store/manifest.js';
import { readManifest } from '../../store/read.js';
import { Exit, type Output } from '../output.js';
import { pollDocument } from '../../views/poll.js';
import { gateHint } from '../../views/poll-table.js';
import { progressPrinter } from '../progress.js';
import { namedRun } from '../named-run.js';
import { displayPath } from '../runs-dir.js';
import { withStopSignals } from '../stop-signals.js';
import { reportFinishedRun } from './run.js';

export interface ResumeCommandOptions {
  readonly runsDir: string;
  readonly target: string;
  readonly detach: boolean;
  readonly json: boolean;
  readonly keepWorktrees: boolean;
  /** End the session when only gates are left, instead of waiting for reviewers. */
  readonly exitAtGates: boolean;
}

export async function resumeCommand(o: ResumeCommandOptions, out: Output, argv: readonly string[]): Promise<number> {
  const run = await namedRun(o.runsDir, o.target, out);
  if (!run) return Exit.usage;
  const { id } = run;
  if (o.detach) return detachResume(o, id, out, argv);
  const { value: result, exitOverride } = await withStopSignals(out, (signal) =>
    resumeRun({ runsDir: o.runsDir, runId: id, signal, observer: progressPrinter(out), keepWorktrees: o.keepWorktrees, waitAtGates: !o.exitAtGates }),
  );
  if (!result.ok) {
    out.info(renderResumeFailure(result.error, (p) => displayPath(p)));
    return resumeFailureExit(result.error);
  }
  if (result.value.kind === 'nothing-to-do') return reportNothingToDo(result.value, o, out);
  return reportFinishedRun(result.value.manifest, o.runsDir, o.json, out, exitOverride);
}

/** A full disk, a damaged repository or a git lock still held is not a bad input and not a bug: the run failed, like a failed task (exit 1). */
export function resumeFailureExit(f: ResumeFailure): number {
  return f.reason === 'store-failed' || f.reason === 'git-failed' || f.reason === 'git-lock-held' ? Exit.failed : Exit.usage;
}

function reportNothingToDo(outcome: Extract<ResumeOutcome, { kind: 'nothing-to-do' }>, o: ResumeCommandOptions, out: Output): number {
  const m = outcome.manifest;
  if (o.json) out.data(JSON.stringify(pollDocument(m, RunLayout.runDir(o.runsDir, m.runId as RunId)), null, 2));
  if (outcome.awaiting.length > 0) {
    // Manual tasks wait for their operator (`migrate execute`), gates for a reviewer.
    const manual = outcome.awaiting.filter((id) => m.tasks.find((t) => t.id === id)?.role === 'manual');
    const gates = outcome.awaiting.filter((id) => !manual.includes(id));
    const who = gates.length > 0 ? (manual.length > 0 ? 'a reviewer or an operator decides' : 'a reviewer decides') : 'an operator marks it done';
    out.info(gateHint(m.runId, `run ${m.runId}: nothing to resume until ${who}: ${awaitingText(m.tasks, outcome.awaiting)}`, { gates, manual, live: false, pid: null }).join('\n'));
  } else {
    out.info(`run ${m.runId} has already finished (${m.status}); nothing to resume`);
  }
  return Exit.ok;
}

/** Resumes in a background process; returns once that process has taken the run over. */
async function detachResume(o: ResumeCommandOptions, runId: RunId, out: Output, argv: readonly string[]): Promise<number> {
  const runDir = RunLayout.runDir(o.runsDir, runId);
  const bin = path.join(packageRoot(), 'bin', 'codex-orchestrator.js');
  const args = [bin, ...argv.filter((a) => a !== '--detach' && a !== '--json' && a !== o.target), runId];
  // The child's messages go to a file, not a pipe: a pipe would break when this process exits.
  const messages = path.join(mkdtempSync(path.join(tmpdir(), 'codex-orchestrator-resume-')), 'stderr.txt');
  const fd = openSync(messages, 'w');
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', 'ignore', fd], env: process.env });
  closeSync(fd);
  let exited: number | null = null;
  child.on('exit', (code) => (exited = code ?? 1));
  const deadline = Date.now() + 30_000;
  try {
    for (;;) {
      const m = await readManifest(runDir);
      if (m.ok && m.value.process.pid === child.pid && m.value.status === 'running') break;
      if (exited !== null) {
        // It ended at once: nothing to do, or an error; either way it said why.
        out.info(readFileSync(messages, 'utf8').trim());
        return exited;
      }
      if (Date.now() > deadline) {
        out.info(`error: the background resume did not take over run ${runId} within 30 s; run \`codex-orchestrator resume ${runId}\` in the foreground to see why`);
        return Exit.internal;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    rmSync(path.dirname(messages), { recursive: true, force: true });
  }
  child.unref();
  const manifest = RunLayout.manifest(runDir);
  if (o.json) out.data(JSON.stringify({ runId, pid: child.pid, manifest }, null, 2));
  out.info(`resumed run ${runId} in the background (pid ${child.pid})`);
  out.info(`manifest: ${displayPath(manifest)}`);
  out.info(`follow it with: codex-orchestrator poll ${runId} --watch`);
  return Exit.ok;
}
