import { z } from 'zod';
import { ASSESS_SCHEMA } from './schema-id.js';

/**
 * The `migrate assess --json` document: its zod schema, the single source of truth for the shape
 * of a detection, its scores and its plan. The pure modules (`detect.ts`, `analyze.ts`, `plan.ts`,
 * `report.ts`) import these types only (`import type`), so they never load zod themselves; the
 * schema is for the CLI's tests and for scripts that read the document. Fields are only ever added.
 */

export { ASSESS_SCHEMA };

/** Where a fact comes from: a path relative to the scanned folder (`/`-separated), and the line when it comes from one. */
export const Evidence = z.strictObject({ path: z.string(), line: z.number().int().positive().nullable() });
export type Evidence = z.infer<typeof Evidence>;

/**
 * The history git has of the scanned folder. A folder that is not in a repository, or a machine
 * without git, is not an error: the assessment says so and scores it (no history to roll back to).
 */
export const GitFacts = z.discriminatedUnion('kind', [
  /** A git repository's history of the folder (`subfolder`: the folder is not the repository's top, so only commits that touched it count). */
  z.strictObject({
    kind: z.literal('repository'),
    subfolder: z.boolean(),
    commits: z.number().int(),
    contributors: z.number().int(),
    firstCommit: z.string().nullable(),
    lastCommit: z.string().nullable(),
  }),
  /** Not inside a git repository. */
  z.strictObject({ kind: z.literal('not-a-repository') }),
  /** git could not be run (not installed, or it failed): why, in git's words. */
  z.strictObject({ kind: z.literal('git-unavailable'), reason: z.string() }),
]);
export type GitFacts = z.infer<typeof GitFacts>;

export const Scale = z.strictObject({
  files: z.number().int(),
  directories: z.number().int(),
  bytes: z.number().int(),
  sourceFiles: z.number().int(),
  sourceLines: z.number().int(),
  /** Folders not entered (dependencies, build output, version control, run records). */
  skippedFolders: z.array(Evidence),
  /** Symbolic links: recorded, never followed or read. */
  symlinks: z.array(Evidence),
  /** Files over the read bound: counted with their size, never read. */
  largeFiles: z.array(z.strictObject({ path: z.string(), bytes: z.number().int() })),
  /** The read bound in bytes. */
  readBound: z.number().int(),
  git: GitFacts,
});
export type Scale = z.infer<typeof Scale>;

/** A fact found by name: a framework, a CI system, a database, a container setup, an agent setup, a coordination pattern. */
export const Fact = z.strictObject({ name: z.string(), evidence: z.array(Evidence) });
export type Fact = z.infer<typeof Fact>;

export const Language = z.strictObject({ name: z.string(), files: z.number().int(), lines: z.number().int(), evidence: z.array(Evidence) });
export type Language = z.infer<typeof Language>;

export const PackageManager = z.strictObject({
  name: z.string(),
  manifest: z.string(),
  lockfile: z.string().nullable(),
  dependencies: z.number().int(),
  devDependencies: z.number().int(),
  evidence: z.array(Evidence),
});
export type PackageManager = z.infer<typeof PackageManager>;

export const TestRunner = z.strictObject({
  name: z.string(),
  /** The command that runs the tests, as the project declares it (its script, target or tool); null when none is known. */
  command: z.string().nullable(),
  testFiles: z.number().int(),
  evidence: z.array(Evidence),
});
export type TestRunner = z.infer<typeof TestRunner>;

/** `database`: a data store the code talks to; `orm`: a mapper or query builder; `migrations`: a schema migration tool or folder. */
export const DataStoreKind = z.enum(['database', 'orm', 'migrations']);
export type DataStoreKind = z.infer<typeof DataStoreKind>;

export const DataStore = z.strictObject({ name: z.string(), kind: DataStoreKind, evidence: z.array(Evidence) });
export type DataStore = z.infer<typeof DataStore>;

/** The eight coordination patterns a repository may already carry (the notions a task orchestrator relies on). */
export const PatternName = z.enum(['collision-free-ids', 'event-log', 'content-addressed-files', 'authority-domains', 'priority-queue', 'defer-queue', 'retry-wrappers', 'tla-specs']);
export type PatternName = z.infer<typeof PatternName>;

export const Pattern = z.strictObject({ name: PatternName, evidence: z.array(Evidence) });
export type Pattern = z.infer<typeof Pattern>;

