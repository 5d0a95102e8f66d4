/**
 * One AbortSignal tree with tagged reasons, so a user's stop, a timeout and a run-level stop are
 * told apart wherever a signal fires.
 */
export type AbortTag =
  /** The person or script stopped the run (Ctrl-C, SIGTERM, `stop`). */
  | { readonly kind: 'stop'; readonly signal: 'SIGINT' | 'SIGTERM' | 'request' }
  /** The task ran longer than its timeout. */
  | { readonly kind: 'task-timeout'; readonly timeoutMs: number }
  /** The run can no longer write its records (a full disk, a planted link); `message` says which file and why. */
  | { readonly kind: 'store-failed'; readonly message: string }
  /** The run (this session of it) ran longer than its `runTimeout`. */
  | { readonly kind: 'run-timeout'; readonly timeoutMs: number };

export class TaggedAbort extends Error {
  constructor(readonly tag: AbortTag) {
    super(describeTag(tag));
    this.name = 'TaggedAbort';
  }
}

function describeTag(tag: AbortTag): string {
  switch (tag.kind) {
    case 'stop':
      return tag.signal === 'request' ? 'the run was stopped' : `the run was stopped (${tag.signal})`;
    case 'task-timeout':
      return `the task did not finish within its timeout of ${formatDuration(tag.timeoutMs)}`;
    case 'store-failed':
      return `the run stopped: ${tag.message}`;
    case 'run-timeout':
      return `the run did not finish within its runTimeout of ${formatDuration(tag.timeoutMs)}`;
  }
}

export function abortTag(signal: AbortSignal): AbortTag | undefined {
  const reason: unknown = signal.reason;
  return reason instanceof TaggedAbort ? reason.tag : undefined;
}

/** A child signal that fires when the parent does (with the parent's reason) or on `abort()`. */
export function childController(parent: AbortSignal): { controller: AbortController; dispose: () => void } {
  const controller = new AbortController();
  const forward = (): void => controller.abort(parent.reason);
  if (parent.aborted) forward();
  else parent.addEventListener('abort', forward, { once: true });
  return { controller, dispose: () => parent.removeEventListener('abort', forward) };
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)}s`;
  const m = Math.floor(ms / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  return s === 0 ? `${m}m` : `${m}m${String(s).padStart(2, '0')}s`;
}

/** A signal's abort reason as one line for people. */
export function describeAbort(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason.message;
  if (reason && typeof reason === 'object' && 'message' in reason && typeof reason.message === 'string') return reason.message;
  return typeof reason === 'string' ? reason : 'cancelled';
}
