import type { CheckResult, SandboxDenial, TaskStatus } from './manifest.js';

/**
 * The manifest's states as plain lists, and what readers say about a manifest: without zod, so
 * `poll` (which checks what it shows by hand, see `manifest-view.ts`) never loads it. The schema in
 * `manifest.ts` makes its enums from these lists and re-exports the functions.
 */

/** A run's states (the diagram is on `RunStatus` in `manifest.ts`). */
export const RUN_STATUSES = ['running', 'awaiting-approval', 'succeeded', 'failed', 'stopped', 'died', 'archived'] as const;

/** A task's states (the diagram is on `TaskStatus` in `manifest.ts`). */
export const TASK_STATUSES = ['pending', 'ready', 'running', 'succeeded', 'failed', 'skipped', 'cancelled', 'awaiting-approval', 'approved', 'rejected'] as const;

/** Where a follow-up on a task's thread comes from (`FollowUp` in `manifest.ts`). */
export const FOLLOW_UP_SOURCES = ['reject', 'send', 'fix', 'resume', 'tester'] as const;

/** How many of a task's checks passed (exit 0) and failed (anything else, killed included). */
export function checkCounts(checks: readonly Pick<CheckResult, 'exitCode'>[]): { passed: number; failed: number; total: number } {
  const passed = checks.filter((c) => c.exitCode === 0).length;
  return { passed, failed: checks.length - passed, total: checks.length };
}

/** `2 writes: /x (Read-only file system), \`curl …\` (Operation not permitted)`, for `poll` and `review`. */
export function denialList(denials: readonly Pick<SandboxDenial, 'command' | 'path' | 'message'>[]): string {
  const items = denials.map((d) => `${d.path ?? `\`${d.command}\``} (${d.message})`);
  return `${denials.length} write${denials.length === 1 ? '' : 's'}: ${items.join(', ')}`;
}

/** The states a count summary names, in this order. */
const COUNTED: readonly TaskStatus[] = ['succeeded', 'approved', 'failed', 'rejected', 'cancelled', 'skipped', 'awaiting-approval', 'running', 'ready', 'pending'];

/** What became of the tasks: `2 succeeded, 1 failed, 1 skipped` (states with no task left out). */
export function describeCounts(counts: Readonly<Record<string, number>>): string {
  const parts = COUNTED.filter((s) => (counts[s] ?? 0) > 0).map((s) => `${counts[s]} ${s === 'awaiting-approval' ? 'awaiting approval' : s}`);
  return parts.length > 0 ? parts.join(', ') : 'no tasks';
}
