import { readFileSync } from 'node:fs';
import { err, ok, type Result } from '../core/result.js';
import { RunLayout } from './layout.js';
import type { Attempt, CheckResult, FollowUp, Manifest, Review, SandboxDenial, TaskRecord } from './manifest.js';
import { FOLLOW_UP_SOURCES, RUN_STATUSES, TASK_STATUSES } from './manifest-summary.js';
import type { ReadFailure } from './read-failure.js';

/**
 * `poll`'s view of a manifest: the fields it shows, checked by hand, without zod. Loading zod and
 * parsing a 1,000-task manifest with the full schema costs ~100 ms, more than the rest of `poll`
 * together, and `poll --watch` paid the parse again at every refresh.
 *
 * The check is the schema's rule for every field the view has (types, enums, whole numbers, no
 * negative counts), and nothing more: what poll does not show (artifact digests, reviews' digests,
 * settings it does not print) is not checked here. A manifest that fails it is parsed with the full
 * schema, so the error (and, should the check ever be stricter than the schema, the data) is the
 * schema's own. `manifest.ts` stays the single source of truth: `manifest-view.test.ts` checks that
 * the two agree on every manifest they are given.
 */

type Opt<T> = T | undefined;

/** What poll reads of an attempt. */
export type AttemptView = Pick<Attempt, 'status' | 'startedAt' | 'finishedAt'> & { readonly followUp?: Opt<Pick<NonNullable<Attempt['followUp']>, 'from'>> };

type ArtifactRef = Opt<{ readonly path: string }>;

/** What poll reads of a task. */
export type TaskView = Pick<
  TaskRecord,
  | 'id'
  | 'title'
  | 'role'
  | 'status'
  | 'message'
  | 'threadId'
  | 'startedAt'
  | 'durationMs'
  | 'awaitingSince'
  | 'operator'
  | 'diffStat'
  | 'usage'
  | 'codexUsage'
  | 'agentUsage'
  | 'verdict'
  | 'triage'
  | 'stale'
  | 'approval'
  | 'resultCommit'
  | 'expansion'
  | 'when'
> & {
  /** What it waits for (`views/waiting.ts`). */
  readonly deps: readonly string[];
  /** Shown as written: the view does not hold it to the list of reasons. */
  readonly reason?: Opt<string>;
  readonly attempts: readonly AttemptView[];
  readonly checks?: Opt<readonly Pick<CheckResult, 'exitCode'>[]>;
  readonly sandboxDenials?: Opt<readonly SandboxDenial[]>;
  readonly artifacts: { readonly events?: ArtifactRef; readonly log?: ArtifactRef; readonly diff?: ArtifactRef; readonly checks?: ArtifactRef; readonly verdict?: ArtifactRef };
  readonly reviews?: Opt<readonly Pick<Review, 'at'>[]>;
  /** A follow-up waiting for the task's next attempt (`views/waiting.ts`). */
  readonly followUp?: Opt<Pick<FollowUp, 'from'>>;
};

/** What poll reads of a manifest; a whole `Manifest` is one. */
export type ManifestView = Pick<
  Manifest,
  | 'runId'
  | 'status'
  | 'message'
  | 'startedAt'
  | 'finishedAt'
  | 'heartbeatAt'
  | 'durationMs'
  | 'waitMs'
  | 'waitingSince'
  | 'counts'
  | 'usage'
  | 'codexUsage'
  | 'agentUsage'
  | 'budget'
  | 'integration'
  | 'process'
> & {
  /** Shown as written: the view does not hold it to the list of reasons. */
  readonly reason?: Opt<string>;
  readonly graph: Pick<Manifest['graph'], 'path' | 'name' | 'sha256'>;
  readonly settings: Pick<Manifest['settings'], 'agents' | 'concurrency'>;
  readonly tasks: readonly TaskView[];
};

/** The manifest file's JSON, or why it cannot be read (the messages `readManifest` gives). */
export async function readManifestJson(runDir: string): Promise<Result<unknown, ReadFailure>> {
  const file = RunLayout.manifest(runDir);
  let text: string;
  try {
    // Read at once: through the thread pool, the first read of a process costs several ms more.
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return err({ reason: 'manifest-unreadable', file, message: (e as Error).message });
  }
  try {
    return ok(JSON.parse(text) as unknown);
  } catch (e) {
    return err({ reason: 'manifest-unreadable', file, message: `not valid JSON: ${(e as Error).message}` });
  }
}

/** The run's manifest as poll shows it; a manifest the view's check refuses goes through the full schema. */
export async function readManifestView(runDir: string): Promise<Result<ManifestView, ReadFailure>> {
  const json = await readManifestJson(runDir);
  if (!json.ok) return json;
  return viewOf(json.value, RunLayout.manifest(runDir));
}

