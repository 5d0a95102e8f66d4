import { spawn, type ChildProcess } from 'node:child_process';

/**
 * Busy-loop processes beside a test, so that it runs under CPU load. `stop()` ends them by pid
 * (call it in the test's cleanup); it is idempotent.
 */
export function cpuHogs(count: number): { readonly pids: readonly number[]; stop(): void } {
  const children: ChildProcess[] = [];
  for (let i = 0; i < count; i++) children.push(spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
  return {
    pids: children.map((c) => c.pid as number),
    stop() {
      for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
