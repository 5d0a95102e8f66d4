import { dirname, resolve } from 'node:path';
import type { Diagnostic, SourcePosition } from '../core/source-position.js';
import { cwdProblem, normaliseCwd } from './analyze.js';
import type { ParsedGraphSource } from './parse.js';
import { isRecord, taskName } from './zod-issues.js';

/**
 * What a graph file refers to outside itself: its repository and base commit, and each task's
 * folder, verify commands and checklist item, with where each is written. Read leniently from the
 * parsed data, whatever its shape (values of the wrong type are left out: the analyzer reports
 * them), so that the checks of these references run beside the analyzer and a graph's problems
 * are all reported in one round.
 */
export interface GraphReferences {
  /** Absolute path of the graph file. */
  readonly file: string;
  /** The folder whose repository the tasks work in: `settings.repo` resolved, else the graph's folder. */
  readonly repoDir: string;
  /** `settings.repo` as written, when it is. */
  readonly repo: Located<string> | undefined;
  /** `settings.baseRef`; when it is not written, `HEAD` at the place it would go. */
  readonly baseRef: Located<string> & { readonly written: boolean };
  /** In file order. */
  readonly tasks: readonly TaskReferences[];
}

/** A value and the place in the graph file where it is written. */
export interface Located<T> {
  readonly value: T;
  readonly position: SourcePosition;
}

export interface TaskReferences {
  /** How messages name the task, e.g. `task "build"`. */
  readonly name: string;
  /** The folder inside the repository (normalised); undefined for the root, or a `cwd` the analyzer rejects. */
  readonly cwd: Located<string> | undefined;
  readonly verify: readonly Located<string>[];
  /** The checklist reference as written (`path/to/tasks-x.md#key`). */
  readonly checklist: Located<string> | undefined;
}

/**
 * A check of a graph's references (the repository, checklists): its problems are reported with
 * the analyzer's. Expected problems are diagnostics, never thrown.
 */
export type GraphCheck = (references: GraphReferences) => Promise<readonly Diagnostic[]>;

export function graphReferences(file: string, parsed: ParsedGraphSource): GraphReferences {
  const { data, positions } = parsed;
  const settings = isRecord(data) && isRecord(data['settings']) ? data['settings'] : {};
  const repo = nonEmptyString(settings['repo']);
  const baseRef = nonEmptyString(settings['baseRef']);
  const tasks = isRecord(data) && Array.isArray(data['tasks']) ? (data['tasks'] as unknown[]) : [];
  return {
    file,
    repoDir: repo === undefined ? dirname(file) : resolve(dirname(file), repo),
    repo: repo === undefined ? undefined : { value: repo, position: positions.valueAt(['settings', 'repo']) },
    baseRef:
      baseRef === undefined
        ? { value: 'HEAD', position: positions.missingAt(['settings', 'baseRef']), written: false }
        : { value: baseRef, position: positions.valueAt(['settings', 'baseRef']), written: true },
    tasks: tasks.flatMap((task, index): TaskReferences[] => {
      if (!isRecord(task)) return [];
      const at = (...path: (string | number)[]): SourcePosition => positions.valueAt(['tasks', index, ...path]);
      const cwd = nonEmptyString(task['cwd']);
      const folder = cwd === undefined || cwdProblem(cwd) !== undefined ? undefined : normaliseCwd(cwd);
      const checklist = nonEmptyString(task['checklist']);
      const verify = Array.isArray(task['verify']) ? (task['verify'] as unknown[]) : [];
      return [
        {
          name: taskName(data, index),
          cwd: folder === undefined ? undefined : { value: folder, position: at('cwd') },
          verify: verify.flatMap((command, i) => (typeof command === 'string' && command !== '' ? [{ value: command, position: at('verify', i) }] : [])),
          checklist: checklist === undefined ? undefined : { value: checklist, position: at('checklist') },
        },
      ];
    }),
  };
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
