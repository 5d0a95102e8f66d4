/**
 * The offline model's "script": the fenced shell and patch blocks written in a prompt, in order.
 *
 * ```sh            → run through Codex's `exec_command` tool
 * ```patch         → applied through Codex's `apply_patch` tool (`*** Begin Patch` … `*** End Patch`)
 *
 * Other fenced blocks (code samples in prose) are not steps. One more kind exists for tests of
 * failure handling: an `offline-fault` block (`503`, `429`, `401`, `disconnect`, optionally
 * followed by `times N`, default 1) makes the server fail that many of Codex's requests for this
 * prompt (requests of the role agents are never failed).
 */

/** One thing the offline model will ask Codex to do. */
export type ScriptStep =
  /** A shell command, run by Codex's `exec_command` tool. */
  | { readonly kind: 'shell'; readonly command: string }
  /** A patch in Codex's apply_patch format, applied by Codex's `apply_patch` tool. */
  | { readonly kind: 'patch'; readonly patch: string; readonly files: readonly string[] };

const SHELL_LANGS = new Set(['sh', 'bash', 'shell', 'zsh']);
const FENCE = /^(`{3,}|~{3,})[ \t]*([A-Za-z0-9_+-]*)[^\n]*\n([\s\S]*?)^\1[ \t]*$/gm;

/** A fenced block of a prompt: its language (lower case), its body, and where it is in the text. */
export interface FencedBlock {
  readonly lang: string;
  readonly body: string;
  readonly start: number;
  readonly end: number;
}

export function fencedBlocks(text: string): FencedBlock[] {
  return [...text.matchAll(FENCE)].map((m) => ({ lang: (m[2] ?? '').toLowerCase(), body: m[3] ?? '', start: m.index, end: m.index + m[0].length }));
}

export function parseScript(prompt: string): ScriptStep[] {
  const steps: ScriptStep[] = [];
  for (const match of prompt.matchAll(FENCE)) {
    const lang = (match[2] ?? '').toLowerCase();
    const body = match[3] ?? '';
    const isPatch = lang === 'patch' || lang === 'apply_patch' || body.trimStart().startsWith('*** Begin Patch');
    if (isPatch) {
      const patch = body.endsWith('\n') ? body : `${body}\n`;
      steps.push({ kind: 'patch', patch, files: patchFiles(patch) });
    } else if (SHELL_LANGS.has(lang)) {
      const command = body.replace(/\n+$/, '');
      if (command.trim() !== '') steps.push({ kind: 'shell', command });
    }
  }
  return steps;
}

function patchFiles(patch: string): string[] {
  const files: string[] = [];
  for (const m of patch.matchAll(/^\*\*\* (Add|Update|Delete) File: (.+)$/gm)) {
    const action = m[1] === 'Add' ? 'A' : m[1] === 'Delete' ? 'D' : 'M';
    files.push(`${action} ${(m[2] ?? '').trim()}`);
  }
  return files;
}

/** One-line description of a step, for the summary and logs. */
export function describeStep(step: ScriptStep): string {
  if (step.kind === 'shell') {
    const first = step.command.split('\n')[0] ?? '';
    return `shell \`${first}${step.command.includes('\n') ? ' …' : ''}\``;
  }
  return `patch (${step.files.join(', ') || 'no files'})`;
}

/** A failure the offline model serves instead of an answer (see the module comment). */
export interface Fault {
  /** An HTTP status, or `disconnect`: the stream starts and the connection is cut. */
  readonly kind: number | 'disconnect';
  readonly times: number;
}

export function parseFaults(prompt: string): Fault[] {
  const faults: Fault[] = [];
  for (const match of prompt.matchAll(FENCE)) {
    if ((match[2] ?? '').toLowerCase() !== 'offline-fault') continue;
    const m = /^\s*(\d{3}|disconnect)(?:\s+times\s+(\d+))?\s*$/.exec(match[3] ?? '');
    if (!m) continue;
    faults.push({ kind: m[1] === 'disconnect' ? 'disconnect' : Number(m[1]), times: Number(m[2] ?? 1) });
  }
  return faults;
}