/** `json` as a manifest view: checked by hand, else by the full schema (loaded only then). */
export async function viewOf(json: unknown, file: string): Promise<Result<ManifestView, ReadFailure>> {
  if (isManifestView(json)) return ok(json);
  const { parseManifest } = await import('./read.js');
  return parseManifest(json, file);
}

type Check = (v: unknown) => boolean;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str: Check = (v) => typeof v === 'string';
const bool: Check = (v) => typeof v === 'boolean';
const int: Check = (v) => Number.isSafeInteger(v);
const count: Check = (v) => Number.isSafeInteger(v) && (v as number) >= 0;
const positive: Check = (v) => Number.isSafeInteger(v) && (v as number) > 0;
const nonNegative: Check = (v) => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const oneOf =
  (values: readonly string[]): Check =>
  (v) =>
    typeof v === 'string' && values.includes(v);
const optional =
  (check: Check): Check =>
  (v) =>
    v === undefined || check(v);
const arrayOf =
  (check: Check): Check =>
  (v) =>
    Array.isArray(v) && v.every(check);
/** An object with at least these fields (unknown ones are not read; the schema drops them too). */
const shape =
  (fields: Readonly<Record<string, Check>>): Check =>
  (v) => {
    if (!isObject(v)) return false;
    for (const key in fields) if (!(fields[key] as Check)(v[key])) return false;
    return true;
  };

const usage = shape({ input: count, cachedInput: count, output: count, reasoning: count, total: count });
/** `counts`: a whole number for every task state and for nothing else (the schema's record over the states). */
const counts: Check = (v) => isObject(v) && Object.keys(v).length === TASK_STATUSES.length && TASK_STATUSES.every((s) => count(v[s]));
const artifactRef = optional(shape({ path: str }));

const attempt = shape({
  status: oneOf(['running', 'succeeded', 'failed', 'cancelled', 'interrupted']),
  startedAt: str,
  finishedAt: optional(str),
  followUp: optional(shape({ from: oneOf(FOLLOW_UP_SOURCES) })),
});

const task = shape({
  id: str,
  title: str,
  role: oneOf(['builder', 'tester', 'gate', 'manual']),
  deps: arrayOf(str),
  status: oneOf(TASK_STATUSES),
  reason: optional(str),
  message: optional(str),
  attempts: arrayOf(attempt),
  threadId: optional(str),
  startedAt: optional(str),
  durationMs: optional(nonNegative),
  awaitingSince: optional(str),
  operator: optional(shape({ status: oneOf(['running', 'blocked', 'done']), by: str, at: str, note: optional(str) })),
  stale: optional(shape({ because: arrayOf(str), at: str })),
  diffStat: optional(shape({ files: count, insertions: count, deletions: count })),
  checks: optional(arrayOf(shape({ exitCode: (v) => v === null || int(v) }))),
  usage: optional(usage),
  codexUsage: optional(usage),
  agentUsage: optional(usage),
  verdict: optional(shape({ verdict: oneOf(['pass', 'fail']), summary: str, findings: count, overridden: bool, attempt: positive, path: str })),
  triage: optional(shape({ probableCause: str, nextStep: str, by: oneOf(['manager', 'rules']), at: str, attempt: count })),
  sandboxDenials: optional(arrayOf(shape({ command: str, path: optional(str), message: str }))),
  artifacts: shape({ events: artifactRef, log: artifactRef, diff: artifactRef, checks: artifactRef, verdict: artifactRef }),
  reviews: optional(arrayOf(shape({ at: str }))),
  resultCommit: optional(str),
  followUp: optional(shape({ from: oneOf(FOLLOW_UP_SOURCES) })),
  approval: optional(shape({ criteria: arrayOf(str), artifact: optional(str), author: optional(str), sections: optional(arrayOf(str)) })),
  expansion: optional(shape({ at: str, steps: arrayOf(str), tasks: arrayOf(str) })),
  when: optional(oneOf(['failure'])),
});

const manifest = shape({
  schemaVersion: (v) => v === 1 || v === 2,
  runId: str,
  status: oneOf(RUN_STATUSES),
  reason: optional(str),
  message: optional(str),
  graph: shape({ path: str, sha256: str, name: str }),
  settings: shape({ agents: optional(bool), concurrency: shape({ builder: int, tester: int }) }),
  process: shape({ pid: int, hostname: str }),
  startedAt: str,
  finishedAt: optional(str),
  heartbeatAt: str,
  durationMs: optional(nonNegative),
  waitMs: optional(nonNegative),
  waitingSince: optional(str),
  counts,
  usage,
  codexUsage: optional(usage),
  agentUsage: optional(usage),
  budget: optional(shape({ maxTokens: positive, reachedAt: optional(str) })),
  integration: optional(shape({ branch: str, commit: str, merged: arrayOf(str), skipped: arrayOf(shape({ taskId: str, reason: str })) })),
  tasks: arrayOf(task),
});

/** Whether `json` has every field poll reads, each as the schema says. */
export function isManifestView(json: unknown): json is ManifestView {
  return manifest(json);
}
