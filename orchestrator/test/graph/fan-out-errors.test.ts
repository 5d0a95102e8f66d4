import { describe, expect, it } from 'vitest';
import { analyzeGraphSource } from '../../src/graph/load.js';
import { lines, report } from './helpers.js';

const PLAN = 'migrations/migration_x/artifacts/MIG-3-execution-plan.md';
const HEAD = [
  'tasks:',
  '  - id: plan',
  '    role: builder',
  '    prompt: Plan it',
  '  - id: gate-plan',
  '    role: gate',
  '    deps: [plan]',
  '    approval:',
  `      artifact: ${PLAN}`,
  '      author: plan',
  '      sections: [Steps]',
];

describe('graph file errors: fanOut and when', () => {
  it("reads a fan-out from a gate (the plan's author is the gate's) and a rollback", () => {
    const source = lines(
      ...HEAD,
      '  - id: execute',
      '    role: builder',
      '    prompt: Execute it',
      '    deps: [gate-plan]',
      '    fanOut:',
      `      artifact: ./${PLAN}`,
      '      section: Steps',
      '      from: gate-plan',
      '  - id: undo',
      '    role: builder',
      '    prompt: Undo it',
      '    deps: [execute]',
      '    when: failure',
    );
    const analyzed = analyzeGraphSource('/virtual/tasks/ok.yaml', source);
    if (!analyzed.ok) throw new Error(JSON.stringify(analyzed.error));
    const byId = new Map(analyzed.value.tasks.map((t) => [t.id as string, t]));
    expect(byId.get('execute')?.fanOut).toEqual({
      artifact: PLAN,
      section: 'Steps',
      from: 'gate-plan',
      author: 'plan',
      stepArtifacts: 'migrations/migration_x/artifacts/execute-step-{k}.md',
    });
    expect(byId.get('execute')?.when).toBe('success');
    expect(byId.get('undo')?.when).toBe('failure');
    expect(byId.get('plan')?.fanOut).toBeUndefined();
  });

  it('wants "from" among the deps, a gate that approves the plan, and {k} in the reports', () => {
    const source = lines(
      ...HEAD,
      '  - id: a',
      '    role: builder',
      '    prompt: A',
      '    fanOut:',
      '      artifact: plan.md',
      '      section: Steps',
      '      from: gate-plan',
      '  - id: b',
      '    role: builder',
      '    prompt: B',
      '    deps: [gate-plan]',
      '    fanOut:',
      '      artifact: other.md',
      '      section: Steps',
      '      from: gate-plan',
      '      stepArtifacts: steps/report.md',
    );
    expect(report('bad.yaml', source)).toBe(`tasks/bad.yaml:18:13: error: the fan-out of task "a" comes from "gate-plan", which is not one of its deps
   18 |       from: gate-plan
      |             ^^^^^^^^^
  hint: add "gate-plan" to "deps": the plan is read once it is done

tasks/bad.yaml:26:13: error: gate "gate-plan" does not approve "other.md" (its "approval.artifact" is "${PLAN}")
   26 |       from: gate-plan
      |             ^^^^^^^^^
  hint: fan out from the gate whose approval names the plan, so the steps are those a reviewer approved

tasks/bad.yaml:27:22: error: "fanOut.stepArtifacts" must hold "{k}", the step's number (got "steps/report.md")
   27 |       stepArtifacts: steps/report.md
      |                      ^^^^^^^^^^^^^^^
  hint: write a path from the repository root with {k} where the step's number goes, e.g. "migrations/migration_x/artifacts/MIG-4.{k}-step.md"

3 problems in tasks/bad.yaml`);
  });

  it('takes fanOut on builders only, when on builders and testers, and a rollback needs deps', () => {
    const source = lines(
      'tasks:',
      '  - id: g',
      '    role: gate',
      '    when: failure',
      '  - id: t',
      '    role: tester',
      '    prompt: T',
      '    fanOut: { artifact: p.md, section: Steps, from: g }',
      '  - id: r',
      '    role: builder',
      '    prompt: R',
      '    when: failure',
    );
    expect(report('bad.yaml', source)).toBe(`tasks/bad.yaml:4:5: error: gate task "g" cannot have "when" (builder and tester only)
    4 |     when: failure
      |     ^^^^
  hint: remove "when"; a gate waits for a reviewer, it never runs as a rollback

tasks/bad.yaml:4:11: error: task "g" runs only when a dependency fails ("when: failure") but has no "deps"
    4 |     when: failure
      |           ^^^^^^^
  hint: add the tasks it rolls back to "deps", or remove "when"

tasks/bad.yaml:8:5: error: tester task "t" cannot have "fanOut" (builder only)
    8 |     fanOut: { artifact: p.md, section: Steps, from: g }
      |     ^^^^^^
  hint: remove "fanOut"; only a builder fans out into the steps of a plan

tasks/bad.yaml:12:11: error: task "r" runs only when a dependency fails ("when: failure") but has no "deps"
   12 |     when: failure
      |           ^^^^^^^
  hint: add the tasks it rolls back to "deps", or remove "when"

4 problems in tasks/bad.yaml`);
  });
});
