import { describe, expect, it } from 'vitest';
import { analyzeGraphSource } from '../../src/graph/load.js';
import { lines, report } from './helpers.js';

const HEAD = ['tasks:', '  - id: mig-1-assessment', '    role: builder', '    prompt: Assess it', '  - id: notes', '    role: tester', '    prompt: Read it'];

describe("graph file errors: a gate's approval", () => {
  it('reads a whole approval, the artifact path normalised', () => {
    const source = lines(
      ...HEAD,
      '  - id: gate-mig-1',
      '    role: gate',
      '    deps: [mig-1-assessment, notes]',
      '    approval:',
      '      criteria: [Every affected component is named]',
      '      artifact: ./migrations/migration_x/artifacts/MIG-1-assessment.md',
      '      author: mig-1-assessment',
      '      sections: [Migration, Motivation, Risk Level]',
      '  - id: plain',
      '    role: gate',
      '    deps: [notes]',
      '    approval:',
      '      criteria: [Looks right]',
    );
    const analyzed = analyzeGraphSource('/virtual/tasks/ok.yaml', source);
    if (!analyzed.ok) throw new Error(JSON.stringify(analyzed.error));
    expect(analyzed.value.tasks.map((t) => t.approval)).toEqual([
      undefined,
      undefined,
      {
        criteria: ['Every affected component is named'],
        artifact: 'migrations/migration_x/artifacts/MIG-1-assessment.md',
        author: 'mig-1-assessment',
        sections: ['Migration', 'Motivation', 'Risk Level'],
        revise: true,
      },
      { criteria: ['Looks right'], artifact: undefined, author: undefined, sections: [], revise: true },
    ]);
  });

  it('takes approval on gates only', () => {
    const source = lines('tasks:', '  - id: build', '    role: builder', '    prompt: Build it', '    approval:', '      criteria: [Built]');
    expect(report('bad.yaml', source)).toBe(`tasks/bad.yaml:5:5: error: builder task "build" cannot have "approval" (gate only)
    5 |     approval:
      |     ^^^^^^^^
  hint: remove "approval"; only a gate waits for a reviewer, put it on a gate that depends on this task

1 problem in tasks/bad.yaml`);
  });

  it('wants an author and sections with an artifact, and an artifact with either', () => {
    const source = lines(
      ...HEAD,
      '  - id: g1',
      '    role: gate',
      '    deps: [mig-1-assessment]',
      '    approval:',
      '      artifact: a.md',
      '  - id: g2',
      '    role: gate',
      '    deps: [mig-1-assessment]',
      '    approval:',
      '      artifact: a.md',
      '      author: mig-1-assessment',
      '      sections: []',
      '  - id: g3',
      '    role: gate',
      '    deps: [mig-1-assessment]',
      '    approval:',
      '      author: mig-1-assessment',
    );
    expect(report('bad.yaml', source)).toBe(`tasks/bad.yaml:12:7: error: the artifact of gate task "g1" has no "author"
   12 |       artifact: a.md
      |       ^^^^^^^^
  hint: add "author": the dependency whose result holds the artifact (it revises the artifact when the gate is rejected)

tasks/bad.yaml:12:7: error: the artifact of gate task "g1" has no "sections"
   12 |       artifact: a.md
      |       ^^^^^^^^
  hint: list the headings the artifact must have, filled in, e.g. sections: [Migration, Motivation, Risk Level]

tasks/bad.yaml:19:17: error: the artifact of gate task "g2" has an empty "sections"
   19 |       sections: []
      |                 ^^
  hint: list the headings the artifact must have, filled in, e.g. sections: [Migration, Motivation, Risk Level]

tasks/bad.yaml:24:7: error: the approval of gate task "g3" has "author" but no "artifact"
   24 |       author: mig-1-assessment
      |       ^^^^^^
  hint: add "artifact": the path of the markdown file the author writes (relative to the repository root), or remove "author"

4 problems in tasks/bad.yaml`);
  });

  it('wants the author among the deps, and a builder; the artifact inside the repository', () => {
    const source = lines(
      ...HEAD,
      '  - id: g1',
      '    role: gate',
      '    deps: [mig-1-assessment, notes]',
      '    approval:',
      '      artifact: /etc/a.md',
      '      author: mig-1-assesment',
      '      sections: [Risk]',
      '  - id: g2',
      '    role: gate',
      '    deps: [mig-1-assessment, notes]',
      '    approval:',
      '      artifact: docs/../../a.md',
      '      author: notes',
      '      sections: [Risk]',
      '  - id: g3',
      '    role: gate',
      '    approval:',
      '      artifact: .',
      '      author: mig-1-assessment',
      '      sections: [Risk]',
    );
    expect(report('bad.yaml', source)).toBe(`tasks/bad.yaml:12:17: error: "approval.artifact" must be relative to the repository (got "/etc/a.md")
   12 |       artifact: /etc/a.md
      |                 ^^^^^^^^^
  hint: write the path from the repository root, e.g. "migrations/migration_x/artifacts/MIG-1-assessment.md"; it is read from the author's result commit

tasks/bad.yaml:13:15: error: the author "mig-1-assesment" of gate task "g1"'s artifact is not one of its deps
   13 |       author: mig-1-assesment
      |               ^^^^^^^^^^^^^^^
  hint: did you mean "mig-1-assessment"?

tasks/bad.yaml:19:17: error: "approval.artifact" must not contain ".." (got "docs/../../a.md")
   19 |       artifact: docs/../../a.md
      |                 ^^^^^^^^^^^^^^^
  hint: write the path from the repository root, e.g. "migrations/migration_x/artifacts/MIG-1-assessment.md"; it is read from the author's result commit

tasks/bad.yaml:20:15: error: the author "notes" of gate task "g2"'s artifact is a tester, not a builder
   20 |       author: notes
      |               ^^^^^
  hint: name the builder that writes the artifact: only a builder's result holds files, and it revises them when the gate is rejected

tasks/bad.yaml:25:17: error: "approval.artifact" must name a file (got ".")
   25 |       artifact: .
      |                 ^
  hint: write the path from the repository root, e.g. "migrations/migration_x/artifacts/MIG-1-assessment.md"; it is read from the author's result commit

tasks/bad.yaml:26:15: error: the author "mig-1-assessment" of gate task "g3"'s artifact is not one of its deps
   26 |       author: mig-1-assessment
      |               ^^^^^^^^^^^^^^^^
  hint: add "mig-1-assessment" to the gate's "deps"

6 problems in tasks/bad.yaml`);
  });

  it('refuses unknown keys in approval, with a suggestion', () => {
    const source = lines(...HEAD, '  - id: g', '    role: gate', '    deps: [notes]', '    approval:', '      criterias: [x]');
    expect(report('bad.yaml', source)).toBe(`tasks/bad.yaml:12:7: error: unknown key "criterias" in the approval of task "g"
   12 |       criterias: [x]
      |       ^^^^^^^^^
  hint: did you mean "criteria"?

1 problem in tasks/bad.yaml`);
  });
});
