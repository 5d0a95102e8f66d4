import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import path from 'node:path';
import { terminateTree } from '../../core/process-tree.js';
import { relativeToRun } from '../../store/layout.js';
import type { CheckResult } from '../../store/manifest.js';
import { AppendFile } from '../../store/append-file.js';
import { makeRunDir } from '../../store/run-files.js';
import { Redactor } from '../../store/secrets/redactor.js';

/**
 * Runs a task's `verify` commands in its worktree: the orchestrator's own ground truth, not the
 * model's word. Each command's combined output goes to `checks/<n>.log` in the task folder,
 * through the run's redactor as it arrives (a secret cut between two reads is still found), in
 * a file opened without following links.
 */

export interface CheckOptions {
  /** The environment the commands run with (the run's); default: this process's. */
  readonly env?: NodeJS.ProcessEnv;
  readonly redactor?: Redactor;
  /** Writing an output file failed (a full disk): the command still runs to its end. */
  readonly onWriteError?: (error: unknown, file: string) => void;
  /** The task folder's subfolder for the output files: `checks` (default), or `setup`. */
  readonly folder?: 'checks' | 'setup';
  /** Whether the commands after a failed one are left out (setup: each builds on the last). */
  readonly stopAtFailure?: boolean;
  /** Receives the output as written to its file (redacted), e.g. for the task's log. */
  readonly tee?: (text: string) => void;
  /** The commands' environment after the worktree's setup (`taskCommandEnv`), computed just before each command. */
  readonly envFor?: () => NodeJS.ProcessEnv;
}

/** After the command exits, how long to wait for output from processes it left running. */
const OUTPUT_GRACE_MS = 500;

export async function runChecks(commands: readonly string[], cwd: string, taskDir: string, runDir: string, signal: AbortSignal, options: CheckOptions = {}): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  if (commands.length === 0) return results;
  const folder = options.folder ?? 'checks';
  await makeRunDir(runDir, path.join(taskDir, folder));
  for (const [i, command] of commands.entries()) {
    if (options.stopAtFailure && results.some((r) => r.exitCode !== 0)) break;
    const outputFile = path.join(taskDir, folder, `${i + 1}.log`);
    const outputPath = relativeToRun(runDir, outputFile);
    if (signal.aborted) {
      results.push({ command, exitCode: null, signal: null, timedOut: false, durationMs: 0, outputPath });
      continue;
    }
    results.push(await runOne(command, cwd, runDir, outputFile, outputPath, signal, options));
  }
  return results;
}

async function runOne(command: string, cwd: string, runDir: string, outputFile: string, outputPath: string, signal: AbortSignal, options: CheckOptions): Promise<CheckResult> {
  const out = await AppendFile.create(runDir, outputFile, 'truncate', (e, file) => options.onWriteError?.(e, file));
  // Bytes as latin1 (one character each): output is kept exactly, whatever its encoding.
  const redact = (options.redactor ?? Redactor.none).bytes().stream();
  const take = (chunk: Buffer): void => {
    const text = redact.push(chunk.toString('latin1'));
    if (text) {
      out.write(text, 'latin1');
      options.tee?.(text);
    }
  };
  const started = performance.now();
  try {
    return await new Promise<CheckResult>((resolve) => {
      const base = options.envFor?.() ?? options.env ?? process.env;
      const child = spawn('bash', ['-c', command], {
        cwd,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
        env: { ...base, CI: base['CI'] ?? '1' },
      });
      child.stdout.on('data', take);
      child.stderr.on('data', take);
      let killed = false;
      const onAbort = (): void => {
        killed = true;
        if (child.pid !== undefined) void terminateTree(child.pid, 300);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      child.on('error', (e) => {
        signal.removeEventListener('abort', onAbort);
        resolve({ command, exitCode: 127, signal: null, timedOut: false, durationMs: performance.now() - started, outputPath: `${outputPath} (${e.message})` });
      });
      child.on('exit', (code, sig) => {
        signal.removeEventListener('abort', onAbort);
        const result: CheckResult = {
          command,
          exitCode: killed ? null : code,
          signal: sig,
          timedOut: killed,
          durationMs: Math.round(performance.now() - started),
          outputPath,
        };
        // The output pipes close when the last process holding them does; one the command left
        // running in the background may hold them for ever, so wait only a little.
        void outputClosed(child.stdout, child.stderr, OUTPUT_GRACE_MS).then(() => resolve(result));
      });
    });
  } finally {
    const rest = redact.end();
    if (rest) {
      out.write(rest, 'latin1');
      options.tee?.(rest);
    }
    await out.close();
  }
}

/** Resolves when both pipes have closed, or after `graceMs` (then closes them). */
function outputClosed(a: Readable, b: Readable, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    let open = [a, b].filter((s) => !s.closed).length;
    if (open === 0) return resolve();
    const timer = setTimeout(() => {
      a.destroy();
      b.destroy();
      resolve();
    }, graceMs);
    for (const s of [a, b]) {
      if (s.closed) continue;
      s.once('close', () => {
        if (--open === 0) {
          clearTimeout(timer);
          resolve();
        }
      });
    }
  });
}
