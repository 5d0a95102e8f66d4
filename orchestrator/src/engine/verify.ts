import { spawn } from 'node:child_process';
import { mkdir, open } from 'node:fs/promises';
import path from 'node:path';
import { terminateTree } from '../core/process-tree.js';
import { relativeToRun } from '../store/layout.js';
import type { CheckResult } from '../store/manifest.js';

/**
 * Runs a task's `verify` commands in its worktree: the orchestrator's own ground truth, not the
 * model's word. Each command's combined output goes to `checks/<n>.log` in the task folder.
 */
export async function runChecks(
  commands: readonly string[],
  cwd: string,
  taskDir: string,
  runDir: string,
  signal: AbortSignal,
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  if (commands.length === 0) return results;
  await mkdir(path.join(taskDir, 'checks'), { recursive: true });
  for (const [i, command] of commands.entries()) {
    const outputFile = path.join(taskDir, 'checks', `${i + 1}.log`);
    const outputPath = relativeToRun(runDir, outputFile);
    if (signal.aborted) {
      results.push({ command, exitCode: null, signal: null, timedOut: false, durationMs: 0, outputPath });
      continue;
    }
    results.push(await runOne(command, cwd, outputFile, outputPath, signal));
  }
  return results;
}

async function runOne(command: string, cwd: string, outputFile: string, outputPath: string, signal: AbortSignal): Promise<CheckResult> {
  const out = await open(outputFile, 'w');
  const started = performance.now();
  try {
    return await new Promise<CheckResult>((resolve) => {
      const child = spawn('bash', ['-c', command], {
        cwd,
        stdio: ['ignore', out.fd, out.fd],
        detached: true,
        env: { ...process.env, CI: process.env['CI'] ?? '1' },
      });
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
      child.on('close', (code, sig) => {
        signal.removeEventListener('abort', onAbort);
        resolve({
          command,
          exitCode: killed ? null : code,
          signal: sig,
          timedOut: killed,
          durationMs: Math.round(performance.now() - started),
          outputPath,
        });
      });
    });
  } finally {
    await out.close();
  }
}
