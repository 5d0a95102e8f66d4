import { err, ok, type Result } from '../core/result.js';
import { writeTextAtomic } from '../store/atomic.js';
import { noteOwnWrite } from '../store/run-files.js';
import { RunLayout } from '../store/layout.js';
import type { Manifest, Review, TaskRecord, TaskStatus } from '../store/manifest.js';
import type { RunEventInput } from '../store/events/run-event.js';
import { readChecklist, type ChecklistReadFailure } from './checklist-file.js';
import { applyDecision, findItem, parseChecklistRef, type ChecklistItem, type DecisionNote } from './checklist.js';
import { checkGateArtifact, renderGateArtifactFailure, reviseRework, type GateArtifactFailure } from './gate-artifact.js';
import { keysDirFor, projectRelative } from './project.js';
import { readRunGraph } from './run-graph.js';
import { listRunFiles } from './run-files.js';
import { renderSealFailure, verifySeal, type KeyStore, type SealFailure } from './seal.js';

/**
 * A reviewer's decision on one task: check that the task may be decided on and that the run
 * folder still matches its seal (and the task's artifacts their recorded digests), record the
 * review in the manifest (in memory), and tick or untick the task's checklist item.
 *
 * It does not write the manifest or seal the run: its caller holds the run and does both, in
 * that order (see `cli/commands/decide.ts`). The run folder on disk must be sealed and intact.
 *
 *   approve: succeeded | awaiting-approval ──► approved   (approved: nothing changes)
 *   reject:  succeeded | awaiting-approval | approved ──► rejected   (rejected: nothing changes)
 *
 * A rejected builder or tester also gets a follow-up (`followUp`): the reason goes to its own
 * Codex thread in a new attempt, run by the live orchestrator at once or by `resume`.
 *
 * A gate whose `approval` names an artifact is approved only when the artifact, read from its
 * author's result commit, has every required section filled in (the approval records its
 * sha256). Rejecting it sends the reason to the author instead (`rework`): the gate goes back to
 * `pending`, and awaits approval again once the author revised the artifact.
 *
 *   reject (a gate with an author): awaiting-approval | approved ──► pending
 */

export type DecisionRequest =
  | { readonly decision: 'approved'; readonly taskId: string; readonly reviewer: string; readonly note?: string | undefined }
  | { readonly decision: 'rejected'; readonly taskId: string; readonly reviewer: string; readonly reason: string };

export interface DecideInput {
  /** The run's state; never changed here (the decision is the `decided` event the effect carries). */
  readonly manifest: Readonly<Manifest>;
  readonly runDir: string;
  /** Checklist references and evidence paths are relative to it. */
  readonly projectRoot: string;
  readonly request: DecisionRequest;
  /** Default: the project's key store (`keysDirFor`). */
  readonly keys?: KeyStore;
  readonly now?: Date;
  /**
   * Set by the orchestrator that is still running the run (the one writer, deciding through the
   * run's inbox): its run folder keeps changing while other tasks work, so instead of the whole
   * seal, the task's own artifacts are checked against the digests the manifest recorded.
   */
  readonly live?: boolean;
}

export type DecidedEvent = Extract<RunEventInput, { kind: 'decided' }>;

/** What a decision did. */
export type DecisionEffect =
  /** The review is to be added to the task and its status changed (by `event`). */
  | {
      readonly kind: 'recorded';
      readonly taskId: string;
      readonly review: Review;
      readonly from: TaskStatus;
      readonly to: TaskStatus;
      /** What records the decision in the run's log (the caller's writer appends it). */
      readonly event: DecidedEvent;
      /** The linked checklist item, when the task has one. */
      readonly checklist: { readonly file: string; readonly line: number; readonly changed: boolean } | undefined;
    }
  /** The task already stands so (approved twice, rejected twice): nothing was changed. */
  | { readonly kind: 'unchanged'; readonly taskId: string; readonly status: TaskStatus; readonly review: Review | undefined };

