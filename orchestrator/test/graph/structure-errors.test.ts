import { describe, expect, it } from 'vitest';
import { lines, report } from './helpers.js';

const LONG = 'a'.repeat(65);

describe('graph file errors: ids, dependencies and task fields', () => {
  it('reports a duplicate task id at the second occurrence', () => {
    const source = lines('tasks:', '  - id: build', '    role: builder', '    prompt: Build it', '  - id: build', '    role: tester', '    prompt: Test it');
    expect(report('bad.yaml', source)).toBe(`tasks/bad.yaml:5:9: error: duplicate task id "build"
    5 |   - id: build
      |         ^^^^^
  hint: the first task with this id is at 2:9; give each task its own id

1 problem in tasks/bad.yaml`);
  });

  it('reports an unknown dependency with the closest id', () => {
    const source = lines('tasks:', '  - id: build', '    role: builder', '    prompt: Build it', '  - id: test', '    role: tester', '    deps: [biuld]', '    prompt: Test it');
    expect(report('bad.yaml', source)).toBe(`tasks/bad.yaml:7:12: error: unknown dependency "biuld" in task "test"
    7 |     deps: [biuld]
      |            ^^^^^
  hint: did you mean "build"?

1 problem in tasks/bad.yaml`);
  });

  it('reports a task that depends on itself', () => {
    const source = lines('tasks:', '  - id: build', '    role: builder', '    prompt: Build it', '    deps: [build]');
    expect(report('bad.yaml', source)).toBe(`tasks/bad.yaml:5:12: error: task "build" depends on itself
    5 |     deps: [build]
      |            ^^^^^
  hint: remove it from its own "deps"

1 problem in tasks/bad.yaml`);
  });

  it('names every edge of a cycle', () => {
    const source = lines(
      'tasks:',
      '  - id: a',
      '    role: gate',
      '    deps: [c]',
      '  - id: b',
      '    role: gate',
      '    deps: [a]',
      '  - id: c',
      '    role: gate',
      '    deps:',
      '      - b',
      '  - id: d',
      '    role: gate',
      '    deps: [a]',
    );
    expect(report('bad.yaml', source)).toBe(`tasks/bad.yaml:4:12: error: dependency cycle: a -> c -> b -> a
    4 |     deps: [c]
      |            ^
  hint: no task in a cycle can ever start; remove one of these dependencies
  note: tasks/bad.yaml:4:12: task "a" depends on "c"
    4 |     deps: [c]
      |            ^
  note: tasks/bad.yaml:11:9: task "c" depends on "b"
   11 |       - b
      |         ^
  note: tasks/bad.yaml:7:12: task "b" depends on "a"
    7 |     deps: [a]
      |            ^

1 problem in tasks/bad.yaml`);
  });

  it('reports each cycle once', () => {
    const source = lines(
      'tasks:',
      '  - id: a',
      '    role: gate',
      '    deps: [b]',
      '  - id: b',
      '    role: gate',
      '    deps: [a]',
      '  - id: c',
      '    role: gate',
      '    deps: [d, a]',
      '  - id: d',
      '    role: gate',
      '    deps: [c]',
    );
    expect(report('bad.yaml', source)).toBe(`tasks/bad.yaml:4:12: error: dependency cycle: a -> b -> a
    4 |     deps: [b]
      |            ^
  hint: no task in a cycle can ever start; remove one of these dependencies
  note: tasks/bad.yaml:4:12: task "a" depends on "b"
    4 |     deps: [b]
      |            ^
  note: tasks/bad.yaml:7:12: task "b" depends on "a"
    7 |     deps: [a]
      |            ^

tasks/bad.yaml:10:12: error: dependency cycle: c -> d -> c
   10 |     deps: [d, a]
      |            ^
  hint: no task in a cycle can ever start; remove one of these dependencies
  note: tasks/bad.yaml:10:12: task "c" depends on "d"
   10 |     deps: [d, a]
      |            ^
  note: tasks/bad.yaml:13:12: task "d" depends on "c"
   13 |     deps: [c]
      |            ^

2 problems in tasks/bad.yaml`);
  });

  it('reports unsafe task ids', () => {
    const source = lines(
      'tasks:',
      '  - id: ../x',
      '    role: gate',
      '  - id: a/b',
      '    role: gate',
      '  - id: ""',
      '    role: gate',
      '  - id: has space',
      '    role: gate',
      `  - id: ${LONG}`,
      '    role: gate',
    );
    expect(report('bad.yaml', source)).toBe(`tasks/bad.yaml:2:9: error: unsafe task id "../x": it contains ".."
    2 |   - id: ../x
      |         ^^^^
  hint: use letters, digits, ".", "_" and "-", starting with a letter or digit, at most 64 characters

tasks/bad.yaml:4:9: error: unsafe task id "a/b": it contains a path separator
    4 |   - id: a/b
      |         ^^^
  hint: use letters, digits, ".", "_" and "-", starting with a letter or digit, at most 64 characters

tasks/bad.yaml:6:9: error: unsafe task id "": it is empty
    6 |   - id: ""
      |         ^^
  hint: use letters, digits, ".", "_" and "-", starting with a letter or digit, at most 64 characters

tasks/bad.yaml:8:9: error: unsafe task id "has space": it contains whitespace
    8 |   - id: has space
      |         ^^^^^^^^^
  hint: use letters, digits, ".", "_" and "-", starting with a letter or digit, at most 64 characters

tasks/bad.yaml:10:9: error: unsafe task id "${LONG}": it is 65 characters long (at most 64)
   10 |   - id: ${LONG}
      |         ${'^'.repeat(65)}
  hint: use letters, digits, ".", "_" and "-", starting with a letter or digit, at most 64 characters

5 problems in tasks/bad.yaml`);
  });

  it('reports builders and testers without a prompt', () => {
    const source = lines('tasks:', '  - id: build', '    role: builder', '  - id: test', '    role: tester', '    prompt: "  "', '  - id: review', '    role: gate');
    expect(report('bad.yaml', source)).toBe(`tasks/bad.yaml:3:11: error: builder task "build" has no prompt
    3 |     role: builder
      |           ^^^^^^^
  hint: add a "prompt" telling the agent what to do; only gate tasks may leave it out

tasks/bad.yaml:6:13: error: tester task "test" has an empty prompt
    6 |     prompt: "  "
      |             ^^^^
  hint: add a "prompt" telling the agent what to do; only gate tasks may leave it out

2 problems in tasks/bad.yaml`);
  });

  it('reports a cwd that is absolute or leaves the repository', () => {
    const source = lines(
      'tasks:',
      '  - id: build',
      '    role: builder',
      '    prompt: Build it',
      '    cwd: /srv/app',
      '  - id: lint',
      '    role: builder',
      '    prompt: Lint it',
      '    cwd: pkg/../../elsewhere',
    );
    expect(report('bad.yaml', source)).toBe(`tasks/bad.yaml:5:10: error: "cwd" must be relative to the repository (got "/srv/app")
    5 |     cwd: /srv/app
      |          ^^^^^^^^
  hint: write it from the repository root, e.g. "packages/api"

tasks/bad.yaml:9:10: error: "cwd" must stay inside the repository (got "pkg/../../elsewhere")
    9 |     cwd: pkg/../../elsewhere
      |          ^^^^^^^^^^^^^^^^^^^
  hint: a task works in its own worktree and cannot reach outside it

2 problems in tasks/bad.yaml`);
  });

  it('reports instructions on a gate, both kinds at once, blank text and an absolute file', () => {
    const source = lines(
      'tasks:',
      '  - id: build',
      '    role: builder',
      '    prompt: Build it',
      '    instructions: Be careful.',
      '    instructionsFile: careful.md',
      '  - id: test',
      '    role: tester',
      '    prompt: Test it',
      '    instructions: "  "',
      '  - id: lint',
      '    role: builder',
      '    prompt: Lint it',
      '    instructionsFile: /etc/agents/lint.md',
      '  - id: ship',
      '    role: gate',
      '    deps: [build]',
      '    instructions: Approve quickly.',
    );
    expect(report('bad.yaml', source)).toBe(`tasks/bad.yaml:6:5: error: task "build" sets both "instructions" and "instructionsFile"
    6 |     instructionsFile: careful.md
      |     ^^^^^^^^^^^^^^^^
  hint: keep one: the instructions themselves, or the path of a markdown file that holds them

tasks/bad.yaml:10:19: error: task "test" has empty "instructions"
   10 |     instructions: "  "
      |                   ^^^^
  hint: write the instructions, or remove the key to use the role's own

tasks/bad.yaml:14:23: error: "instructionsFile" must be relative to the graph file (got "/etc/agents/lint.md")
   14 |     instructionsFile: /etc/agents/lint.md
      |                       ^^^^^^^^^^^^^^^^^^^
  hint: write the path from the folder that holds the graph file, e.g. "../agents/careful-builder.md"

tasks/bad.yaml:18:5: error: gate task "ship" has no agent, so "instructions" would have no effect
   18 |     instructions: Approve quickly.
      |     ^^^^^^^^^^^^
  hint: remove "instructions"; instructions are for builder and tester tasks

4 problems in tasks/bad.yaml`);
  });
  it('reports fix-loop and verdict fields on roles that cannot use them', () => {
    const source = lines(
      'tasks:',
      '  - id: build',
      '    role: builder',
      '    prompt: Build it',
      '    judge: true',
      '    fix: "  "',
      '  - id: test',
      '    role: tester',
      '    deps: [build]',
      '    prompt: Test it',
      '    maxFixAttempts: 1',
      '    fix: Fix the tests.',
      '  - id: ship',
      '    role: gate',
      '    deps: [test]',
      '    judge: true',
      '    maxFixAttempts: 1',
    );
    // A tester's maxFixAttempts and fix are its builders' rounds of rework: fine; a gate fixes nothing.
    expect(report('bad.yaml', source)).toBe(`tasks/bad.yaml:6:10: error: task "build" has an empty "fix"
    6 |     fix: "  "
      |          ^^^^
  hint: say what a fix attempt should do, or remove the key

tasks/bad.yaml:16:5: error: gate task "ship" cannot have "judge" (builder and tester only)
   16 |     judge: true
      |     ^^^^^
  hint: remove "judge"; a gate is decided by a reviewer, not by the tester agent

tasks/bad.yaml:17:5: error: gate task "ship" cannot have "maxFixAttempts" (builder and tester only)
   17 |     maxFixAttempts: 1
      |     ^^^^^^^^^^^^^^
  hint: remove "maxFixAttempts"; a gate is decided by a reviewer and fixes nothing

3 problems in tasks/bad.yaml`);
  });
  it('takes expectChanges on builders only', () => {
    const source = lines(
      'tasks:',
      '  - id: look',
      '    role: builder',
      '    prompt: Look',
      '    expectChanges: false',
      '  - id: test',
      '    role: tester',
      '    prompt: Test it',
      '    expectChanges: false',
    );
    expect(report('bad.yaml', source)).toBe(`tasks/bad.yaml:9:5: error: tester task "test" cannot have "expectChanges" (builder only)
    9 |     expectChanges: false
      |     ^^^^^^^^^^^^^
  hint: remove "expectChanges"; only a builder is expected to change files

1 problem in tasks/bad.yaml`);
  });
});
