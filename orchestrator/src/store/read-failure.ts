import path from 'node:path';
import { quoteId } from '../core/ids.js';

/**
 * Why a run could not be read, and its message. Apart from `read.ts` (and without zod), so the CLI
 * can answer a mistyped run id before it loads anything else.
 */

export type ReadFailure =
  | { readonly reason: 'bad-run-id'; readonly given: string }
  | { readonly reason: 'no-runs'; readonly runsDir: string }
  | { readonly reason: 'run-not-found'; readonly runId: string; readonly runsDir: string }
  | { readonly reason: 'manifest-unreadable'; readonly file: string; readonly message: string };

export function renderReadFailure(f: ReadFailure): string {
  switch (f.reason) {
    case 'bad-run-id':
      return `error: ${quoteId(f.given)} is not a run id\n  hint: run ids look like 2026-11-21T10-04-05Z-7f3a; use "latest" for the newest run`;
    case 'no-runs':
      return `error: no runs in ${f.runsDir}\n  hint: start one with: codex-orchestrator run <graph>`;
    case 'run-not-found':
      return `error: no run ${f.runId} in ${f.runsDir}\n  hint: list runs with: codex-orchestrator poll latest, or look in ${path.join(f.runsDir, 'index.json')}`;
    case 'manifest-unreadable':
      return `error: cannot read ${f.file}: ${f.message}`;
  }
}
