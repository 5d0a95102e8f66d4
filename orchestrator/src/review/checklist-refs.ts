import path from 'node:path';
import { assertNever } from '../core/result.js';
import type { Diagnostic, SourcePosition } from '../core/source-position.js';
import type { GraphCheck, Located, TaskReferences } from '../graph/references.js';
import { closest } from '../graph/suggest.js';
import { readChecklist, type ChecklistReadFailure } from './checklist-file.js';
import { findItem, parseChecklistRef, type ChecklistItem } from './checklist.js';

/**
 * Checks every task's `checklist` reference before a run, by the rule `approve` follows to tick
 * the item (`checklist.ts`): the reference has a file and a `#key`, the file (relative to the
 * project root) can be read, and exactly one of its items matches the key. Otherwise the mistake
 * would surface only at the review, after the run.
 */
export function checkChecklists(projectRoot: string): GraphCheck {
  return async (refs) => {
    const reads = new Map<string, ReturnType<typeof readChecklist>>();
    const read = (file: string): ReturnType<typeof readChecklist> => {
      let text = reads.get(file);
      if (text === undefined) reads.set(file, (text = readChecklist(projectRoot, file)));
      return text;
    };
    const found = await Promise.all(
      refs.tasks.map(async (task): Promise<Diagnostic[]> => {
        const checklist = task.checklist;
        if (checklist === undefined) return [];
        const ref = parseChecklistRef(checklist.value);
        if (!ref.ok) {
          return [
            {
              position: checklist.position,
              message: `checklist reference ${JSON.stringify(checklist.value)} of ${task.name} is not usable: ${ref.error}`,
              hint: 'write it as path/to/tasks-x.md#item-key, the path relative to the project root',
            },
          ];
        }
        const { file, key } = ref.value;
        const text = await read(file);
        if (!text.ok) return [unreadable(task, checklist, text.error, path.resolve(projectRoot, file))];
        const item = findItem(text.value.text, key);
        if (item.ok) return [];
        const at = (i: ChecklistItem): SourcePosition => ({ file: text.value.absolute, line: i.line, column: 1, length: 1 });
        const shown = (i: ChecklistItem): string => `${i.ticked ? '[x]' : '[ ]'} ${i.text}`;
        if (item.error.reason === 'item-ambiguous') {
          return [
            {
              position: checklist.position,
              message: `${item.error.matches.length} items of ${file} match ${JSON.stringify(key)} (the checklist of ${task.name})`,
              hint: "make the item keys unique, or use a longer key in the task's checklist reference",
              related: item.error.matches.map((i) => ({ position: at(i), message: `matches: ${shown(i)}` })),
            },
          ];
        }
        const candidates = item.error.candidates;
        const guess = closest(
          key,
          candidates.map((i) => keyOf(i.text)),
        );
        const rule = `an item matches when its text starts with ${JSON.stringify(key)} followed by ":", a space or the end of the line (case-sensitive)`;
        return [
          {
            position: checklist.position,
            message: `no item of ${file} matches ${JSON.stringify(key)} (the checklist of ${task.name})`,
            hint:
              guess !== undefined
                ? `did you mean ${JSON.stringify(guess)}? ${rule}`
                : candidates.length > 0
                  ? rule
                  : `${file} has no checklist items ("- [ ] key: text"); add one, or fix the reference`,
            related: candidates.map((i) => ({ position: at(i), message: `an item: ${shown(i)}` })),
          },
        ];
      }),
    );
    return found.flat();
  };
}

function unreadable(task: TaskReferences, checklist: Located<string>, failure: ChecklistReadFailure, absolute: string): Diagnostic {
  switch (failure.reason) {
    case 'checklist-not-found':
      return {
        position: checklist.position,
        message: `checklist ${failure.file} of ${task.name} does not exist (looked for ${absolute})`,
        hint: 'the path is relative to the project root, the folder that holds the runs folder; create the file or fix the path',
      };
    case 'checklist-unreadable':
      return {
        position: checklist.position,
        message: `cannot read checklist ${failure.file} of ${task.name}: ${failure.message}`,
        hint: 'a checklist is a markdown file in UTF-8 that you may read',
      };
    default:
      return assertNever(failure, 'checklist read failure');
  }
}

/** The key an item's text starts with: up to its first ":" or space. */
function keyOf(text: string): string {
  return /^[^:\s]*/.exec(text)![0];
}