/** A command the project declares (install, build, test), and where. */
export const ProjectCommand = z.strictObject({ command: z.string(), evidence: Evidence });
export type ProjectCommand = z.infer<typeof ProjectCommand>;

export const Detection = z.strictObject({
  scale: Scale,
  languages: z.array(Language),
  packageManagers: z.array(PackageManager),
  frameworks: z.array(Fact),
  testRunners: z.array(TestRunner),
  ci: z.array(Fact),
  dataStores: z.array(DataStore),
  infrastructure: z.array(Fact),
  agentSetups: z.array(Fact),
  patterns: z.array(Pattern),
  commands: z.strictObject({ install: z.array(ProjectCommand), build: z.array(ProjectCommand), test: z.array(ProjectCommand) }),
});
export type Detection = z.infer<typeof Detection>;

/** One rule that applied: what it looked at, the points (hours, for effort) it gave, and why, in terms of the detection. */
export const Factor = z.strictObject({ rule: z.string(), factor: z.string(), points: z.number(), why: z.string() });
export type Factor = z.infer<typeof Factor>;

export const Complexity = z.enum(['simple', 'moderate', 'complex', 'very complex']);
export type Complexity = z.infer<typeof Complexity>;

export const Risk = z.enum(['low', 'medium', 'high']);
export type Risk = z.infer<typeof Risk>;

export const PhaseName = z.enum(['preparation', 'configuration', 'data-migration', 'gap-implementation', 'testing', 'deployment']);
export type PhaseName = z.infer<typeof PhaseName>;

/** A scoring rule as the report prints it: the area it scores, the condition, the points. */
export const RuleRow = z.strictObject({ id: z.string(), area: z.enum(['complexity', 'risk', 'effort']), condition: z.string(), points: z.string() });
export type RuleRow = z.infer<typeof RuleRow>;

export const Scoring = z.strictObject({
  complexity: z.strictObject({ level: Complexity, points: z.number(), factors: z.array(Factor) }),
  risk: z.strictObject({ level: Risk, points: z.number(), factors: z.array(Factor) }),
  /** Hours per phase (before the complexity multiplier is applied to the total), and the total. */
  effort: z.strictObject({ hours: z.number(), multiplier: z.number(), phases: z.record(PhaseName, z.number()), factors: z.array(Factor) }),
  rules: z.array(RuleRow),
  levels: z.strictObject({ complexity: z.array(z.strictObject({ level: Complexity, from: z.number() })), risk: z.array(z.strictObject({ level: Risk, from: z.number() })) }),
});
export type Scoring = z.infer<typeof Scoring>;

export const PlanStep = z.strictObject({
  id: z.string(),
  phase: PhaseName,
  title: z.string(),
  hours: z.number(),
  risk: Risk,
  commands: z.array(z.string()),
  /** Why the step is in the plan (the detection behind it). */
  why: z.string(),
});
export type PlanStep = z.infer<typeof PlanStep>;

export const PlanPhase = z.strictObject({
  name: PhaseName,
  /** Skipped phases stay in the plan with the reason, so a reader sees the decision. */
  skipped: z.string().nullable(),
  hours: z.number(),
  startDay: z.number(),
  endDay: z.number(),
});
export type PlanPhase = z.infer<typeof PlanPhase>;

export const Plan = z.strictObject({
  branch: z.string(),
  /** The gaps the plan closes (no tests, no CI, …), in words. */
  gaps: z.array(z.string()),
  phases: z.array(PlanPhase),
  steps: z.array(PlanStep),
  rollback: z.strictObject({ how: z.array(z.string()), commands: z.array(z.string()), hours: z.number(), dataLossRisk: Risk, why: z.string() }),
  testing: z.strictObject({ strategy: z.array(z.string()), acceptance: z.array(z.string()) }),
  success: z.array(z.string()),
  /** Working hours in a day of the timeline. */
  hoursPerDay: z.number(),
});
export type Plan = z.infer<typeof Plan>;

export const AssessDocument = z.strictObject({
  schema: z.literal(ASSESS_SCHEMA),
  /** The scanned folder as given on the command line (or `.`). */
  path: z.string(),
  /** The scanned folder's own name. */
  name: z.string(),
  generatedAt: z.string(),
  /** The report file written. */
  report: z.string(),
  detection: Detection,
  scoring: Scoring,
  plan: Plan,
});
export type AssessDocument = z.infer<typeof AssessDocument>;
