import { formatDuration } from '../core/abort.js';
import { err, ok, type Result } from '../core/result.js';
import type { AnalyzedTask } from '../graph/analyzed.js';
import type { Manifest, TaskOverrides, TaskStatus } from '../store/manifest.js';
import type { RunEventInput } from '../store/events/run-event.js';

/**
 * `retry`: runs a task that failed (or was cancelled) once more, from its prompt, as a new attempt
 * with its retries counted afresh. With `--reload`, the task's settings (timeout, retries, fix
 * attempts, verify commands, `expectChanges`) are read again from the graph file, so a task that
 * timed out can be given more time. Its skipped dependents run once it succeeds. Recorded on the task (in memory;
 * the caller writes it); the live orchestrator, or `resume`, runs it.
 */

export type RetryFailure =
  | { readonly reason: 'unknown-task'; readonly taskId: string; readonly known: readonly string[] }
  | { readonly reason: 'gate'; readonly taskId: string }
  /** Skipped: the dependency that failed is what to retry. */
  | { readonly reason: 'skipped'; readonly taskId: string; readonly blockedBy: readonly string[] }
  | { readonly reason: 'not-failed'; readonly taskId: string; readonly status: TaskStatus }
  /** `--reload`: the graph file no longer has the task. */
  | { readonly reason: 'not-in-graph'; readonly taskId: string; readonly file: string };

/** A setting `--reload` changed, for people: `timeout: 1s → 2m`. */
export interface SettingChange {
  readonly setting: 'timeout' | 'retries' | 'maxFixAttempts' | 'verify' | 'setup' | 'expectChanges';
  readonly from: string;
  readonly to: string;
}

export interface RetryPlan {
  readonly overrides: TaskOverrides | undefined;
  readonly changes: readonly SettingChange[];
  /** What differs in the graph file but a retry does not take (it keeps the task as run). */
  readonly ignored: readonly string[];
}

const RETRYABLE: readonly TaskStatus[] = ['failed', 'cancelled'];

/** Checks that `taskId` may be retried and, given its definition in the graph file, what `--reload` changes. */
export function planRetry(manifest: Manifest, asRun: AnalyzedTask, fromFile: AnalyzedTask | undefined): RetryPlan {
  const record = manifest.tasks.find((t) => t.id === asRun.id);
  const now = effectiveTask(asRun, record?.overrides);
  if (!fromFile) return { overrides: record?.overrides, changes: [], ignored: [] };
  const changes: SettingChange[] = [];
  const overrides: { -readonly [K in keyof TaskOverrides]: TaskOverrides[K] } = { ...record?.overrides };
  if (fromFile.timeoutMs !== now.timeoutMs) {
    changes.push({ setting: 'timeout', from: formatDuration(now.timeoutMs), to: formatDuration(fromFile.timeoutMs) });
    overrides.timeoutMs = fromFile.timeoutMs;
  }
  if (fromFile.retries !== now.retries) {
    changes.push({ setting: 'retries', from: String(now.retries), to: String(fromFile.retries) });
    overrides.retries = fromFile.retries;
  }
  if (fromFile.maxFixAttempts !== now.maxFixAttempts) {
    changes.push({ setting: 'maxFixAttempts', from: String(now.maxFixAttempts), to: String(fromFile.maxFixAttempts) });
    overrides.maxFixAttempts = fromFile.maxFixAttempts;
  }
  if (JSON.stringify(fromFile.verify) !== JSON.stringify(now.verify)) {
    changes.push({ setting: 'verify', from: JSON.stringify(now.verify), to: JSON.stringify(fromFile.verify) });
    overrides.verify = [...fromFile.verify];
  }
  if (JSON.stringify(fromFile.setup) !== JSON.stringify(now.setup)) {
    changes.push({ setting: 'setup', from: JSON.stringify(now.setup), to: JSON.stringify(fromFile.setup) });
    overrides.setup = [...fromFile.setup];
  }
  if (fromFile.expectChanges !== now.expectChanges) {
    changes.push({ setting: 'expectChanges', from: String(now.expectChanges), to: String(fromFile.expectChanges) });
    overrides.expectChanges = fromFile.expectChanges;
  }
  const ignored: string[] = [];
  if (fromFile.prompt !== asRun.prompt) ignored.push('prompt');
  if (fromFile.role !== asRun.role) ignored.push('role');
  if (JSON.stringify(fromFile.deps) !== JSON.stringify(asRun.deps)) ignored.push('deps');
  if (fromFile.cwd !== asRun.cwd) ignored.push('cwd');
  return { overrides: Object.keys(overrides).length > 0 ? overrides : undefined, changes, ignored };
}

