/**
 * The gated migration workflow, MIG-1 … MIG-6: each phase is a builder task that writes its
 * artifact from a template into the workspace's `artifacts/`, followed by a gate that reviews
 * it. This table is the one source of the phases: `migrate plan` builds a workspace's graph from
 * it, and `patterns/migration.yaml` is generated from it (a test keeps the two the same).
 */

/** One section of an artifact template: its heading, and what to write under it. */
export interface TemplateSection {
  readonly title: string;
  /** Left in the template as `<fill: hint>`: an artifact still holding one is not complete. */
  readonly hint: string;
  /**
   * The section's template in place of `<fill: hint>`, when its shape matters: MIG-3's steps are a
   * numbered list, because MIG-4 fans out into one task per numbered line. Its own `<fill:` markers
   * are what the author replaces (the offline stand-in fills them in, keeping the numbered lines).
   */
  readonly body?: string;
}

export interface Phase {
  /** `MIG-1`: the phase's tag in titles, artifacts and gates. */
  readonly tag: string;
  readonly n: number;
  readonly name: string;
  /** The phase task's id (`mig-1-assessment`); its gate is `gate-<id>`. */
  readonly taskId: string;
  /** What the phase task does, for its prompt. */
  readonly goal: string;
  readonly sections: readonly TemplateSection[];
  /** What the reviewer checks before approving the phase's gate. */
  readonly criteria: readonly string[];
}

/** A workstream beside the gated spine (`parallel-*`): it writes its own artifact, no gate waits for it. */
export interface Workstream {
  readonly taskId: string;
  readonly name: string;
  /** The gate it starts after (its phase's output is what it needs), or none: it starts at once. */
  readonly after: string | undefined;
  readonly goal: string;
  readonly sections: readonly TemplateSection[];
}

export const PHASES: readonly Phase[] = [
  {
    tag: 'MIG-1',
    n: 1,
    name: 'Assessment',
    taskId: 'mig-1-assessment',
    goal: 'Assess what the migration changes: the systems and components it touches, what breaks, what happens to the data, and how risky it is.',
    sections: [
      { title: 'Migration', hint: 'what moves from where to where, in one paragraph' },
      { title: 'Motivation', hint: 'why now: the problem the migration solves and what it costs to wait' },
      { title: 'Affected Components', hint: 'every service, module, job and file group the migration touches, with its path' },
      { title: 'Breaking Changes', hint: 'interfaces, behaviours and configuration that change for callers and operators' },
      { title: 'Data Compatibility', hint: 'schemas, formats and data volumes; what must be converted, and whether old and new can coexist' },
      { title: 'Risk Level', hint: 'low, medium or high, with the one-line reason' },
      { title: 'Risk Factors', hint: 'each risk with its likelihood, impact and how it is detected' },
    ],
    criteria: ['Every affected component is named with its path', 'Breaking changes and data compatibility are stated, not assumed', 'The risk level follows from the listed risk factors'],
  },
  {
    tag: 'MIG-2',
    n: 2,
    name: 'Strategy',
    taskId: 'mig-2-strategy',
    goal: 'Choose how to migrate, from the approved assessment: the approach, the alternatives weighed, how old and new coexist, the cutover and how to back out.',
    sections: [
      { title: 'Approach', hint: 'the chosen strategy (big bang, strangler, dual write, expand and contract, …) and why' },
      { title: 'Alternatives Considered', hint: 'the other approaches and why each was not chosen' },
      { title: 'Compatibility Strategy', hint: 'how old and new run side by side during the migration' },
      { title: 'Cutover Plan', hint: 'how and when traffic and data switch over, and who decides' },
      { title: 'Rollback Approach', hint: 'how the migration is backed out at each stage' },
    ],
    criteria: ['The approach addresses every high risk of the assessment', 'Alternatives were weighed with reasons', 'Every stage can be backed out'],
  },
  {
    tag: 'MIG-3',
    n: 3,
    name: 'Execution plan',
    taskId: 'mig-3-execution-plan',
    goal: 'Turn the approved strategy into ordered steps small enough to review one by one, each with how it is verified and how it is rolled back.',
    sections: [
      {
        title: 'Steps',
        hint: 'a numbered list, one step per line: "1. Title: what is changed (verify: command)"',
        // MIG-4 runs each numbered line as a task of its own, with its own gate and rollback.
        body: [
          "1. <fill: the first step's title>: <fill: what it changes> (verify: <fill: the command that checks it>)",
          "2. <fill: the next step's title>: <fill: what it changes> (verify: <fill: the command that checks it>)",
          '<fill: a numbered list, one step per line: "1. Title: what is changed (verify: command)"; as many steps as the strategy needs, each small enough to review on its own>',
        ].join('\n'),
      },
      { title: 'Step Dependencies', hint: 'which steps must finish before which, and which can run in parallel' },
      { title: 'Verification', hint: 'how each step is checked: tests, commands, metrics' },
      { title: 'Rollback Per Step', hint: 'how each step is undone' },
      { title: 'Estimated Duration', hint: 'time per step and in total' },
    ],
    criteria: ['Each step is small enough to review on its own', 'Each step has a verification and a rollback', 'The order respects the step dependencies'],
  },
  {
    tag: 'MIG-4',
    n: 4,
    name: 'Execute',
    taskId: 'mig-4-execute',
    goal: 'Log the execution of the approved plan: each numbered step of its "Steps" ran as a task of its own (with its own gate, and a rollback if it failed or was rejected) before this one.',
    sections: [
      { title: 'Steps Completed', hint: 'each step of the plan with what was changed and how it was verified' },
      { title: 'Changes Made', hint: 'the files and components changed' },
      { title: 'Deviations From Plan', hint: 'what was done differently from the plan, and why (or "none")' },
      { title: 'Open Issues', hint: 'what is left open or found along the way (or "none")' },
    ],
    criteria: ['Every step of the approved plan is done or its deviation explained', 'The project builds and its checks pass', 'The changes match the plan'],
  },
  {
    tag: 'MIG-5',
    n: 5,
    name: 'Validation',
    taskId: 'mig-5-validation',
    goal: 'Validate the executed migration: run the checks, compare behaviour and data before and after, and state whether the acceptance criteria are met.',
    sections: [
      { title: 'Tests Run', hint: 'the commands and suites run, with their results' },
      { title: 'Data Verification', hint: 'how the migrated data was compared with the source, and the result' },
      { title: 'Performance', hint: 'what was measured before and after' },
      { title: 'Acceptance Criteria', hint: 'each criterion of the plan and whether it is met' },
    ],
    criteria: ['Every acceptance criterion is met or explained', 'Data was verified against its source', 'Test results are cited, not summarised from memory'],
  },
  {
    tag: 'MIG-6',
    n: 6,
    name: 'Rollback readiness',
    taskId: 'mig-6-rollback-readiness',
    goal: 'Prove the migration can be backed out: the rollback procedure, whether it was rehearsed, how long it takes and what data could be lost.',
    sections: [
      { title: 'Rollback Procedure', hint: 'the exact steps and commands to roll back' },
      { title: 'Rollback Tested', hint: 'when and how the rollback was rehearsed, and its result' },
      { title: 'Time To Roll Back', hint: 'how long a rollback takes' },
      { title: 'Data Loss Risk', hint: 'what data written after the cutover could be lost on rollback' },
      { title: 'Go/No-Go', hint: 'the recommendation, and who signs it off' },
    ],
    criteria: ['The rollback procedure is concrete enough to follow under pressure', 'The rollback was rehearsed', 'Data loss on rollback is known and accepted'],
  },
];

