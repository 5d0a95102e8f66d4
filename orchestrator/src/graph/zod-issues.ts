import type { z } from 'zod';
import { quoteId } from '../core/ids.js';
import type { Diagnostic } from '../core/source-position.js';
import type { DataPath, GraphSourceMap } from './parse.js';
import { Approval, Concurrency, Settings, Task, TaskGraph } from './schema.js';
import { closest } from './suggest.js';

type Issue = z.core.$ZodIssue;

/**
 * Turns zod's issues about a graph file into diagnostics worded for the person who wrote the
 * file: keys named as written, values quoted as written, a position in the file, and a hint.
 */
export function issueDiagnostics(issues: readonly Issue[], data: unknown, positions: GraphSourceMap): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const issue of issues) {
    const path = issue.path.filter((s): s is string | number => typeof s !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeys(path);
      for (const key of issue.keys) {
        const guess = closest(key, known);
        out.push({
          position: positions.keyAt([...path, key]),
          message: `unknown key ${JSON.stringify(key)} ${where(path, data)}`,
          hint: guess !== undefined ? `did you mean ${JSON.stringify(guess)}?` : `the keys allowed here are: ${known.join(', ')}`,
        });
      }
      continue;
    }
    out.push(valueDiagnostic(issue, path, data, positions));
  }
  return out;
}

function valueDiagnostic(issue: Issue, path: DataPath, data: unknown, positions: GraphSourceMap): Diagnostic {
  const value = valueAt(data, path);
  const parent = path.length > 0 ? valueAt(data, path.slice(0, -1)) : undefined;
  const key = path.at(-1);
  // zod words an absent key as a wrong type or a wrong enum value; to the author it is a missing key.
  if (typeof key === 'string' && isRecord(parent) && !Object.hasOwn(parent, key)) {
    return {
      position: positions.missingAt(path),
      message: `missing required key ${JSON.stringify(key)} ${where(path.slice(0, -1), data)}`,
      hint: MISSING_HINTS[key] ?? `add ${JSON.stringify(key)}`,
    };
  }
  const position = positions.valueAt(path);
  if (path.length === 0) {
    if (value === null || value === undefined) return { position, message: 'the graph file is empty', hint: GRAPH_HINT };
    return { position, message: `the graph file must be a mapping (got ${describe(value)})`, hint: GRAPH_HINT };
  }
  if (path.length === 2 && path[0] === 'tasks' && typeof key === 'number') {
    return { position, message: `task #${key + 1} must be a mapping (got ${describe(value)})`, hint: TASK_HINT };
  }
  const name = JSON.stringify(label(path));
  const got = `(got ${describe(value)})`;
  if (isDurationPath(path)) {
    return {
      position,
      message: `${name} must be a duration such as "90s", "10m" or "1h", or a positive number of seconds ${got}`,
      hint: 'write a number followed by ms, s, m or h; a bare number means seconds',
    };
  }
  const hint = VALUE_HINTS[String(key)];
  switch (issue.code) {
    case 'invalid_type': {
      const message = `${name} must be ${EXPECTED[issue.expected] ?? issue.expected} ${got}`;
      return hint === undefined ? { position, message } : { position, message, hint };
    }
    case 'invalid_value': {
      const shown = issue.values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
      if (shown.length === 1) {
        const message = `${name} must be ${shown[0]} ${got}`;
        return hint === undefined ? { position, message } : { position, message, hint };
      }
      const guess = typeof value === 'string' ? closest(value, shown) : undefined;
      const message = `${name} must be one of ${shown.join(', ')} ${got}`;
      return guess === undefined ? { position, message } : { position, message, hint: `did you mean ${JSON.stringify(guess)}?` };
    }
    case 'too_small':
    case 'too_big': {
      const small = issue.code === 'too_small';
      if (issue.origin === 'string' && small) return { position, message: `${name} must not be empty` };
      if (issue.origin === 'array' && path.length === 1 && path[0] === 'tasks') {
        return { position, message: '"tasks" must list at least one task', hint: TASK_HINT };
      }
      const bound = small ? issue.minimum : issue.maximum;
      const relation = small ? (issue.inclusive ? 'at least' : 'more than') : issue.inclusive ? 'at most' : 'less than';
      const unit = issue.origin === 'array' ? ' items' : issue.origin === 'string' ? ' characters' : '';
      return { position, message: `${name} must be ${relation} ${String(bound)}${unit} ${got}` };
    }
    case 'invalid_format':
      // Our own regex checks word their message as what the value must be.
      return { position, message: `${name} must be ${issue.message} ${got}` };
    default:
      return { position, message: `${name} is not valid: ${issue.message} ${got}` };
  }
}

