import { assertNever } from '../core/result.js';
import type { ChangeFailure } from '../control/run-change.js';
import { renderReadFailure } from '../store/read-failure.js';
import { renderLockFailure } from '../store/run-lock.js';
import { renderStoreFailure } from '../store/store-failure.js';
import { Exit, type Output } from './output.js';

// Loads no engine: `approve` and `reject` use it too.

/** A change that did not happen (`control/run-change.ts`), for people, and its exit code. */
export function reportChangeFailure<F>(f: ChangeFailure<F>, runId: string, renderRefusal: (refusal: F) => string, out: Output): number {
  switch (f.reason) {
    case 'run-locked':
      out.info(renderLockFailure(f.lock));
      return Exit.usage;
    case 'no-answer':
      out.info(
        `error: the orchestrator of run ${runId} (process ${f.owner.pid}) did not answer within ${f.waitedMs / 1000} s\n  hint: check it with: codex-orchestrator poll ${runId}; if it has ended, try again`,
      );
      return Exit.internal;
    case 'manifest-unreadable':
      out.info(renderReadFailure(f.failure));
      return Exit.usage;
    case 'refused':
      out.info(renderRefusal(f.refusal));
      return Exit.usage;
    case 'store-failed':
      out.info(renderStoreFailure(f.failure, runId, true));
      return Exit.failed;
    default:
      return assertNever(f, 'change failure');
  }
}
