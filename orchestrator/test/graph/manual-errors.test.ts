import { describe, expect, it } from 'vitest';
import { analyzeGraphSource } from '../../src/graph/load.js';
import { lines, report } from './helpers.js';

describe('graph file errors: manual tasks', () => {
  it('a manual task needs a prompt (what its operator does)', () => {
    const source = lines('tasks:', '  - id: cutover', '    role: manual');
    expect(report('bad.yaml', source)).toBe(`tasks/bad.yaml:3:11: error: manual task "cutover" has no prompt
    3 |     role: manual
      |           ^^^^^^
  hint: add a "prompt" saying what the operator does (its runbook shows it)

1 problem in tasks/bad.yaml`);
  });

  it('takes no worktree, agent, checks or fix loop, each refused where it is written', () => {
    const source = lines(
      'tasks:',
      '  - id: cutover',
      '    role: manual',
      '    prompt: Confirm the window.',
      '    verify: [npm test]',
      '    cwd: app',
      '    judge: true',
      '    instructions: Be quick.',
    );
    expect(report('bad.yaml', source)).toBe(`tasks/bad.yaml:5:5: error: manual task "cutover" cannot have "verify"
    5 |     verify: [npm test]
      |     ^^^^^^
  hint: remove "verify"; a manual task is done by hand (migrate execute cutover --status done), with no worktree, agent or checks

tasks/bad.yaml:6:5: error: manual task "cutover" cannot have "cwd"
    6 |     cwd: app
      |     ^^^
  hint: remove "cwd"; a manual task is done by hand (migrate execute cutover --status done), with no worktree, agent or checks

tasks/bad.yaml:7:5: error: manual task "cutover" cannot have "judge"
    7 |     judge: true
      |     ^^^^^
  hint: remove "judge"; a manual task is done by hand (migrate execute cutover --status done), with no worktree, agent or checks

tasks/bad.yaml:8:5: error: manual task "cutover" has no agent, so "instructions" would have no effect
    8 |     instructions: Be quick.
      |     ^^^^^^^^^^^^
  hint: remove "instructions"; instructions are for builder and tester tasks

4 problems in tasks/bad.yaml`);
  });

  it('a manual task with a prompt, between builders, is valid', () => {
    const source = lines(
      'tasks:',
      '  - id: a',
      '    role: builder',
      '    prompt: A',
      '  - id: cutover',
      '    role: manual',
      '    deps: [a]',
      '    prompt: Confirm.',
      '  - id: b',
      '    role: builder',
      '    deps: [cutover]',
      '    prompt: B',
    );
    const analyzed = analyzeGraphSource('/virtual/tasks/ok.yaml', source);
    expect(analyzed.ok).toBe(true);
    if (!analyzed.ok) return;
    expect(analyzed.value.tasks.find((t) => t.id === 'cutover')).toMatchObject({ role: 'manual', setup: [], judge: false, maxFixAttempts: 0, expectChanges: false });
  });
});
