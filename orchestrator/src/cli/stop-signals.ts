import { TaggedAbort } from '../core/abort.js';
import { Exit, type Output } from './output.js';

/**
 * Ctrl-C and SIGTERM stop the engine's work through one AbortSignal (tag `stop`); the command
 * then exits 130 or 143. Installed for the duration of `work` only.
 */
export async function withStopSignals<T>(out: Output, work: (signal: AbortSignal) => Promise<T>): Promise<{ value: T; exitOverride: number | undefined }> {
  const controller = new AbortController();
  let stoppedBy: 'SIGINT' | 'SIGTERM' | undefined;
  const onSignal = (signal: 'SIGINT' | 'SIGTERM'): void => {
    if (stoppedBy) return;
    stoppedBy = signal;
    out.info(`\n${signal} received: stopping running tasks…`);
    controller.abort(new TaggedAbort({ kind: 'stop', signal }));
  };
  const onInt = (): void => onSignal('SIGINT');
  const onTerm = (): void => onSignal('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  try {
    const value = await work(controller.signal);
    return { value, exitOverride: stoppedBy === undefined ? undefined : stoppedBy === 'SIGINT' ? Exit.sigint : Exit.sigterm };
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }
}
