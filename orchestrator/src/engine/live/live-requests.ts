import { decide, renderDecisionFailure, type DecisionEffect, type DecisionFailure, type DecisionRequest } from '../../review/decide.js';
import { markTask, renderOperatorFailure, type OperatorEvent, type OperatorFailure } from '../../review/operator.js';
import { requestFollowUp, renderSendFailure, type SendFailure } from '../../review/follow-up.js';
import { renderRetryFailure, retryable, retryEvent, type RetryFailure } from '../../review/retry.js';
import { projectRootOf } from '../../review/project.js';
import { sealRun, type KeyStore } from '../../review/seal.js';
import { pendingRequests, reply, type InboxRequest } from '../../store/inbox.js';
import type { RunWriter } from '../../store/run-writer.js';
import { describeStoreFailure } from '../../store/store-failure.js';

/**
 * Commands addressed to a run while its orchestrator works on it (`approve`, `reject`, `send`, `retry` through
 * the run's inbox, see `store/inbox.ts`): the orchestrator is the run's one writer, so it applies
 * them itself and answers. What they change, the scheduler reads from the run's state when told.
 */

/** What the reply to a decision carries, for the command to report as it would have itself. */
export type DecisionReplyData = { readonly effect: DecisionEffect; readonly seal: string | null } | { readonly failure: DecisionFailure };

export interface LiveRequestContext {
  readonly writer: RunWriter;
  readonly keys: KeyStore;
  /** Tells the scheduler the run's state changed (a decision, a follow-up, a retry). */
  readonly changed: () => void;
}

/** Polls the inbox every `intervalMs` and handles requests one at a time; returns `stop`. */
export function watchInbox(ctx: LiveRequestContext, intervalMs = 200): () => Promise<void> {
  let busy: Promise<void> | undefined;
  let stopped = false;
  const tick = (): void => {
    if (busy || stopped) return;
    busy = handlePending(ctx)
      .catch((e: unknown) => ctx.writer.log(`inbox: ${(e as Error).message}`))
      .finally(() => (busy = undefined));
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await busy;
  };
}

async function handlePending(ctx: LiveRequestContext): Promise<void> {
  const runDir = ctx.writer.runDir;
  const { requests } = await pendingRequests(runDir);
  for (const request of requests) {
    const answer = await handle(ctx, request);
    await reply(runDir, request.id, answer.ok, answer.message, answer.data);
  }
}

async function handle(ctx: LiveRequestContext, request: InboxRequest): Promise<{ ok: boolean; message: string; data?: DecisionReplyData | SendReplyData | RetryReplyData | ExecuteReplyData }> {
  // A run whose writer stopped (a full disk, a lost lock) records nothing more: it says so.
  const stopped = (): { ok: false; message: string } | undefined => (ctx.writer.failure ? { ok: false, message: `error: ${describeStoreFailure(ctx.writer.failure)}` } : undefined);
  const refused = stopped();
  if (refused) return refused;
  if (request.kind === 'send') return handleSend(ctx, request);
  if (request.kind === 'retry') return handleRetry(ctx, request);
  if (request.kind === 'execute') return handleExecute(ctx, request);
  const decision = toDecision(request);
  if (!decision) return { ok: false, message: `error: the ${request.kind} request has no reviewer${request.kind === 'reject' ? ' or reason' : ''}` };
  const { writer } = ctx;
  await writer.flush();
  const decided = await decide({ manifest: writer.manifest, runDir: writer.runDir, projectRoot: projectRootOf(writer.runsDir), request: decision, keys: ctx.keys, live: true });
  if (!decided.ok) return { ok: false, message: renderDecisionFailure(decided.error, decision), data: { failure: decided.error } };
  const effect = decided.value;
  if (effect.kind === 'unchanged') return { ok: true, message: 'unchanged', data: { effect, seal: null } };
  writer.apply(effect.event);
  await writer.flush();
  const unrecorded = stopped();
  if (unrecorded) return unrecorded;
  // A gate decided, or a rejected task that runs again as a follow-up on its own thread (rework).
  ctx.changed();
  // A checkpoint: the run as its writer left it, decision included (the run's end seals it again).
  const sealed = await sealRun(writer.runDir, ctx.keys, { event: effect.review.decision, taskId: effect.taskId });
  return { ok: true, message: 'recorded', data: { effect, seal: sealed.ok ? sealed.value.file : null } };
}

/** What the reply to a `send` carries. */
export type SendReplyData = { readonly threadId: string | undefined } | { readonly failure: SendFailure };

async function handleSend(ctx: LiveRequestContext, request: InboxRequest): Promise<{ ok: boolean; message: string; data: SendReplyData }> {
  const sent = requestFollowUp(ctx.writer.manifest, request.taskId, request.prompt ?? '');
  if (!sent.ok) return { ok: false, message: renderSendFailure(sent.error), data: { failure: sent.error } };
  ctx.writer.apply(sent.value.event);
  ctx.changed();
  return { ok: true, message: 'queued', data: { threadId: sent.value.threadId } };
}

/** What the reply to an `execute` (an operator's mark of a manual task) carries. */
export type ExecuteReplyData = { readonly event: OperatorEvent; readonly seal: string | null } | { readonly failure: OperatorFailure };

async function handleExecute(ctx: LiveRequestContext, request: InboxRequest): Promise<{ ok: boolean; message: string; data?: ExecuteReplyData }> {
  if (request.status === undefined || request.by === undefined) return { ok: false, message: 'error: the execute request has no status or operator' };
  const mark = { taskId: request.taskId, status: request.status, by: request.by, note: request.note };
  const checked = markTask(ctx.writer.manifest, mark);
  if (!checked.ok) return { ok: false, message: renderOperatorFailure(checked.error, mark), data: { failure: checked.error } };
  ctx.writer.apply(checked.value);
  await ctx.writer.flush();
  if (ctx.writer.failure) return { ok: false, message: `error: ${describeStoreFailure(ctx.writer.failure)}` };
  // A manual task done releases its dependents: the scheduler reads it from the run's state.
  ctx.changed();
  const sealed = await sealRun(ctx.writer.runDir, ctx.keys, { event: 'operator-marked', taskId: request.taskId });
  return { ok: true, message: 'recorded', data: { event: checked.value, seal: sealed.ok ? sealed.value.file : null } };
}

/** What the reply to a `retry` carries. */
export type RetryReplyData = { readonly queued: true } | { readonly failure: RetryFailure };

async function handleRetry(ctx: LiveRequestContext, request: InboxRequest): Promise<{ ok: boolean; message: string; data: RetryReplyData }> {
  const checked = retryable(ctx.writer.manifest, request.taskId);
  if (!checked.ok) return { ok: false, message: renderRetryFailure(checked.error, ctx.writer.manifest.runId), data: { failure: checked.error } };
  ctx.writer.apply(retryEvent(request.taskId, request.overrides));
  ctx.changed();
  return { ok: true, message: 'queued', data: { queued: true } };
}

function toDecision(r: InboxRequest): DecisionRequest | undefined {
  if (r.reviewer === undefined) return undefined;
  if (r.kind === 'approve') return { decision: 'approved', taskId: r.taskId, reviewer: r.reviewer, note: r.note };
  if (r.reason === undefined) return undefined;
  return { decision: 'rejected', taskId: r.taskId, reviewer: r.reviewer, reason: r.reason };
}
