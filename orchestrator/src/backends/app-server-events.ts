import { z } from 'zod';
import { filesOfDiff } from '../core/diff-files.js';
import type { AgentEvent, TokenUsage } from '../core/events.js';
import type { TurnErrorKind } from './backend.js';
import type { OutputPiece } from './command-outputs.js';
import { commandText } from './codex-events.js';

/**
 * The few `codex app-server` messages the `codex-app-server` backend reads, checked with zod at
 * the edge (hand-written from the protocol; unknown fields pass, unknown messages map to null and
 * are kept raw), and their normalised `AgentEvent`s.
 */

const Thread = z.object({ id: z.string() }).loose();

/** The result of `thread/start` and `thread/resume`. */
export const ThreadOpened = z.object({ thread: Thread }).loose();

/** The result of `turn/start`. */
export const TurnStarted = z.object({ turn: z.object({ id: z.string() }).loose() }).loose();

const CodexErrorInfo = z
  .union([z.string(), z.record(z.string(), z.unknown())])
  .nullable()
  .optional();

const TurnError = z.object({ message: z.string(), codexErrorInfo: CodexErrorInfo, additionalDetails: z.unknown().optional() }).loose();

const TurnCompleted = z
  .object({
    threadId: z.string(),
    turn: z.object({ id: z.string(), status: z.string(), error: TurnError.nullable().optional() }).loose(),
  })
  .loose();

const ErrorNotification = z.object({ error: TurnError, willRetry: z.boolean().optional(), threadId: z.string().optional(), turnId: z.string().optional() }).loose();

const Usage = z
  .object({
    totalTokens: z.number(),
    inputTokens: z.number(),
    cachedInputTokens: z.number().optional(),
    outputTokens: z.number(),
    reasoningOutputTokens: z.number().optional(),
  })
  .loose();

const TokenUsageUpdated = z.object({ threadId: z.string(), tokenUsage: z.object({ total: Usage }).loose() }).loose();

const CommandItem = z
  .object({
    type: z.literal('commandExecution'),
    id: z.string(),
    command: z.union([z.string(), z.array(z.string())]),
    status: z.string(),
    aggregatedOutput: z.string().nullable().optional(),
    exitCode: z.number().nullable().optional(),
    durationMs: z.number().nullable().optional(),
  })
  .loose();

const FileChangeItem = z
  .object({
    type: z.literal('fileChange'),
    id: z.string(),
    changes: z.array(z.object({ path: z.string() }).loose()),
    status: z.string(),
  })
  .loose();

const AgentMessageItem = z.object({ type: z.literal('agentMessage'), id: z.string(), text: z.string() }).loose();

const ItemNotification = z.object({ threadId: z.string(), item: z.object({ type: z.string() }).loose() }).loose();

/** Notifications that belong to one thread carry its id here. */
export function threadOf(params: unknown): string | undefined {
  const p = z.object({ threadId: z.string() }).loose().safeParse(params);
  return p.success ? p.data.threadId : undefined;
}

/** The end of a turn, from a `turn/completed` notification. */
export interface TurnEnd {
  readonly turnId: string;
  /** `completed`, `interrupted` or `failed`. */
  readonly status: string;
  readonly error: { readonly message: string; readonly kind: TurnErrorKind | undefined } | undefined;
}

export function turnEndOf(method: string, params: unknown): TurnEnd | undefined {
  if (method !== 'turn/completed') return undefined;
  const p = TurnCompleted.safeParse(params);
  if (!p.success) return undefined;
  const error = p.data.turn.error;
  return { turnId: p.data.turn.id, status: p.data.turn.status, error: error ? { message: error.message, kind: errorKindOf(error.codexErrorInfo) } : undefined };
}

/** An `error` notification's error, unless Codex says it retries (then the turn may still succeed). */
export function turnErrorOf(method: string, params: unknown): { readonly message: string; readonly kind: TurnErrorKind | undefined } | undefined {
  if (method !== 'error') return undefined;
  const p = ErrorNotification.safeParse(params);
  if (!p.success || p.data.willRetry === true) return undefined;
  return { message: p.data.error.message, kind: errorKindOf(p.data.error.codexErrorInfo) };
}

const TurnDiffUpdated = z.object({ diff: z.string() });

function usageOf(u: z.infer<typeof Usage>): TokenUsage {
  return { input: u.inputTokens, cachedInput: u.cachedInputTokens ?? 0, output: u.outputTokens, reasoning: u.reasoningOutputTokens ?? 0, total: u.totalTokens };
}

/**
 * An app-server notification as an `AgentEvent`, or null. Command output deltas map to null: the
 * raw message keeps them (and the log redacts them as one stream), the command's end has it all.
 */
