import { createHash } from 'node:crypto';
import { execCommand } from '../core/spawner.js';
import { err, ok, type Result } from '../core/result.js';
import type { FollowUp, Manifest, Review, TaskRecord } from '../store/manifest.js';
import { isComplete, sectionProblems, type SectionProblems } from './artifact-sections.js';

/**
 * A gate's artifact (`approval.artifact`): the markdown file its author (a builder it depends
 * on) writes. `approve` reads it from the author's result commit in the run's repository and
 * refuses while a required section is missing or still a placeholder; `reject` sends the reason
 * to the author, which revises it on its own thread, and the gate awaits approval again.
 */

/** Why a gate's artifact does not let the gate be approved. */
export type GateArtifactFailure =
  /** The author has no result, or its result commit has no such file (`detail`: what git said). */
  | {
      readonly reason: 'gate-artifact-missing';
      readonly taskId: string;
      readonly artifact: string;
      readonly author: string;
      readonly commit: string | null;
      readonly detail: string | null;
    }
  /** The file lacks required sections, or some are still placeholders. */
  | ({ readonly reason: 'gate-artifact-incomplete'; readonly taskId: string; readonly artifact: string; readonly author: string; readonly commit: string } & SectionProblems);

/** What an approval keeps of the artifact it saw. */
export type ArtifactEvidence = NonNullable<Review['artifact']>;

/** The gate's artifact as its author's result has it, checked; undefined when the gate names none. */
export async function checkGateArtifact(manifest: Readonly<Manifest>, gate: TaskRecord): Promise<Result<ArtifactEvidence | undefined, GateArtifactFailure>> {
  const a = gate.approval;
  if (a?.artifact === undefined || a.author === undefined) return ok(undefined);
  const base = { taskId: gate.id, artifact: a.artifact, author: a.author };
  const commit = manifest.tasks.find((t) => t.id === a.author)?.resultCommit;
  if (commit === undefined) return err({ reason: 'gate-artifact-missing', ...base, commit: null, detail: null });
  const read = await readArtifactAt(manifest.repo.root, commit, a.artifact);
  if (!read.ok) return err({ reason: 'gate-artifact-missing', ...base, commit, detail: read.error });
  const problems = sectionProblems(read.value, a.sections ?? []);
  if (!isComplete(problems)) return err({ reason: 'gate-artifact-incomplete', ...base, commit, ...problems });
  return ok({ path: a.artifact, commit, sha256: createHash('sha256').update(read.value, 'utf8').digest('hex') });
}

/** A file of a commit in the run's repository (git through `core/spawner.ts`); the error is git's first line. */
export async function readArtifactAt(repoRoot: string, commit: string, file: string): Promise<Result<string, string | null>> {
  const read = await execCommand('git', ['cat-file', 'blob', `${commit}:${file}`], {
    cwd: repoRoot,
    env: { ...process.env, GIT_TERMINAL_PROMPT: '0' },
    maxBuffer: 64 * 1024 * 1024,
  });
  return read.code === 0 ? ok(read.stdout) : err(read.stderr.trim().split('\n')[0] ?? null);
}

/** The author's follow-up when a reviewer rejects the gate: revise the artifact; undefined for a gate without an author. */
export function reviseRework(gate: TaskRecord, review: Review, reason: string): { readonly task: string; readonly followUp: FollowUp } | undefined {
  const a = gate.approval;
  if (gate.role !== 'gate' || a?.author === undefined || a.artifact === undefined || a.revise === false) return undefined;
  return { task: a.author, followUp: { from: 'reject', prompt: revisePrompt(review.reviewer, gate.id, a.artifact, a.sections ?? [], reason), by: review.reviewer, requestedAt: review.at } };
}

/** What the author's Codex thread is told when a reviewer rejects the gate that reviews its artifact. */
export function revisePrompt(reviewer: string, gate: string, artifact: string, sections: readonly string[], reason: string): string {
  const keep = sections.length > 0 ? ` (${sections.join(', ')})` : '';
  return `A reviewer (${reviewer}) rejected gate ${gate}, which reviews ${artifact}. Their reason:\n\n${reason}\n\nRevise ${artifact} in this worktree so that it addresses the reason, keeping its sections${keep}, then summarise what you changed.`;
}

/** The message after `head` (`error: cannot approve <gate>`), with what to do. No trailing newline. */
export function renderGateArtifactFailure(f: GateArtifactFailure, head: string): string {
  const hint = `  hint: reject the gate with what to change: ${f.author} revises the artifact and the gate waits again`;
  if (f.reason === 'gate-artifact-missing') {
    const where = f.commit === null ? `${f.author} has no result commit` : `it is not in ${f.author}'s result (commit ${f.commit.slice(0, 12)})`;
    return [`${head}: its artifact ${f.artifact} cannot be read: ${where}`, ...(f.detail ? [`  git: ${f.detail}`] : []), hint].join('\n');
  }
  return [
    `${head}: its artifact ${f.artifact} (from ${f.author}) is not complete`,
    ...(f.missing.length > 0 ? [`  missing sections: ${f.missing.join(', ')}`] : []),
    ...(f.placeholders.length > 0 ? [`  still placeholders: ${f.placeholders.map((p) => `${p.section} (line ${p.line})`).join(', ')}`] : []),
    hint,
  ].join('\n');
}
