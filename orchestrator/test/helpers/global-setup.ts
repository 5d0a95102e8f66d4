import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Where the tests' runs make their task worktrees (set for every test in `vitest.config.ts`):
 * below the temporary folder, never in the user's cache folder; one folder per vitest process.
 * Evaluated in vitest's main process only (the config and this file's teardown).
 */
export function testWorktreeRoot(): string {
  return path.join(tmpdir(), `co-test-worktrees-${process.pid}`);
}

/** The user's CODEX_HOME as the tests see it: a folder that does not exist, so no test finds a Codex sign-in. */
export function testCodexHome(): string {
  return path.join(tmpdir(), `co-test-no-codex-home-${process.pid}`);
}

export function teardown(): void {
  if (!process.env['KEEP_TEMP']) rmSync(testWorktreeRoot(), { recursive: true, force: true, maxRetries: 3 });
}
