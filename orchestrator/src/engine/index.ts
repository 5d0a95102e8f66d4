/**
 * The engine's public surface: what code outside the engine (`cli/`, `control/`) may use. Every
 * import of the engine from there comes through this file, so what the engine offers is one list.
 * `views/` never imports the engine (readers read the run store).
 */

export { executeRun, type RunFailure, type RunOptions, type RunSetupFailure, type RunStoreFailure } from './run/execute.js';
export { renderResumeFailure, resumeRun, type ResumeFailure, type ResumeOptions, type ResumeOutcome } from './run/resume.js';
export type { EngineEvent, EngineObserver } from './run/events.js';
export { chooseModel, openModelSession, type ModelChoice, type ModelKind, type ModelSession } from './session/model-access.js';
export type { DecisionReplyData, ExecuteReplyData, RetryReplyData, SendReplyData } from './live/live-requests.js';
