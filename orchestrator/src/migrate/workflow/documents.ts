import { artifactPath, fenced, workstreamArtifactPath, type MigrationValues } from './graph.js';
import { gateId, PHASES, renderTemplate, WORKSTREAMS } from './phases.js';

/**
 * The texts of a new workspace besides its graph: `plan.md` (the blueprint people read),
 * `journal.md` (hand-offs and decisions, one table row each) and `prompt.txt` (the whole
 * workflow as instructions for an agent outside the orchestrator).
 */

export function planDocument(v: MigrationValues, createdAt: string): string {
  const lines = [
    `# Migration plan: ${v.title}`,
    '',
    `Workspace \`${v.workspace}/\`, created ${createdAt}${v.assessment ? `, seeded from the assessment ${v.assessment.file}` : ''}.`,
    '',
    '## Executive summary',
    '',
    v.description,
    '',
    'The migration runs as six gated phases. Each phase writes its artifact into `artifacts/` from a',
    'template; its gate waits for a reviewer, who approves it (the artifact must have every section',
    'filled in) or rejects it with a reason (the phase revises its artifact and the gate waits again).',
    'Workstreams run beside the gated phases; no gate waits for them.',
    '',
    '## Phases',
    '',
    '| phase | task | artifact | gate |',
    '|---|---|---|---|',
    ...PHASES.map((p) => `| ${p.tag} ${p.name} | \`${p.taskId}\` | \`${artifactPath(v.workspace, p)}\` | \`${gateId(p)}\` |`),
    '',
    '## Gates',
    '',
    ...PHASES.flatMap((p) => [`### ${gateId(p)} (${p.tag} ${p.name})`, '', ...p.criteria.map((c) => `- ${c}`), '']),
    '## Workstreams',
    '',
    '| task | starts after | artifact |',
    '|---|---|---|',
    ...WORKSTREAMS.map((w) => `| \`${w.taskId}\` | ${w.after ? `\`${w.after}\`` : 'the start'} | \`${workstreamArtifactPath(v.workspace, w)}\` |`),
    '',
    '## Commands',
    '',
    '```sh',
    `codex-orchestrator migrate run --workspace ${v.workspace}       # run the phases with agents; it stops at each gate`,
    `codex-orchestrator migrate status                                # phase, gates waiting, ready workstreams`,
    'codex-orchestrator approve latest --task <gate> --note "…"      # or reject … --reason "…"',
    '```',
    '',
  ];
  return lines.join('\n');
}

export const JOURNAL_HEADER = '| time | who | task | status | note |\n|---|---|---|---|---|\n';

export function journalDocument(v: MigrationValues): string {
  return `# Journal: ${v.title}\n\nHand-offs, updates and every decision on this migration, newest last.\n\n${JOURNAL_HEADER}`;
}

export interface JournalRow {
  readonly at: string;
  readonly who: string;
  readonly task: string;
  readonly status: string;
  readonly note: string;
}

/** One table row: cells kept on one line, `|` escaped, so a note never breaks the table. */
export function journalRow(r: JournalRow): string {
  const cell = (s: string): string =>
    s
      .replace(/\r?\n+/g, ' ')
      .replace(/\|/g, '\\|')
      .trim() || '—';
  return `| ${[r.at, r.who, r.task, r.status, r.note].map(cell).join(' | ')} |\n`;
}

/** The workflow as one set of instructions for an agent that runs it without the orchestrator. */
export function promptDocument(v: MigrationValues): string {
  const lines = [
    `You are a migration specialist carrying out this migration, phase by phase, in the workspace ${v.workspace}/:`,
    '',
    v.description,
    '',
    'Rules:',
    "- Work through the phases in order. After each phase, stop at its gate: a reviewer approves the artifact against the gate's criteria before the next phase starts.",
    '- Write each artifact from its template: keep every heading, replace every "<fill: …>". An artifact with a heading missing or a "<fill: …>" left is not complete.',
    '- When a reviewer rejects a phase, revise its artifact so that it addresses the reason, then stop at the gate again.',
    '- Record every hand-off and decision as a row of journal.md: | time | who | task | status | note |.',
    '- Do not commit, push or change what a phase does not ask for.',
    '',
  ];
  for (const p of PHASES) {
    const artifact = artifactPath(v.workspace, p);
    lines.push(
      `## ${p.tag} ${p.name}`,
      '',
      p.goal,
      '',
      `Artifact: ${artifact}`,
      '',
      fenced('markdown', '', renderTemplate(`${p.tag} ${p.name}: ${v.title}`, p.sections)),
      '',
      `Gate ${gateId(p)}, approved when:`,
      ...p.criteria.map((c) => `- ${c}`),
      '',
    );
  }
  lines.push('## Workstreams beside the phases', '');
  for (const w of WORKSTREAMS) lines.push(`- ${w.taskId} (after ${w.after ?? 'the start'}): ${w.goal} Artifact: ${workstreamArtifactPath(v.workspace, w)}`);
  lines.push('');
  return lines.join('\n');
}
