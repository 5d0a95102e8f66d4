import type { ChildProcess } from 'node:child_process';
import { expect } from 'vitest';
import { descendantsOf, isAlive } from '../../src/core/process-tree.js';
import type { CliResult } from './cli.js';
import { processesWith } from './processes.js';

/** Runs that are busy when they are stopped: tasks whose commands keep running until killed. */

/** A builder task (YAML, for a `tasks:` list) whose prompt makes Codex run one shell line. */
export function shellTask(id: string, command: string, deps: readonly string[] = []): string {
  const lines = [`  - id: ${id}`, '    role: builder', `    prompt: ${JSON.stringify(`\`\`\`sh\n${command}\n\`\`\``)}`];
  if (deps.length > 0) lines.push(`    deps: [${deps.join(', ')}]`);
  return `${lines.join('\n')}\n`;
}

/** Resolves once every marker is in the command line of a live process: those commands run. */
export async function whenRunning(markers: readonly string[], timeoutMs = 90_000): Promise<void> {
  await expect.poll(() => markers.filter((m) => processesWith(m).length === 0), { timeout: timeoutMs, interval: 50 }).toEqual([]);
}

export interface Stopped {
  readonly result: CliResult;
  /** From the signal to the process's exit. */
  readonly exitMs: number;
  /** The CLI's process tree when the signal was sent. */
  readonly tree: readonly number[];
  /** Processes of that tree, or with `marker` in their command line, still alive when the CLI exited. */
  readonly survivors: readonly number[];
}

/**
 * Sends `signal` to a running CLI and measures how long it takes to exit and what it leaves:
 * survivors are counted the moment it exits (then killed, so that its output can close).
 */
export async function stopCli(cli: { child: ChildProcess; done: Promise<CliResult> }, marker: string, signal: NodeJS.Signals = 'SIGTERM'): Promise<Stopped> {
  const { child } = cli;
  const exited = new Promise<number>((resolve) => child.once('exit', () => resolve(performance.now())));
  const tree = descendantsOf(child.pid as number);
  const sent = performance.now();
  child.kill(signal);
  const exitMs = (await exited) - sent;
  const survivors = [...new Set([...tree.filter(isAlive), ...processesWith(marker)])];
  for (const pid of survivors) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone meanwhile.
    }
  }
  return { result: await cli.done, exitMs, tree, survivors };
}