/** Why a decision was refused. Nothing was changed. */
export type DecisionFailure =
  /** An empty or multi-line reviewer name, or a rejection without a reason. */
  | { readonly reason: 'invalid-request'; readonly message: string }
  /** The run has no task of that id. */
  | { readonly reason: 'unknown-task'; readonly taskId: string; readonly known: readonly string[] }
  /** A manual task is done by its operator (`migrate execute`), never approved or rejected. */
  | { readonly reason: 'manual-task'; readonly taskId: string }
  /** Approval needs a succeeded task or a gate awaiting approval. */
  | { readonly reason: 'not-approvable'; readonly taskId: string; readonly status: TaskStatus }
  /** Rejection needs a task with a result (succeeded, approved) or a gate awaiting approval. */
  | { readonly reason: 'not-rejectable'; readonly taskId: string; readonly status: TaskStatus }
  /** The run is unsealed, or its files are no longer the ones sealed. */
  | { readonly reason: 'seal-invalid'; readonly runId: string; readonly seal: SealFailure }
  /** A task artifact's digest differs from the one recorded in the manifest. */
  | { readonly reason: 'artifact-mismatch'; readonly taskId: string; readonly file: string; readonly expected: string; readonly found: string | null }
  /** The run's copy of its graph cannot be read or analyzed, so the task's checklist is unknown. */
  | { readonly reason: 'graph-unreadable'; readonly file: string; readonly message: string }
  /** The task's `checklist` is not `<file>#<key>` inside the project. */
  | { readonly reason: 'bad-checklist-ref'; readonly taskId: string; readonly ref: string; readonly problem: string }
  /** The checklist file is missing, unreadable or not UTF-8. */
  | (ChecklistReadFailure & { readonly ref: string })
  /** No item matches the key; `candidates` are near misses. */
  | { readonly reason: 'checklist-item-missing'; readonly ref: string; readonly file: string; readonly key: string; readonly candidates: readonly ChecklistItem[] }
  /** More than one item matches the key. */
  | { readonly reason: 'checklist-item-ambiguous'; readonly ref: string; readonly file: string; readonly key: string; readonly matches: readonly ChecklistItem[] }
  /** A gate's artifact is not in its author's result, or not complete (approval only). */
  | GateArtifactFailure;

const APPROVABLE: readonly TaskStatus[] = ['succeeded', 'awaiting-approval'];
const REJECTABLE: readonly TaskStatus[] = ['succeeded', 'awaiting-approval', 'approved'];

export async function decide(input: DecideInput): Promise<Result<DecisionEffect, DecisionFailure>> {
  const { manifest, runDir, projectRoot, request } = input;
  const problem = requestProblem(request);
  if (problem) return err({ reason: 'invalid-request', message: problem });
  const task = manifest.tasks.find((t) => t.id === request.taskId);
  if (!task) return err({ reason: 'unknown-task', taskId: request.taskId, known: manifest.tasks.map((t) => t.id) });
  if (task.role === 'manual') return err({ reason: 'manual-task', taskId: task.id });
  const repeat = task.status === request.decision;
  if (!repeat) {
    if (request.decision === 'approved' && !APPROVABLE.includes(task.status)) return err({ reason: 'not-approvable', taskId: task.id, status: task.status });
    if (request.decision === 'rejected' && !REJECTABLE.includes(task.status)) return err({ reason: 'not-rejectable', taskId: task.id, status: task.status });
  }

  // A decision re-seals the run, so it must never cover files changed since the last seal.
  let digests: ReadonlyMap<string, string>;
  if (input.live) {
    digests = (await listRunFiles(runDir)).digests;
  } else {
    const seal = await verifySeal(runDir, input.keys ?? { dir: keysDirFor(projectRoot) });
    if (!seal.ok) return err({ reason: 'seal-invalid', runId: manifest.runId, seal: seal.error });
    digests = seal.value.subjects;
  }
  const mismatch = artifactMismatch(task, digests);
  if (mismatch) return err(mismatch);
  if (repeat) return ok({ kind: 'unchanged', taskId: task.id, status: task.status, review: task.reviews?.at(-1) });

  // The artifact the gate reviews must be there and complete before anything is changed.
  const artifact = request.decision === 'approved' ? await checkGateArtifact(manifest, task) : ok(undefined);
  if (!artifact.ok) return artifact;

  const evidence = projectRelative(projectRoot, RunLayout.manifest(runDir));
  const checklist = await checklistEdit(input, task, evidence);
  if (!checklist.ok) return checklist;

  const prefix = `tasks/${task.id}/`;
  const review: Review = {
    decision: request.decision,
    reviewer: request.reviewer.trim(),
    at: (input.now ?? new Date()).toISOString(),
    ...(request.decision === 'approved' && request.note ? { note: request.note } : {}),
    ...(request.decision === 'rejected' ? { reason: request.reason } : {}),
    attempt: task.attempts.at(-1)?.n ?? 0,
    digests: Object.fromEntries([...digests].filter(([name]) => name.startsWith(prefix))),
    ...(artifact.value ? { artifact: artifact.value } : {}),
  };
  const edit = checklist.value;
  if (edit?.changed) {
    noteOwnWrite(edit.absolute);
    await writeTextAtomic(edit.absolute, edit.text);
  }
  // Rework: a rejection's reason goes to the task's own Codex thread as a follow-up (a gate has none).
  const rework =
    request.decision === 'rejected' && task.role !== 'gate'
      ? { from: 'reject' as const, prompt: reworkPrompt(review.reviewer, request.reason), by: review.reviewer, requestedAt: review.at }
      : undefined;
  // A gate whose artifact has an author: the author revises it, and the gate waits again.
  const revise = request.decision === 'rejected' ? reviseRework(task, review, request.reason) : undefined;
  const to: TaskStatus = revise ? 'pending' : request.decision;
  const event: DecidedEvent = { kind: 'decided', task: task.id, review, status: to, ...(rework ? { followUp: rework } : {}), ...(revise ? { rework: revise } : {}) };
  return ok({ kind: 'recorded', taskId: task.id, review, from: task.status, to, event, checklist: edit ? { file: edit.file, line: edit.line, changed: edit.changed } : undefined });
}