export function fromAppServerNotification(method: string, params: unknown): AgentEvent | null {
  switch (method) {
    case 'item/started':
    case 'item/completed': {
      const n = ItemNotification.safeParse(params);
      if (!n.success) return null;
      return method === 'item/started' ? itemStarted(n.data.item) : itemCompleted(n.data.item);
    }
    case 'thread/tokenUsage/updated': {
      const p = TokenUsageUpdated.safeParse(params);
      return p.success ? { type: 'usage', usage: usageOf(p.data.tokenUsage.total) } : null;
    }
    case 'error': {
      const p = ErrorNotification.safeParse(params);
      if (!p.success) return null;
      // A retried stream is not a failure: Codex says so and carries on.
      return p.data.willRetry === true ? null : { type: 'error', message: p.data.error.message };
    }
    case 'turn/diff/updated': {
      const p = TurnDiffUpdated.safeParse(params);
      return p.success ? { type: 'turn-diff', files: filesOfDiff(p.data.diff) } : null;
    }
    case 'turn/completed': {
      const end = turnEndOf(method, params);
      return end?.status === 'interrupted' ? { type: 'turn-aborted', reason: 'interrupted' } : null;
    }
    default:
      return null;
  }
}

function itemStarted(item: unknown): AgentEvent | null {
  const command = CommandItem.safeParse(item);
  return command.success ? { type: 'command-begin', id: command.data.id, command: commandText(command.data.command) } : null;
}

function itemCompleted(item: unknown): AgentEvent | null {
  const command = CommandItem.safeParse(item);
  if (command.success) {
    const c = command.data;
    return {
      type: 'command-end',
      id: c.id,
      command: commandText(c.command),
      exitCode: c.exitCode ?? null,
      output: c.aggregatedOutput ?? '',
      durationMs: c.durationMs ?? undefined,
    };
  }
  const change = FileChangeItem.safeParse(item);
  if (change.success) {
    return { type: 'patch-applied', id: change.data.id, files: change.data.changes.map((c) => c.path), success: change.data.status === 'completed', output: '' };
  }
  const message = AgentMessageItem.safeParse(item);
  if (message.success) return { type: 'message', text: message.data.text };
  return null;
}

const OutputDelta = z.object({ itemId: z.string(), delta: z.string() }).loose();

/** A piece of a command's streamed output (`item/commandExecution/outputDelta`), or undefined. */
export function appServerOutputPiece(method: string, params: unknown): OutputPiece | undefined {
  if (method !== 'item/commandExecution/outputDelta') return undefined;
  const p = OutputDelta.safeParse(params);
  return p.success ? { id: p.data.itemId, text: p.data.delta } : undefined;
}

/** An HTTP status as an error kind (`undefined` when it says nothing we act on). */
function kindOfStatus(status: unknown): TurnErrorKind | undefined {
  if (typeof status !== 'number') return undefined;
  if (status === 429) return 'rate-limited';
  if (status === 401 || status === 403) return 'auth';
  if (status >= 500) return 'unavailable';
  if (status === 400) return 'bad-request';
  return undefined;
}

/**
 * `codexErrorInfo` as a kind: `"internalServerError"`, `{"responseTooManyFailedAttempts":
 * {"httpStatusCode":429}}`, …; undefined for `"other"` and anything new (the message decides).
 */
export function errorKindOf(info: unknown): TurnErrorKind | undefined {
  if (typeof info === 'string') {
    switch (info) {
      case 'rateLimitExceeded':
        return 'rate-limited';
      case 'usageLimitExceeded':
      case 'sessionBudgetExceeded':
        return 'usage-limit';
      case 'serverOverloaded':
      case 'internalServerError':
        return 'unavailable';
      case 'unauthorized':
        return 'auth';
      case 'badRequest':
        return 'bad-request';
      case 'sandboxError':
        return 'sandbox';
      case 'contextWindowExceeded':
        return 'context-window';
      default:
        return undefined;
    }
  }
  if (info === null || typeof info !== 'object') return undefined;
  const [name, body] = Object.entries(info)[0] ?? [];
  const status = body !== null && typeof body === 'object' ? (body as { httpStatusCode?: unknown }).httpStatusCode : undefined;
  switch (name) {
    case 'httpConnectionFailed':
    case 'responseStreamConnectionFailed':
    case 'responseStreamDisconnected':
      return kindOfStatus(status) ?? 'transport';
    case 'responseTooManyFailedAttempts':
      return kindOfStatus(status) ?? 'transport';
    default:
      return kindOfStatus(status);
  }
}
