import type { AnalyzedTask } from '../../graph/analyzed.js';
import type { Manifest } from '../../store/manifest.js';

/**
 * How many worktrees a session's first attempts take at once, made ahead of them
 * (`Worktrees.warm`): per role, its concurrency or the number of its tasks ready to start (not yet
 * succeeded, every dependency succeeded), whichever is smaller. Gates take none. Later attempts
 * take the worktrees earlier ones are done with; one that finds none makes its own, so a pool too
 * small costs time and one too large costs a whole checkout for nothing: a chain of builders gets
 * one, not a worktree per concurrency slot.
 */
export function firstWaveWorktrees(tasks: readonly Pick<AnalyzedTask, 'id' | 'role' | 'deps'>[], concurrency: Manifest['settings']['concurrency'], succeeded: ReadonlySet<string> = new Set()): number {
  const ready = (role: 'builder' | 'tester'): number => tasks.filter((t) => t.role === role && !succeeded.has(t.id) && t.deps.every((d) => succeeded.has(d))).length;
  return Math.min(concurrency.builder, ready('builder')) + Math.min(concurrency.tester, ready('tester'));
}
