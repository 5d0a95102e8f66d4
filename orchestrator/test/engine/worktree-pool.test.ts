import { expect, it } from 'vitest';
import type { TaskId } from '../../src/core/ids.js';
import { firstWaveWorktrees } from '../../src/engine/run/worktree-pool.js';

const t = (id: string, role: 'builder' | 'tester' | 'gate', deps: string[] = []): { id: TaskId; role: 'builder' | 'tester' | 'gate'; deps: TaskId[] } => ({
  id: id as TaskId,
  role,
  deps: deps as TaskId[],
});

it.each([
  { name: 'independent builders, more than the concurrency', tasks: [t('a', 'builder'), t('b', 'builder'), t('c', 'builder')], builder: 2, tester: 1, succeeded: [], want: 2 },
  { name: 'fewer builders than the concurrency', tasks: [t('a', 'builder')], builder: 4, tester: 2, succeeded: [], want: 1 },
  { name: 'a chain: only its first link is ready', tasks: [t('a', 'builder'), t('b', 'builder', ['a']), t('c', 'builder', ['b'])], builder: 4, tester: 2, succeeded: [], want: 1 },
  { name: 'builders and a tester ready; a gate takes none', tasks: [t('a', 'builder'), t('b', 'builder'), t('t', 'tester'), t('g', 'gate')], builder: 4, tester: 2, succeeded: [], want: 3 },
  {
    name: 'resumed: succeeded tasks are done, their dependents ready',
    tasks: [t('a', 'builder'), t('b', 'builder', ['a']), t('c', 'builder', ['a']), t('d', 'tester', ['b'])],
    builder: 4,
    tester: 2,
    succeeded: ['a'],
    want: 2,
  },
  { name: 'nothing left', tasks: [t('a', 'builder')], builder: 4, tester: 2, succeeded: ['a'], want: 0 },
])('first wave of worktrees: $name', ({ tasks, builder, tester, succeeded, want }) => {
  expect(firstWaveWorktrees(tasks, { builder, tester }, new Set(succeeded))).toBe(want);
});
