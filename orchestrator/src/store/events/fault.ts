import type { RunEvent } from './run-event.js';

/**
 * Fault injection for the reliability battery: `CODEX_ORCHESTRATOR_KILL_AFTER_EVENT=<kind>[:<n>]`
 * kills the process (SIGKILL) right after it appended the n-th event of that kind (default the
 * first), before any manifest reflects it: the window between the log and the manifest.
 */
export const KILL_AFTER = killAfter(process.env['CODEX_ORCHESTRATOR_KILL_AFTER_EVENT']);

function killAfter(spec: string | undefined): ((e: RunEvent) => boolean) | undefined {
  if (!spec) return undefined;
  const [kind, nth] = spec.split(':');
  let left = Number(nth ?? '1');
  return (e) => e.kind === kind && --left === 0;
}
