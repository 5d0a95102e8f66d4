/**
 * The offline model's "script": the fenced shell, patch and artifact blocks written in a prompt, in order.
 *
 * ```sh            → run through Codex's `exec_command` tool
 * ```patch         → applied through Codex's `apply_patch` tool (`*** Begin Patch` … `*** End Patch`)
 * ```artifact P    → the file P (relative to the task's folder) written from the block, a template,
 *                    through `apply_patch` (an Add File, which Codex writes over a file already
 *                    there: a rerun works): every `<fill: hint>` becomes `Offline stand-in: hint`,
 *                    the rest is kept as written. A path that is absolute, starts with `~` or has a
 *                    `..` segment makes the block no step.
 *
 * A real model reads an artifact block as "write this file from this template"; the stand-in's
 * fills only show where the model's words would go. It also stands in for a model revising its
 * artifact: when the latest prompt has no steps at all (a reviewer's rework, a `send` in prose)
 * and an earlier user message of the conversation asked for artifacts, each of those files gets a
 * `## Revision` section appended, the latest prompt quoted (`revisionSteps`), so the rework has a
 * diff. A real model would rewrite the artifact instead.
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
/** A fence, its language, the rest of its info string, its body, and the closing fence of the same length. */
const FENCE = /^(`{3,}|~{3,})[ \t]*([A-Za-z0-9_+-]*)([^\n]*)\n([\s\S]*?)^\1[ \t]*$/gm;

/** A fenced block of a prompt: its language (lower case), its body, and where it is in the text. */
export interface FencedBlock {
  readonly lang: string;
  /** The info string after the language, as written (an artifact's path, with the space before it). */
  readonly info: string;
  readonly body: string;
  readonly start: number;
  readonly end: number;
}

export function fencedBlocks(text: string): FencedBlock[] {
  return [...text.matchAll(FENCE)].map((m) => ({
    lang: (m[2] ?? '').toLowerCase(),
    info: m[3] ?? '',
    body: m[4] ?? '',
    start: m.index,
    end: m.index + m[0].length,
  }));
}

export function parseScript(prompt: string): ScriptStep[] {
  return fencedBlocks(prompt).flatMap(({ lang, body, info }): ScriptStep[] => {
    if (lang === 'artifact') {
      const artifact = artifactOf(info, body);
      return artifact ? [artifactStep(artifact)] : [];
    }
    const isPatch = lang === 'patch' || lang === 'apply_patch' || body.trimStart().startsWith('*** Begin Patch');
    if (isPatch) {
      const patch = body.endsWith('\n') ? body : `${body}\n`;
      return [{ kind: 'patch', patch, files: patchFiles(patch) }];
    }
    const command = body.replace(/\n+$/, '');
    return SHELL_LANGS.has(lang) && command.trim() !== '' ? [{ kind: 'shell', command }] : [];
  });
}

/** A file an artifact block asks for: its path and its text with the fills made. */
export interface Artifact {
  readonly path: string;
  readonly text: string;
}

/** The artifacts a prompt's artifact blocks ask for, in order (blocks with a refused path left out). */
export function artifactsOf(prompt: string): Artifact[] {
  return fencedBlocks(prompt).flatMap(({ lang, info, body }) => {
    const artifact = lang === 'artifact' ? artifactOf(info, body) : undefined;
    return artifact ? [artifact] : [];
  });
}

function artifactOf(info: string, body: string): Artifact | undefined {
  const path = artifactPath(info);
  return path === undefined ? undefined : { path, text: fillTemplate(body) };
}

/**
 * The path of an artifact block's info string: one token after the language, relative, inside the
 * task's folder. Anything else is refused: the block is then no step.
 */
export function artifactPath(info: string): string | undefined {
  const token = /^[ \t]+(\S+)[ \t]*$/.exec(info)?.[1];
  if (token === undefined || token.startsWith('/') || token.startsWith('~') || token.endsWith('/')) return undefined;
  return token.split(/[\\/]/).includes('..') ? undefined : token;
}

/** The template's text with every `<fill: hint>` made `Offline stand-in: hint`. */
export function fillTemplate(template: string): string {
  return template.replace(/<fill:[ \t]*([^>\n]*?)[ \t]*>/g, (_, hint: string) => (hint === '' ? 'Offline stand-in' : `Offline stand-in: ${hint}`));
}

function artifactStep(artifact: Artifact): ScriptStep {
  const lines = artifact.text.replace(/\n$/, '').split('\n');
  const patch = ['*** Begin Patch', `*** Add File: ${artifact.path}`, ...lines.map((l) => `+${l}`), '*** End Patch', ''].join('\n');
  return { kind: 'patch', patch, files: [`A ${artifact.path}`] };
}

const REVISION_END = 'OFFLINE_STAND_IN_REVISION';

/**
 * The stand-in's revision of its artifacts (see the module comment): for each artifact the earlier
 * prompts asked for, once per path, a shell step appending a `## Revision` section that quotes
 * `prompt`.
 */
export function revisionSteps(earlierPrompts: readonly string[], prompt: string): ScriptStep[] {
  const paths = [...new Set(earlierPrompts.flatMap((p) => artifactsOf(p).map((a) => a.path)))];
  const quoted = prompt
    .replace(/^\n+|\s+$/g, '')
    .split('\n')
    .map((l) => (l.trim() === '' ? '>' : `> ${l}`));
  // Every line of the section is empty or starts with `#` or `>`, so the delimiter cannot be one of them.
  const section = ['', '## Revision', '', ...quoted, REVISION_END].join('\n');
  return paths.map((path) => ({ kind: 'shell', command: `cat >> ${shellQuote(path)} <<'${REVISION_END}'\n${section}` }));
}

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
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
  for (const block of fencedBlocks(prompt)) {
    if (block.lang !== 'offline-fault') continue;
    const m = /^\s*(\d{3}|disconnect)(?:\s+times\s+(\d+))?\s*$/.exec(block.body);
    if (!m) continue;
    faults.push({ kind: m[1] === 'disconnect' ? 'disconnect' : Number(m[1]), times: Number(m[2] ?? 1) });
  }
  return faults;
}