const GRAPH_HINT = 'a graph file is a mapping with a "tasks" list, and optionally "name", "description" and "settings"';
const TASK_HINT = 'each task is a mapping with at least "id" and "role", e.g. {id: build, role: builder, prompt: ...}';
const MISSING_HINTS: Readonly<Record<string, string>> = {
  tasks: 'add a "tasks" list with at least one task',
  id: 'add an "id": a short name other tasks use in "deps"',
  role: 'add a "role": builder, tester or gate',
};
const VALUE_HINTS: Readonly<Record<string, string>> = {
  version: 'this is the only graph format version there is so far; write "version: 1" or leave it out',
  deps: 'write a list of task ids, e.g. deps: [build, lint]',
  verify: 'write a list of shell commands, e.g. verify: ["npm test"]',
};
const EXPECTED: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
};

/** The keys the schema allows in the mapping at `path`. */
function knownKeys(path: DataPath): string[] {
  if (path.length === 0) return Object.keys(TaskGraph.shape);
  if (path[0] === 'settings') return Object.keys(path.length === 1 ? Settings.shape : Concurrency.shape);
  if (path[0] === 'tasks' && path[2] === 'approval') return Object.keys(Approval.shape);
  return Object.keys(Task.shape);
}

function isDurationPath(path: DataPath): boolean {
  return path.at(-1) === 'timeout' && (path.length === 2 ? path[0] === 'settings' : path.length === 3 && path[0] === 'tasks');
}

/** How a key is named in messages: task fields by their own name, everything else by its full path. */
function label(path: DataPath): string {
  const own = path[0] === 'tasks' && typeof path[1] === 'number' && path.length > 2 ? path.slice(2) : path;
  return own.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

/** Where a mapping is, for messages: `at the top level`, `in settings`, `in task "build"`, `in the approval of task "gate"`. */
function where(path: DataPath, data: unknown): string {
  if (path.length === 0) return 'at the top level';
  if (path[0] === 'tasks' && typeof path[1] === 'number') return `in ${path[2] === 'approval' ? 'the approval of ' : ''}${taskName(data, path[1])}`;
  return `in ${label(path)}`;
}

/** A task as people know it: by its id when it has one, else by its place in the list. */
export function taskName(data: unknown, index: number): string {
  const task = valueAt(data, ['tasks', index]);
  const id = isRecord(task) ? task['id'] : undefined;
  return typeof id === 'string' && id !== '' ? `task ${quoteId(id)}` : `task #${index + 1}`;
}

/** A short description of a value as written: strings quoted (and shortened), collections by kind. */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value);
  if (Array.isArray(value)) return 'a list';
  if (isRecord(value)) return 'a mapping';
  return String(value);
}

/** The raw value at `path`, or undefined when any step is missing. */
export function valueAt(data: unknown, path: DataPath): unknown {
  let node = data;
  for (const segment of path) {
    if (Array.isArray(node) && typeof segment === 'number') node = node[segment];
    else if (isRecord(node) && Object.hasOwn(node, String(segment))) node = node[String(segment)];
    else return undefined;
  }
  return node;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