/** What the builder's Codex thread is told when a reviewer rejects its work. */
export function reworkPrompt(reviewer: string, reason: string): string {
  return `A reviewer (${reviewer}) rejected your change. Their reason:\n\n${reason}\n\nRework the change in this worktree so that it addresses the reason, then summarise what you changed.`;
}

function requestProblem(r: DecisionRequest): string | undefined {
  if (r.reviewer.trim() === '') return 'the reviewer name is empty';
  if (/[\r\n]/.test(r.reviewer)) return 'the reviewer name must be one line';
  if (r.decision === 'rejected' && r.reason.trim() === '') return 'a rejection needs a reason';
  return undefined;
}

/** The first artifact of the task whose digest (sealed, or on disk for a live run) is not the one the manifest recorded. */
function artifactMismatch(task: TaskRecord, digests: ReadonlyMap<string, string>): DecisionFailure | undefined {
  for (const artifact of Object.values(task.artifacts)) {
    if (!artifact) continue;
    const found = digests.get(artifact.path) ?? null;
    if (found !== artifact.sha256) return { reason: 'artifact-mismatch', taskId: task.id, file: artifact.path, expected: artifact.sha256, found };
  }
  return undefined;
}

export interface ChecklistEdit {
  readonly file: string;
  readonly absolute: string;
  readonly line: number;
  readonly text: string;
  readonly changed: boolean;
}

/** The task's checklist item with the decision applied (not yet written), or undefined when it links none. */
async function checklistEdit(input: DecideInput, task: TaskRecord, evidence: string): Promise<Result<ChecklistEdit | undefined, DecisionFailure>> {
  const r = input.request;
  return editChecklist(input, task.id, { decision: r.decision, reviewer: r.reviewer, evidence, reason: r.decision === 'rejected' ? r.reason : undefined });
}

