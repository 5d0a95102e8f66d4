import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isAlive, terminateTree } from '../../src/core/process-tree.js';
import { endAfterTest } from './temp.js';

/** The built CLI (`npm test` builds first), run as a user would run it. */
export const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/codex-orchestrator.js');

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Starts the CLI. Whatever it starts is ended after the test, failed or not: the process and its
 * descendants, and a background run (`--detach`) it started, with that run's whole tree.
 */
export function startCli(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: { ...process.env, OPENAI_API_KEY: '', CODEX_ORCHESTRATOR_RUNS_DIR: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<CliResult>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  endAfterTest(async () => {
    if (child.pid !== undefined && isAlive(child.pid)) await terminateTree(child.pid, 100);
    const result = await done;
    const detached = args.includes('--detach') ? detachedPid(result.stdout) : undefined;
    if (detached !== undefined && isAlive(detached)) await terminateTree(detached, 100);
  });
  return { child, done };
}

export function cli(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return startCli(args, cwd, env).done;
}

/** The pid a `--detach --json` answer names. */
function detachedPid(stdout: string): number | undefined {
  try {
    const pid = (JSON.parse(stdout) as { pid?: unknown }).pid;
    return typeof pid === 'number' ? pid : undefined;
  } catch {
    return undefined;
  }
}
