import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Child processes of the battery (`children/*.mjs`). They run the built package (`dist/`, made by
 * `npm run build`, which `npm test` and `npm run test:reliability` run first), because a plain
 * Node process cannot load the TypeScript sources.
 */

const HERE = path.dirname(fileURLToPath(import.meta.url));
const DIST = path.resolve(HERE, '../../../dist');

export function forkChild(name: string, args: readonly string[] = []): ChildProcess {
  if (!existsSync(path.join(DIST, 'orchestrator', 'src', 'store', 'read.js'))) throw new Error(`${DIST} is missing: run \`npm run build\` first`);
  // No inherited execArgv: the test runner's flags are not for these processes.
  return fork(path.join(HERE, 'children', name), [...args], { execArgv: [], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
}

/** The next IPC message of `type` from `child`; rejects if the child exits first. */
export function nextMessage<T extends { type: string }>(child: ChildProcess, type: T['type']): Promise<T> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    const onData = (c: Buffer): void => {
      stderr += c.toString();
    };
    const onMessage = (m: unknown): void => {
      if (typeof m === 'object' && m !== null && (m as { type?: unknown }).type === type) {
        cleanup();
        resolve(m as T);
      }
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      cleanup();
      reject(new Error(`child ${child.pid} exited (${signal ?? code}) before sending "${type}"${stderr ? `: ${stderr.trim()}` : ''}`));
    };
    const cleanup = (): void => {
      child.off('message', onMessage);
      child.off('exit', onExit);
      child.stderr?.off('data', onData);
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
    child.stderr?.on('data', onData);
  });
}

/** Resolves when `child` has exited (at once if it already has). */
export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}