export const WORKSTREAMS: readonly Workstream[] = [
  {
    taskId: 'parallel-scout',
    name: 'Scout',
    after: undefined,
    goal: 'Scout the repository for every place that uses the system being migrated, so the phases miss nothing.',
    sections: [
      { title: 'Usages', hint: 'every file and symbol that uses the system being migrated, with its path' },
      { title: 'Surprises', hint: 'anything unexpected: dynamic access, generated code, configuration (or "none")' },
    ],
  },
  {
    taskId: 'parallel-telemetry',
    name: 'Telemetry',
    after: 'gate-mig-2-strategy',
    goal: 'Plan the telemetry that shows whether the migration works while it happens: metrics, logs and alerts for the cutover.',
    sections: [
      { title: 'Signals', hint: 'the metrics and logs to watch, with where they come from' },
      { title: 'Alerts', hint: 'what alerts during the cutover, and the thresholds' },
    ],
  },
  {
    taskId: 'parallel-docs',
    name: 'Docs',
    after: 'gate-mig-3-execution-plan',
    goal: 'Draft the documentation the migration changes: the operator runbook and what callers must know.',
    sections: [
      { title: 'Operator Runbook', hint: 'what operators do during and after the migration' },
      { title: 'Changes For Callers', hint: 'what users and callers of the system must change or know' },
    ],
  },
];

export function gateId(phase: Phase): string {
  return `gate-${phase.taskId}`;
}

/** The artifact's file name in the workspace's `artifacts/`: `MIG-1-assessment.md`. */
export function artifactName(phase: Phase): string {
  return `${phase.tag}-${phase.taskId.replace(/^mig-\d+-/, '')}.md`;
}

/** A template: the title, then every section's heading with its `<fill: hint>`. */
export function renderTemplate(title: string, sections: readonly TemplateSection[]): string {
  return [`# ${title}`, '', ...sections.flatMap((s) => [`## ${s.title}`, '', s.body ?? `<fill: ${s.hint}>`, ''])].join('\n');
}
