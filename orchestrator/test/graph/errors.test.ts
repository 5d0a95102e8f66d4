import { describe, expect, it } from 'vitest';
import { renderDiagnostics } from '../../src/graph/render.js';
import { lines, report } from './helpers.js';

describe('graph file errors: syntax and schema', () => {
  it('reports every YAML syntax error with its own position', () => {
    const source = lines('tasks:', '  - id: build', '    role: builder', '    prompt: @build it', '  - id: test', '    role: tester', '    prompt: Test it', '    deps: [build');
    expect(report('bad.yaml', source)).toBe(`tasks/bad.yaml:4:13: error: YAML syntax error: plain value cannot start with reserved character @
    4 |     prompt: @build it
      |             ^
  hint: put the value in quotes

tasks/bad.yaml:9:1: error: YAML syntax error: flow sequence in block collection must be sufficiently indented and end with a ]
    9 |
      | ^
  hint: check the indentation, and that every "[" and "{" is closed

2 problems in tasks/bad.yaml`);
  });

  it('reports a duplicate key as a syntax error, pointing back at the first', () => {
    const source = lines('tasks:', '  - id: build', '    role: builder', '    prompt: Build it', '    role: tester');
    expect(report('bad.yaml', source)).toBe(`tasks/bad.yaml:5:5: error: duplicate key "role"
    5 |     role: tester
      |     ^^^^
  hint: the first "role" is at 3:5; a key may appear only once in a mapping

1 problem in tasks/bad.yaml`);
  });

  it('suggests the closest key for an unknown key', () => {
    const source = lines('tasks:', '  - id: build', '    role: builder', '    prompt: Build it', '    tiemout: 10m');
    expect(report('bad.yaml', source)).toBe(`tasks/bad.yaml:5:5: error: unknown key "tiemout" in task "build"
    5 |     tiemout: 10m
      |     ^^^^^^^
  hint: did you mean "timeout"?

1 problem in tasks/bad.yaml`);
  });

  it('lists the allowed keys when no key is close', () => {
    const source = lines('tasks:', '  - id: build', '    role: builder', '    prompt: Build it', '    owner: alice');
    expect(report('bad.yaml', source)).toBe(`tasks/bad.yaml:5:5: error: unknown key "owner" in task "build"
    5 |     owner: alice
      |     ^^^^^
  hint: the keys allowed here are: id, title, role, prompt, instructions, instructionsFile, deps, verify, cwd, setup, checklist, timeout, retries, judge, maxFixAttempts, fix, expectChanges, approval, fanOut, when

1 problem in tasks/bad.yaml`);
  });

  it('reports a value of the wrong type at the value', () => {
    const source = lines('tasks:', '  - id: build', '    role: builder', '    prompt: Build it', '    deps: test', '    retries: two');
    expect(report('bad.yaml', source)).toBe(`tasks/bad.yaml:5:11: error: "deps" must be a list (got "test")
    5 |     deps: test
      |           ^^^^
  hint: write a list of task ids, e.g. deps: [build, lint]

tasks/bad.yaml:6:14: error: "retries" must be a number (got "two")
    6 |     retries: two
      |              ^^^

2 problems in tasks/bad.yaml`);
  });

  it('reports a missing tasks list at the first key', () => {
    const source = lines('name: empty', 'settings:', '  baseRef: main');
    expect(report('bad.yaml', source)).toBe(`tasks/bad.yaml:1:1: error: missing required key "tasks" at the top level
    1 | name: empty
      | ^^^^
  hint: add a "tasks" list with at least one task

1 problem in tasks/bad.yaml`);
  });

  it("reports a missing required task key at the task's first key", () => {
    const source = lines('tasks:', '  - id: build', '    prompt: Build it');
    expect(report('bad.yaml', source)).toBe(`tasks/bad.yaml:2:5: error: missing required key "role" in task "build"
    2 |   - id: build
      |     ^^
  hint: add a "role": builder, tester or gate

1 problem in tasks/bad.yaml`);
  });

  it('reports an unknown role with a suggestion', () => {
    const source = lines('tasks:', '  - id: build', '    role: bulder', '    prompt: Build it');
    expect(report('bad.yaml', source)).toBe(`tasks/bad.yaml:3:11: error: "role" must be one of builder, tester, gate, manual (got "bulder")
    3 |     role: bulder
      |           ^^^^^^
  hint: did you mean "builder"?

1 problem in tasks/bad.yaml`);
  });

  it('reports bad durations in settings and tasks', () => {
    const source = lines('settings:', '  timeout: 10 minutes', 'tasks:', '  - id: build', '    role: builder', '    prompt: Build it', '    timeout: -5');
    expect(report('bad.yaml', source)).toBe(`tasks/bad.yaml:2:12: error: "settings.timeout" must be a duration such as "90s", "10m" or "1h", or a positive number of seconds (got "10 minutes")
    2 |   timeout: 10 minutes
      |            ^^^^^^^^^^
  hint: write a number followed by ms, s, m or h; a bare number means seconds

tasks/bad.yaml:7:14: error: "timeout" must be a duration such as "90s", "10m" or "1h", or a positive number of seconds (got -5)
    7 |     timeout: -5
      |              ^^
  hint: write a number followed by ms, s, m or h; a bare number means seconds

2 problems in tasks/bad.yaml`);
  });

  it('reports a JSON syntax error in JSON terms', () => {
    const source = lines('{', '  "tasks": [', '    { "id": "build", "role": "builder", "prompt": "Build it", },', '  ]', '}');
    expect(report('bad.json', source)).toBe(`tasks/bad.json:3:63: error: invalid JSON: trailing comma before "}" is not allowed in JSON
    3 |     { "id": "build", "role": "builder", "prompt": "Build it", },
      |                                                               ^
  hint: JSON needs double-quoted keys and strings, and allows no comments or trailing commas

1 problem in tasks/bad.json`);
  });

  it('reports schema errors in a JSON file at their place', () => {
    const source = lines('{', '  "tasks": [', '    { "id": "build", "role": "builder", "promt": "Build it" }', '  ]', '}');
    expect(report('bad.json', source)).toBe(`tasks/bad.json:3:30: error: builder task "build" has no prompt
    3 |     { "id": "build", "role": "builder", "promt": "Build it" }
      |                              ^^^^^^^^^
  hint: add a "prompt" telling the agent what to do; only gate tasks may leave it out

tasks/bad.json:3:41: error: unknown key "promt" in task "build"
    3 |     { "id": "build", "role": "builder", "promt": "Build it" }
      |                                         ^^^^^^^
  hint: did you mean "prompt"?

2 problems in tasks/bad.json`);
  });

  it('reports every problem in one file', () => {
    const source = lines(
      'version: 2',
      'settings:',
      '  concurrency: {builder: 0, testers: 2}',
      '  bakend: codex-exec',
      'tasks:',
      '  - id: build',
      '    role: builder',
      '    tiemout: 10m',
      '  - role: tester',
      '    prompt: Test it',
      '    deps: [build, lint]',
      '  - id: ship',
      '    role: gate',
      '    deps: [build, bild]',
      '  - just a string',
    );
    expect(report('bad.yaml', source)).toBe(`tasks/bad.yaml:1:10: error: "version" must be 1 (got 2)
    1 | version: 2
      |          ^
  hint: this is the only graph format version there is so far; write "version: 1" or leave it out

tasks/bad.yaml:3:26: error: "settings.concurrency.builder" must be at least 1 (got 0)
    3 |   concurrency: {builder: 0, testers: 2}
      |                          ^

tasks/bad.yaml:3:29: error: unknown key "testers" in settings.concurrency
    3 |   concurrency: {builder: 0, testers: 2}
      |                             ^^^^^^^
  hint: did you mean "tester"?

tasks/bad.yaml:4:3: error: unknown key "bakend" in settings
    4 |   bakend: codex-exec
      |   ^^^^^^
  hint: did you mean "backend"?

tasks/bad.yaml:7:11: error: builder task "build" has no prompt
    7 |     role: builder
      |           ^^^^^^^
  hint: add a "prompt" telling the agent what to do; only gate tasks may leave it out

tasks/bad.yaml:8:5: error: unknown key "tiemout" in task "build"
    8 |     tiemout: 10m
      |     ^^^^^^^
  hint: did you mean "timeout"?

tasks/bad.yaml:9:5: error: missing required key "id" in task #2
    9 |   - role: tester
      |     ^^^^
  hint: add an "id": a short name other tasks use in "deps"

tasks/bad.yaml:11:19: error: unknown dependency "lint" in task #2
   11 |     deps: [build, lint]
      |                   ^^^^
  hint: no task has this id; add the task or remove the dependency

tasks/bad.yaml:14:19: error: unknown dependency "bild" in task "ship"
   14 |     deps: [build, bild]
      |                   ^^^^
  hint: did you mean "build"?

tasks/bad.yaml:15:5: error: task #4 must be a mapping (got "just a string")
   15 |   - just a string
      |     ^^^^^^^^^^^^^
  hint: each task is a mapping with at least "id" and "role", e.g. {id: build, role: builder, prompt: ...}

10 problems in tasks/bad.yaml`);
  });

  it('reports an empty file', () => {
    const source = '';
    expect(report('bad.yaml', source)).toBe(`tasks/bad.yaml:1:1: error: the graph file is empty
    1 |
      | ^
  hint: a graph file is a mapping with a "tasks" list, and optionally "name", "description" and "settings"

1 problem in tasks/bad.yaml`);
  });

  it('reports a file that is not a mapping', () => {
    const source = lines('- id: build', '  role: builder');
    expect(report('bad.yaml', source)).toBe(`tasks/bad.yaml:1:1: error: the graph file must be a mapping (got a list)
    1 | - id: build
      | ^^^^^^^^^^^
  hint: a graph file is a mapping with a "tasks" list, and optionally "name", "description" and "settings"

1 problem in tasks/bad.yaml`);
  });

  it('reports an empty task list', () => {
    const source = lines('tasks: []');
    expect(report('bad.yaml', source)).toBe(`tasks/bad.yaml:1:8: error: "tasks" must list at least one task
    1 | tasks: []
      |        ^^
  hint: each task is a mapping with at least "id" and "role", e.g. {id: build, role: builder, prompt: ...}

1 problem in tasks/bad.yaml`);
  });

  it('shows tabs as spaces so the marker lines up', () => {
    const source = lines('tasks:', '  - id: build', '    role: gate', '    deps: [\tbiuld]');
    expect(report('bad.yaml', source)).toBe(`tasks/bad.yaml:4:13: error: unknown dependency "biuld" in task "build"
    4 |     deps: [ biuld]
      |             ^^^^^
  hint: did you mean "build"?

1 problem in tasks/bad.yaml`);
  });

  it('reports a second YAML document', () => {
    const source = lines('tasks:', '  - {id: a, role: gate}', '---', 'tasks: []');
    expect(report('bad.yaml', source)).toBe(`tasks/bad.yaml:3:1: error: YAML syntax error: the file holds more than one document
    3 | ---
      | ^^^
  hint: a graph file is one document; remove the second "---" and what follows it

1 problem in tasks/bad.yaml`);
  });

  it('renders problems in several files, with paths outside cwd in full', () => {
    const at = (file: string, line: number, column: number) => ({ file, line, column, length: 1 });
    const diagnostics = [
      { position: at('/virtual/b.yaml', 1, 1), message: 'second' },
      { position: at('/elsewhere/a.yaml', 2, 3), message: 'first', related: [{ position: at('/virtual/b.yaml', 1, 1), message: 'see here' }] },
    ];
    const sources = new Map([
      ['/virtual/b.yaml', 'x: 1\n'],
      ['/elsewhere/a.yaml', 'a: 1\n\tb: 2\n'],
    ]);
    expect(renderDiagnostics(diagnostics, sources, { cwd: '/virtual' })).toBe(`/elsewhere/a.yaml:2:3: error: first
    2 |  b: 2
      |   ^
  note: b.yaml:1:1: see here
    1 | x: 1
      | ^

b.yaml:1:1: error: second
    1 | x: 1
      | ^

2 problems in 2 files`);
  });
});
