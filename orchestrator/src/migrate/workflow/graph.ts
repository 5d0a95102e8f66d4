import { artifactName, gateId, PHASES, renderTemplate, WORKSTREAMS, type Phase, type Workstream } from './phases.js';
import type { WorkspaceRunSettings } from './run-settings.js';
import { MIGRATION_SPECIALIST } from './specialist.js';

/**
 * A migration workspace's task graph, in the graph format (valid for `validate` and `run`): the
 * gated spine MIG-1 → gate → MIG-2 → … → MIG-6 → gate, and the `parallel-*` workstreams beside it.
 * Plain data: the caller writes it as `tasks.json` (or, with placeholders, as the pattern).
 */

export interface MigrationValues {
  readonly description: string;
  /** The description's first line, shortened. */
  readonly title: string;
  /** The graph's name. */
  readonly slug: string;
  /** The workspace folder relative to the repository's top, with `/`: `migrations/migration_<slug>`. */
  readonly workspace: string;
  /** An assessment report (`migrate assess`) that seeds MIG-1: its file (as the user named it) and text. */
  readonly assessment?: { readonly file: string; readonly text: string } | undefined;
  /** From the migration's manifest: MCP servers and secret variables (`run-settings.ts`). */
  readonly settings?: WorkspaceRunSettings | undefined;
}

/** The largest share of an assessment report a prompt carries. */
export const ASSESSMENT_PROMPT_LIMIT = 24_000;

export interface GraphTask {
  readonly id: string;
  readonly title: string;
  readonly role: 'builder' | 'gate';
  readonly deps: readonly string[];
  readonly prompt?: string;
  readonly instructions?: string;
  /** MIG-4: the steps of the approved execution plan (MIG-3's `Steps`), one task each, run before it (the graph format's `fanOut`). */
  readonly fanOut?: { readonly artifact: string; readonly section: string; readonly from: string; readonly stepArtifacts: string };
  readonly approval?: {
    readonly criteria: readonly string[];
    readonly artifact: string;
    readonly author: string;
    readonly sections: readonly string[];
  };
}

export interface MigrationGraph {
  readonly version: 1;
  readonly name: string;
  readonly description: string;
  readonly settings?: WorkspaceRunSettings;
  readonly tasks: readonly GraphTask[];
}

export function artifactPath(workspace: string, phase: Phase): string {
  return `${workspace}/artifacts/${artifactName(phase)}`;
}

export function workstreamArtifactPath(workspace: string, w: Workstream): string {
  return `${workspace}/artifacts/${w.taskId.replace(/^parallel-/, '')}.md`;
}

export function migrationGraph(v: MigrationValues): MigrationGraph {
  const tasks: GraphTask[] = [];
  PHASES.forEach((phase, i) => {
    const before = PHASES[i - 1];
    tasks.push({
      id: phase.taskId,
      title: `[${phase.tag}] ${phase.name}: ${v.title}`,
      role: 'builder',
      deps: before ? [gateId(before)] : [],
      prompt: phasePrompt(v, phase, PHASES.slice(0, i)),
      instructions: MIGRATION_SPECIALIST,
      ...(phase.n === 4 && before
        ? { fanOut: { artifact: artifactPath(v.workspace, before), section: 'Steps', from: gateId(before), stepArtifacts: `${v.workspace}/artifacts/${phase.tag}.{k}-step.md` } }
        : {}),
    });
    tasks.push({
      id: gateId(phase),
      title: `[${phase.tag}] Gate: approve the ${phase.name.toLowerCase()}`,
      role: 'gate',
      deps: [phase.taskId],
      approval: { criteria: phase.criteria, artifact: artifactPath(v.workspace, phase), author: phase.taskId, sections: phase.sections.map((s) => s.title) },
    });
  });
  for (const w of WORKSTREAMS) {
    tasks.push({
      id: w.taskId,
      title: `[parallel] ${w.name}: ${v.title}`,
      role: 'builder',
      deps: w.after ? [w.after] : [],
      prompt: workstreamPrompt(v, w),
      instructions: MIGRATION_SPECIALIST,
    });
  }
  const settings = v.settings && Object.keys(v.settings).length > 0 ? { settings: v.settings } : {};
  return { version: 1, name: v.slug, description: v.description, ...settings, tasks };
}

function phasePrompt(v: MigrationValues, phase: Phase, earlier: readonly Phase[]): string {
  const artifact = artifactPath(v.workspace, phase);
  const lines = [
    `Phase ${phase.tag} (${phase.name}) of the migration "${v.title}", in the workspace ${v.workspace}/ (its plan.md is the blueprint).`,
    '',
    'The migration:',
    '',
    v.description,
    '',
    `Goal of this phase: ${phase.goal}`,
  ];
  if (earlier.length > 0) {
    lines.push('', 'The approved artifacts of the earlier phases (read them first):', ...earlier.map((p) => `- ${artifactPath(v.workspace, p)} (${p.tag} ${p.name})`));
  }
  if (phase.n === 4) {
    const plan = earlier.at(-1);
    lines.push(
      '',
      `The approved execution plan's steps (the numbered lines of its "Steps" section${plan ? `, ${artifactPath(v.workspace, plan)}` : ''}) ran before this task, each as a task of its own with its own gate and step report (${v.workspace}/artifacts/${phase.tag}.<k>-step.md). Read those reports and log the execution in the artifact.`,
    );
  }
  lines.push(
    '',
    `Write ${artifact} from this template. Keep every heading; replace every "<fill: …>" with what you found or decided. Change nothing else in the repository.`,
    '',
    fenced('artifact', artifact, renderTemplate(`${phase.tag} ${phase.name}: ${v.title}`, phase.sections)),
  );
  if (phase.n === 1 && v.assessment) lines.push('', ...assessmentSeed(v.assessment));
  lines.push('', `A reviewer approves this phase at its gate against these criteria:`, ...phase.criteria.map((c) => `- ${c}`));
  return `${lines.join('\n')}\n`;
}

function workstreamPrompt(v: MigrationValues, w: Workstream): string {
  const artifact = workstreamArtifactPath(v.workspace, w);
  return `${[
    `Parallel workstream "${w.name}" of the migration "${v.title}", in the workspace ${v.workspace}/. It runs beside the gated phases; no gate waits for it.`,
    '',
    'The migration:',
    '',
    v.description,
    '',
    `Goal: ${w.goal}`,
    '',
    `Write ${artifact} from this template. Keep every heading; replace every "<fill: …>". Change nothing else in the repository.`,
    '',
    fenced('artifact', artifact, renderTemplate(`${w.name}: ${v.title}`, w.sections)),
  ].join('\n')}\n`;
}

function assessmentSeed(a: { readonly file: string; readonly text: string }): string[] {
  const cut = a.text.length > ASSESSMENT_PROMPT_LIMIT;
  const text = cut ? `${a.text.slice(0, ASSESSMENT_PROMPT_LIMIT)}\n…` : a.text;
  return [
    `The repository was assessed with codex-orchestrator migrate assess (${a.file}${cut ? `, its first ${ASSESSMENT_PROMPT_LIMIT} characters` : ''}). Start from its findings and check them:`,
    '',
    fenced('markdown', '', text),
  ];
}

/**
 * A fenced block whose fence is longer than any backtick run inside it, so a report's own fenced
 * blocks (its commands) stay text: nothing inside is read as a block of its own.
 */
export function fenced(lang: string, info: string, body: string): string {
  const longest = Math.max(0, ...[...body.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${lang}${info ? ` ${info}` : ''}\n${body.endsWith('\n') ? body : `${body}\n`}${fence}`;
}
