/**
 * `runs/<task>.md`: a runbook with everything needed to do one task of a workspace's run by hand,
 * or in another agent (`migrate execute`): its goal, its inputs (dependencies and the artifacts
 * they wrote, with the `git show` that reads each), its template, the criteria it is approved on,
 * and the commands that report it. Plain data in, markdown out.
 */

export interface RunbookInput {
  readonly runId: string;
  readonly task: { readonly id: string; readonly title: string; readonly role: string; readonly prompt: string | undefined };
  /** Its dependencies: their status, and the artifacts they wrote in their result commit. */
  readonly inputs: readonly RunbookDependency[];
  /** Gates that depend on it and what their reviewers check. */
  readonly criteria: readonly { readonly gate: string; readonly criteria: readonly string[] }[];
  /** Who claimed it (a manual task marked running). */
  readonly claimed: { readonly by: string; readonly at: string } | undefined;
  readonly at: string;
}

export interface RunbookDependency {
  readonly id: string;
  readonly title: string;
  readonly status: string;
  /** The commit that holds its result (a gate: its author's); undefined when it has none. */
  readonly commit: string | undefined;
  readonly artifacts: readonly string[];
}

/** The fenced `artifact <path>` blocks of a prompt (a phase's template): the whole block, with its path. */
export function artifactBlocks(prompt: string | undefined): { readonly path: string; readonly block: string }[] {
  if (prompt === undefined) return [];
  const out: { path: string; block: string }[] = [];
  const re = /^(`{3,})artifact (\S+)\n[\s\S]*?^\1$/gm;
  for (const m of prompt.matchAll(re)) out.push({ path: m[2] as string, block: m[0] });
  return out;
}

export function renderRunbook(r: RunbookInput): string {
  const t = r.task;
  const manual = t.role === 'manual';
  const lines: string[] = [`# Runbook: ${t.title}`, '', `Task \`${t.id}\` (${t.role}) of run \`${r.runId}\`, written ${r.at}.`];
  if (r.claimed) lines.push(`Claimed by ${r.claimed.by} since ${r.claimed.at}.`);
  if (!manual) lines.push('', `The orchestrator runs ${t.role} tasks: this runbook is for reading or for doing it in another agent; \`codex-orchestrator migrate run\` runs it.`);
  lines.push('', '## Goal', '', (t.prompt ?? '(no prompt)').trim());
  lines.push('', '## Inputs', '');
  if (r.inputs.length === 0) lines.push('None: it depends on no task.');
  for (const d of r.inputs) {
    lines.push(`- \`${d.id}\` (${d.status}): ${d.title}`);
    for (const a of d.artifacts) lines.push(`  - ${a}${d.commit ? `: \`git show ${d.commit}:${a}\`` : ' (not written yet)'}`);
  }
  const templates = artifactBlocks(t.prompt);
  lines.push('', '## Template', '');
  if (templates.length === 0) lines.push('None: its prompt has no artifact template.');
  for (const tpl of templates) lines.push(`Write \`${tpl.path}\`:`, '', tpl.block, '');
  lines.push('', '## Acceptance criteria', '');
  const criteria = r.criteria.filter((c) => c.criteria.length > 0);
  if (criteria.length === 0) lines.push('No gate reviews it.');
  for (const c of criteria) lines.push(`Gate \`${c.gate}\` approves it on:`, ...c.criteria.map((x) => `- ${x}`), '');
  lines.push('', '## Commands', '', '```sh');
  if (manual) {
    lines.push(
      `codex-orchestrator migrate execute ${t.id} --status running --note "what you start"   # claim it`,
      `codex-orchestrator migrate execute ${t.id} --status blocked --note "what stops you"`,
      `codex-orchestrator migrate execute ${t.id} --status done --note "what you did"         # releases its dependents`,
    );
  } else {
    lines.push('codex-orchestrator migrate run   # the orchestrator runs it', `codex-orchestrator poll ${r.runId}`);
  }
  lines.push('```', '');
  return `${lines
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd()}\n`;
}
