declare const brand: unique symbol;
type Brand<T, B extends string> = T & { readonly [brand]: B };

/** A task id from a graph: safe as a file name and a git ref component. */
export type TaskId = Brand<string, 'TaskId'>;
/** A run id: UTC start time plus a short random suffix, e.g. `2026-11-21T10-04-05Z-7f3a`. */
export type RunId = Brand<string, 'RunId'>;

export const TASK_ID_MAX_LENGTH = 64;
const TASK_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const RUN_ID_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z-[0-9a-f]{4,8}$/;

/** Why a string cannot be a task id, or undefined when it can. */
export function taskIdProblem(raw: string): string | undefined {
  if (raw.length === 0) return 'it is empty';
  if (raw.length > TASK_ID_MAX_LENGTH) return `it is ${raw.length} characters long (at most ${TASK_ID_MAX_LENGTH})`;
  if (raw === '.' || raw === '..' || raw.includes('..')) return 'it contains ".."';
  if (raw.includes('/') || raw.includes('\\')) return 'it contains a path separator';
  if (/\s/.test(raw)) return 'it contains whitespace';
  if (raw.endsWith('.lock') || raw.endsWith('.')) return 'it ends with ".lock" or "."';
  if (!TASK_ID_PATTERN.test(raw)) {
    return 'it may use only letters, digits, ".", "_" and "-", and must start with a letter or digit';
  }
  return undefined;
}

/** Quoted ids longer than this are shortened in messages. */
const QUOTED_ID_MAX = 100;

/**
 * How an id someone gave is shown in messages: in double quotes with JSON escapes, so control
 * characters never reach a terminal raw, and shortened when it is very long.
 */
export function quoteId(raw: string): string {
  if (raw.length <= QUOTED_ID_MAX) {
    const quoted = JSON.stringify(raw);
    if (quoted.length <= QUOTED_ID_MAX) return quoted;
  }
  let head = '';
  for (const c of raw) {
    if (JSON.stringify(head + c).length > QUOTED_ID_MAX / 2) break;
    head += c;
  }
  return `${JSON.stringify(head)}… (${raw.length} characters)`;
}

/** The one way to make a TaskId. Callers must have checked `taskIdProblem` (the graph analyzer does). */
export function toTaskId(raw: string): TaskId {
  const problem = taskIdProblem(raw);
  if (problem !== undefined) throw new Error(`Internal error: unsafe task id ${JSON.stringify(raw)}: ${problem}`);
  return raw as TaskId;
}

export function isRunId(raw: string): raw is RunId {
  return RUN_ID_PATTERN.test(raw);
}

/** Makes a new run id from a clock reading; the suffix keeps two runs in the same second apart. */
export function newRunId(now: Date = new Date(), suffix: string = randomHex(2)): RunId {
  const stamp = now
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/:/g, '-');
  const id = `${stamp}-${suffix}`;
  if (!isRunId(id)) throw new Error(`Internal error: bad run id ${id}`);
  return id;
}

/**
 * `bytes` random bytes as hex, from the Web Crypto global: importing `node:crypto` costs every
 * command that loads this module (every one: it is loaded at start-up) a few milliseconds.
 */
export function randomHex(bytes: number): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString('hex');
}