/** The event that sends the task to run again from its prompt (`pending`), with the settings the retry changed. */
export function requestRetry(manifest: Readonly<Manifest>, taskId: string, overrides: TaskOverrides | undefined, changes: readonly SettingChange[] = []): Result<RunEventInput, RetryFailure> {
  const checked = retryable(manifest, taskId);
  if (!checked.ok) return checked;
  return ok(retryEvent(taskId, overrides, changes));
}

export function retryEvent(taskId: string, overrides: TaskOverrides | undefined, changes: readonly SettingChange[] = []): RunEventInput {
  return {
    kind: 'task-reopened',
    task: taskId,
    why: 'retry',
    ...(overrides ? { overrides } : {}),
    ...(changes.length > 0 ? { changes: changes.map((c) => `${c.setting} ${c.from} → ${c.to}`) } : {}),
  };
}

/** Whether the task may be retried now. */
export function retryable(manifest: Readonly<Manifest>, taskId: string): Result<void, RetryFailure> {
  const task = manifest.tasks.find((t) => t.id === taskId);
  if (!task) return err({ reason: 'unknown-task', taskId, known: manifest.tasks.map((t) => t.id) });
  if (task.role === 'gate') return err({ reason: 'gate', taskId });
  if (task.status === 'skipped') {
    const bad = task.deps.filter((d) => {
      const dep = manifest.tasks.find((t) => t.id === d);
      return dep !== undefined && dep.status !== 'succeeded' && dep.status !== 'approved';
    });
    return err({ reason: 'skipped', taskId, blockedBy: bad });
  }
  if (!RETRYABLE.includes(task.status)) return err({ reason: 'not-failed', taskId, status: task.status });
  return ok(undefined);
}

/** A task with the settings a retry changed. */
export function effectiveTask(task: AnalyzedTask, overrides: TaskOverrides | undefined): AnalyzedTask {
  if (!overrides) return task;
  return {
    ...task,
    ...(overrides.timeoutMs !== undefined ? { timeoutMs: overrides.timeoutMs } : {}),
    ...(overrides.retries !== undefined ? { retries: overrides.retries } : {}),
    ...(overrides.maxFixAttempts !== undefined ? { maxFixAttempts: overrides.maxFixAttempts } : {}),
    ...(overrides.verify !== undefined ? { verify: overrides.verify } : {}),
    ...(overrides.setup !== undefined ? { setup: overrides.setup } : {}),
    ...(overrides.expectChanges !== undefined ? { expectChanges: overrides.expectChanges } : {}),
  };
}

export function describeChanges(plan: RetryPlan): string[] {
  const lines = plan.changes.map((c) => `${c.setting}: ${c.from} → ${c.to}`);
  if (plan.ignored.length > 0) lines.push(`not taken from the graph file (a retry keeps the task as run; start a new run for these): ${plan.ignored.join(', ')}`);
  return lines;
}

export function renderRetryFailure(f: RetryFailure, runId: string): string {
  switch (f.reason) {
    case 'unknown-task':
      return `error: the run has no task "${f.taskId}"\n  hint: its tasks are: ${f.known.join(', ')}`;
    case 'gate':
      return `error: ${f.taskId} is a gate: there is nothing to retry\n  hint: approve or reject it instead`;
    case 'skipped':
      return `error: ${f.taskId} was skipped: ${f.blockedBy.length > 0 ? `its dependency ${f.blockedBy.map((d) => `"${d}"`).join(', ')} did not succeed` : 'a dependency did not succeed'}\n  hint: retry ${f.blockedBy.length === 1 ? `that one (codex-orchestrator retry ${runId} --task ${f.blockedBy[0]})` : 'the failed dependency'}; ${f.taskId} runs once it succeeds`;
    case 'not-failed':
      return `error: ${f.taskId} is ${f.status}: retry runs a task that failed or was cancelled\n  hint: ${
        f.status === 'succeeded' || f.status === 'approved'
          ? `to change its work, send it a follow-up: codex-orchestrator send ${runId} --task ${f.taskId} "<what to change>"`
          : `wait for it (codex-orchestrator poll ${runId} --watch)`
      }`;
    case 'not-in-graph':
      return `error: --reload: the graph file ${f.file} has no task "${f.taskId}"\n  hint: retry without --reload to keep the task's settings as run`;
  }
}
