import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { ok, type Result } from '../core/result.js';
import { readManifest } from '../store/read.js';
import type { Manifest } from '../store/manifest.js';
import { readChecklist } from './checklist-file.js';
import { checklistItems, keyMatches, parseChecklistRef, type ChecklistItem } from './checklist.js';
import { keysDirFor } from './project.js';
import { readRunGraph } from './run-graph.js';
import { summarizeSealFailure, verifySeal, type KeyStore } from './seal.js';
import { loadSpecIndex, type SpecIndexFailure } from './spec-index.js';

/**
 * The spec guard, for CI: every ticked item of `tasks/tasks-*.md` must have an approved,
 * intact run behind it, and every spec in `tasks/index.json` must have been reviewed within the
 * last 30 days. Each offence names `file:line` and why.
 */

export const MAX_REVIEW_AGE_DAYS = 30;

/** What is wrong with an item or a spec (kebab-case, stable: scripts match on it). */
export type OffenceKind =
  /** Ticked, but with no `— approved by …, evidence: <manifest>` note. */
  | 'ticked-without-evidence'
  /** The evidence names a manifest that does not exist. */
  | 'evidence-not-found'
  /** The evidence is not a readable run manifest (or its run's graph cannot be read). */
  | 'evidence-unreadable'
  /** The evidence run did not approve any task linked to the item. */
  | 'not-approved'
  /** The evidence run's seal does not verify: its files changed, or it was never sealed. */
  | 'seal-invalid'
  /** A spec's `last_review` is older than the allowed age. */
  | 'review-overdue';

export interface Offence {
  /** Relative to the project root, `/` separated. */
  readonly file: string;
  readonly line: number;
  readonly kind: OffenceKind;
  readonly message: string;
}

export interface SpecGuardReport {
  readonly offences: readonly Offence[];
  /** The checklists read, relative to the project root. */
  readonly checklists: readonly string[];
  readonly tickedItems: number;
  readonly specs: number;
}

export interface SpecGuardOptions {
  readonly projectRoot: string;
  /** Default: the project's key store. */
  readonly keys?: KeyStore;
  /** The clock, for the review age. */
  readonly now?: Date;
  readonly maxReviewAgeDays?: number;
}

const DAY_MS = 86_400_000;

export async function specGuard(o: SpecGuardOptions): Promise<Result<SpecGuardReport, SpecIndexFailure>> {
  const index = await loadSpecIndex(path.join(o.projectRoot, 'tasks', 'index.json'));
  if (!index.ok) return index;
  const keys = o.keys ?? { dir: keysDirFor(o.projectRoot) };
  const offences: Offence[] = [];
  const checklists = await checklistFiles(o.projectRoot);
  const evidence = evidenceChecker(o.projectRoot, keys);
  let tickedItems = 0;
  for (const file of checklists) {
    const read = await readChecklist(o.projectRoot, file);
    if (!read.ok) continue; // Listed a moment ago; gone or unreadable now: nothing ticked to check.
    for (const item of checklistItems(read.value.text)) {
      if (!item.ticked) continue;
      tickedItems++;
      const problem = await evidence(read.value.absolute, item);
      if (problem) offences.push({ file, line: item.line, ...problem });
    }
  }
  const maxAge = o.maxReviewAgeDays ?? MAX_REVIEW_AGE_DAYS;
  const now = o.now ?? new Date();
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  for (const spec of index.value?.specs ?? []) {
    const age = Math.floor((today - Date.parse(`${spec.last_review}T00:00:00Z`)) / DAY_MS);
    if (age > maxAge) {
      offences.push({
        file: 'tasks/index.json',
        line: spec.lastReviewAt.line,
        kind: 'review-overdue',
        message: `spec "${spec.id}" was last reviewed on ${spec.last_review}, ${age} days ago (more than ${maxAge}); review it and update last_review`,
      });
    }
  }
  return ok({ offences, checklists, tickedItems, specs: index.value?.specs.length ?? 0 });
}

/** `tasks/tasks-*.md`, sorted, relative to the project root. */
async function checklistFiles(projectRoot: string): Promise<string[]> {
  try {
    const entries = await readdir(path.join(projectRoot, 'tasks'), { withFileTypes: true });
    return entries
      .filter((e) => e.isFile() && /^tasks-.+\.md$/.test(e.name))
      .map((e) => `tasks/${e.name}`)
      .sort();
  } catch {
    return [];
  }
}

type Problem = { readonly kind: OffenceKind; readonly message: string };

interface EvidenceRun {
  readonly manifest: Manifest;
  readonly runDir: string;
  readonly problem: Problem | undefined;
}

/** Checks a ticked item's evidence; runs are read and their seals verified once each. */
function evidenceChecker(projectRoot: string, keys: KeyStore): (checklist: string, item: ChecklistItem) => Promise<Problem | undefined> {
  const runs = new Map<string, Promise<EvidenceRun | Problem>>();
  const openRun = async (manifestFile: string, shown: string): Promise<EvidenceRun | Problem> => {
    if (path.basename(manifestFile) !== 'manifest.json') return { kind: 'evidence-unreadable', message: `evidence ${shown} is not a run's manifest.json` };
    if (!existsSync(manifestFile)) return { kind: 'evidence-not-found', message: `evidence ${shown} does not exist` };
    const runDir = path.dirname(manifestFile);
    const m = await readManifest(runDir);
    if (!m.ok) return { kind: 'evidence-unreadable', message: `evidence ${shown} is not a readable run manifest` };
    const seal = await verifySeal(runDir, keys);
    const problem: Problem | undefined = seal.ok ? undefined : { kind: 'seal-invalid', message: `evidence ${shown}: ${summarizeSealFailure(seal.error)}` };
    return { manifest: m.value, runDir, problem };
  };
  return async (checklist, item) => {
    if (item.note?.decision !== 'approved') {
      return { kind: 'ticked-without-evidence', message: `"${item.text}" is ticked without approval evidence; tick items with: codex-orchestrator approve <run-id> --task <task> --reviewer <name>` };
    }
    const shown = item.note.evidence;
    const manifestFile = path.resolve(projectRoot, shown);
    let pending = runs.get(manifestFile);
    if (!pending) runs.set(manifestFile, (pending = openRun(manifestFile, shown)));
    const run = await pending;
    if (!('manifest' in run)) return run;
    if (run.problem) return run.problem;
    const graph = await readRunGraph(run.manifest, run.runDir);
    if (!graph.ok) return { kind: 'evidence-unreadable', message: `evidence ${shown}: cannot read the run's graph (${graph.error.message})` };
    const linked = graph.value.tasks.filter((t) => {
      const ref = t.checklist === undefined ? undefined : parseChecklistRef(t.checklist);
      return ref?.ok === true && path.resolve(projectRoot, ref.value.file) === checklist && keyMatches(item.text, ref.value.key);
    });
    const records = linked.map((t) => run.manifest.tasks.find((r) => r.id === t.id));
    if (records.some((r) => r?.status === 'approved')) return undefined;
    const which = linked.length === 0 ? 'no task of that run links to this item' : `linked: ${records.map((r, i) => `${linked[i]?.id} (${r?.status ?? 'missing'})`).join(', ')}`;
    return { kind: 'not-approved', message: `evidence ${shown} has no approval of a task linked to this item (${which})` };
  };
}

/** One line per offence: `file:line: message`. */
export function renderOffence(o: Offence): string {
  return `${o.file}:${o.line}: ${o.message}`;
}
