// Types only: the schema module loads zod, which poll's path never does.
import type { GateApprovalView } from './poll-schema.js';

/**
 * A gate's approval as `poll` and `review` show it: the criteria the reviewer checks, and the
 * artifact its author writes, with the command that shows it as `approve` reads it (from the
 * author's result commit). Pure, without zod.
 */

export type { GateApprovalView };

/** What the view reads of a task (a manifest's task and `poll`'s view of one both fit). */
export interface ApprovalTask {
  readonly id: string;
  readonly resultCommit?: string | undefined;
  readonly approval?:
    | { readonly criteria: readonly string[]; readonly artifact?: string | undefined; readonly author?: string | undefined; readonly sections?: readonly string[] | undefined }
    | undefined;
}

/** The gate's approval, or null for a task without one; `taskOf` finds the author. */
export function approvalView(t: ApprovalTask, taskOf: (id: string) => ApprovalTask | undefined): GateApprovalView | null {
  const a = t.approval;
  if (!a) return null;
  const commit = a.author === undefined ? null : (taskOf(a.author)?.resultCommit ?? null);
  return {
    criteria: [...a.criteria],
    artifact: a.artifact ?? null,
    author: a.author ?? null,
    sections: [...(a.sections ?? [])],
    commit,
    show: commit !== null && a.artifact !== undefined ? `git show ${commit}:${a.artifact}` : null,
  };
}

/** The approval for people, as labelled lines (`criteria`, `artifact`, `read it`); a label is empty on a list's later lines. */
export function approvalFields(a: GateApprovalView): [label: string, text: string][] {
  const out: [string, string][] = a.criteria.map((c, i) => [i === 0 ? 'criteria' : '', `- ${c}`]);
  if (a.artifact !== null) {
    out.push(['artifact', `${a.artifact}, written by ${a.author ?? '?'}${a.sections.length > 0 ? ` (sections: ${a.sections.join(', ')})` : ''}`]);
    out.push(['read it', a.show ?? `not yet: ${a.author ?? 'its author'} has no result`]);
  }
  return out;
}

/** `mig-4-execute fanned out into 3 steps (9 tasks: a step, its gate and its rollback each):`, for `poll` and `review`. */
export function fanOutLine(task: string, e: { readonly steps: readonly string[]; readonly tasks: readonly string[] }): string {
  const n = e.steps.length;
  return `${task} fanned out into ${n} step${n === 1 ? '' : 's'} (${e.tasks.length} tasks: a step, its gate and its rollback each; ${task} runs after the last gate):`;
}