/** The checklist item a task links with `note` applied (not yet written), or undefined when it links none. */
export async function editChecklist(input: Pick<DecideInput, 'manifest' | 'runDir' | 'projectRoot'>, taskId: string, note: DecisionNote): Promise<Result<ChecklistEdit | undefined, DecisionFailure>> {
  const task = { id: taskId };
  const graph = await readRunGraph(input.manifest, input.runDir);
  if (!graph.ok) return err({ reason: 'graph-unreadable', ...graph.error });
  const raw = graph.value.tasks.find((t) => t.id === task.id)?.checklist;
  if (raw === undefined) return ok(undefined);
  const ref = parseChecklistRef(raw);
  if (!ref.ok) return err({ reason: 'bad-checklist-ref', taskId: task.id, ref: raw, problem: ref.error });
  const { file, key } = ref.value;
  const read = await readChecklist(input.projectRoot, file);
  if (!read.ok) return err({ ...read.error, ref: raw });
  const found = findItem(read.value.text, key);
  if (!found.ok) {
    return found.error.reason === 'item-missing'
      ? err({ reason: 'checklist-item-missing', ref: raw, file, key, candidates: found.error.candidates })
      : err({ reason: 'checklist-item-ambiguous', ref: raw, file, key, matches: found.error.matches });
  }
  const text = applyDecision(read.value.text, found.value.line, note);
  return ok({ file, absolute: read.value.absolute, line: found.value.line, text, changed: text !== read.value.text });
}

/** The message for a refused decision, with what to do. No trailing newline. */
export function renderDecisionFailure(f: DecisionFailure, request: DecisionRequest): string {
  const verb = request.decision === 'approved' ? 'approve' : 'reject';
  const head = `error: cannot ${verb} ${request.taskId}`;
  const items = (list: readonly ChecklistItem[], file: string): string => list.map((i) => `\n    ${file}:${i.line}: ${i.ticked ? '[x]' : '[ ]'} ${i.text}`).join('');
  switch (f.reason) {
    case 'invalid-request':
      return `${head}: ${f.message}`;
    case 'unknown-task':
      return `${head}: the run has no task "${f.taskId}"\n  hint: its tasks are: ${f.known.join(', ')}`;
    case 'manual-task':
      return `${head}: it is a manual task, done by its operator, not ${request.decision} by a reviewer\n  hint: mark it done with: codex-orchestrator migrate execute ${f.taskId} --status done [--note TEXT]`;
    case 'not-approvable':
      return `${head}: its status is ${f.status}\n  hint: only a succeeded task, or a gate awaiting approval, can be approved${f.status === 'rejected' ? '; a rejected task must run again first' : ''}`;
    case 'not-rejectable':
      return `${head}: its status is ${f.status}\n  hint: only a succeeded or approved task, or a gate awaiting approval, can be rejected`;
    case 'seal-invalid':
      return `${head}: ${renderSealFailure(f.seal, f.runId)}${f.seal.reason === 'tampered' ? '\n  hint: unsealed or changed runs cannot be reviewed; see codex-orchestrator verify ' + f.runId : ''}`;
    case 'artifact-mismatch':
      return `${head}: ${f.file} ${f.found === null ? 'is missing' : 'changed'}: the manifest records sha256 ${f.expected}${f.found === null ? '' : `, the file has ${f.found}`}`;
    case 'graph-unreadable':
      return `${head}: cannot read the run's graph ${f.file}: ${f.message}`;
    case 'bad-checklist-ref':
      return `${head}: its checklist reference "${f.ref}" is not usable: ${f.problem}\n  hint: write it as path/to/tasks-x.md#item-key, the path relative to the project root`;
    case 'checklist-not-found':
      return `${head}: its checklist ${f.file} (from "${f.ref}") does not exist\n  hint: create it, or fix the task's checklist reference`;
    case 'checklist-unreadable':
      return `${head}: cannot read its checklist ${f.file}: ${f.message}`;
    case 'checklist-item-missing':
      return (
        `${head}: no item of ${f.file} matches "${f.key}" (from "${f.ref}")\n` +
        `  hint: an item matches when its text starts with "${f.key}" followed by ":", a space or the end of the line (case-sensitive)` +
        (f.candidates.length > 0 ? `\n  candidates:${items(f.candidates, f.file)}` : `\n  ${f.file} has no checklist items ("- [ ] text")`)
      );
    case 'checklist-item-ambiguous':
      return `${head}: ${f.matches.length} items of ${f.file} match "${f.key}" (from "${f.ref}"):${items(f.matches, f.file)}\n  hint: make the item keys unique, or use a longer key in the task's checklist reference`;
    case 'gate-artifact-missing':
    case 'gate-artifact-incomplete':
      return renderGateArtifactFailure(f, head);
  }
}
