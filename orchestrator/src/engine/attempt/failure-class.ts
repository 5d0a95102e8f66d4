import type { TurnErrorKind } from '../../backends/backend.js';
import { assertNever } from '../../core/result.js';
import type { TaskFailureReason } from '../../store/manifest.js';

/**
 * The error taxonomy for a failed Codex turn. Retryable: the model or the connection to it failed
 * in a way that may pass (HTTP 429 and 5xx, stream disconnects, transport errors; a Codex process
 * that exits unexpectedly is classified by the backend outcome, not here). Fatal: retrying cannot
 * help (bad configuration, missing or refused credentials, sandbox denials, anything unknown).
 * Verify failures are not errors of the turn: they go to the fix loop, never to a retry.
 */

export interface FailureClass {
  readonly reason: TaskFailureReason;
  readonly retryable: boolean;
}

/** Checked in order; the first match wins. Messages are Codex's own (`error` events, turn failures). */
const RULES: readonly (readonly [RegExp, FailureClass])[] = [
  [/\b429\b|too many requests|rate.?limit/i, { reason: 'model-rate-limited', retryable: true }],
  [/\b40[13]\b|unauthori[sz]ed|forbidden|invalid api key|incorrect api key|missing .*api.?key|OPENAI_API_KEY|not logged in|authenticat/i, { reason: 'auth-failed', retryable: false }],
  [/\b5\d\d\b|internal server error|service unavailable|bad gateway|gateway timeout|overloaded|high demand|server_error/i, { reason: 'model-unavailable', retryable: true }],
  [
    /stream disconnected|transport error|network error|connection (refused|reset|closed|aborted)|error sending request|broken pipe|timed? ?out|ECONNRESET|ECONNREFUSED|EPIPE/i,
    { reason: 'transport-error', retryable: true },
  ],
  [/sandbox|seccomp|landlock|operation not permitted|permission denied/i, { reason: 'sandbox-denied', retryable: false }],
  [/config|unknown model|model .*not (found|supported)|invalid (value|argument|request)|\b400\b|bad request/i, { reason: 'bad-config', retryable: false }],
];

export function classifyCodexError(message: string): FailureClass {
  for (const [pattern, cls] of RULES) if (pattern.test(message)) return cls;
  return { reason: 'agent-failed', retryable: false };
}

/** A turn's error: by the kind Codex reported when there is one (`codexErrorInfo`), else by its message. */
export function classifyTurnError(kind: TurnErrorKind | undefined, message: string): FailureClass {
  switch (kind) {
    case undefined:
      return classifyCodexError(message);
    case 'rate-limited':
      return { reason: 'model-rate-limited', retryable: true };
    case 'usage-limit':
      return { reason: 'model-rate-limited', retryable: false };
    case 'unavailable':
      return { reason: 'model-unavailable', retryable: true };
    case 'transport':
      return { reason: 'transport-error', retryable: true };
    case 'auth':
      return { reason: 'auth-failed', retryable: false };
    case 'bad-request':
      return { reason: 'bad-config', retryable: false };
    case 'sandbox':
      return { reason: 'sandbox-denied', retryable: false };
    case 'context-window':
      return { reason: 'agent-failed', retryable: false };
    default:
      return assertNever(kind);
  }
}
