// The codex app-server protocol types the codex-app-server backend uses, made by Codex 0.171.0
// (`codex app-server generate-ts --experimental`) and kept by scripts/codex-protocol-types.mjs.
// Do not edit: run `node scripts/codex-protocol-types.mjs` to make them again.
export const CODEX_PROTOCOL_VERSION = "0.171.0";
export type { InitializeParams } from './InitializeParams.js';
export type { InitializeResponse } from './InitializeResponse.js';
export type { SandboxPolicy } from './v2/SandboxPolicy.js';
export type { ThreadStartParams } from './v2/ThreadStartParams.js';
export type { ThreadStartResponse } from './v2/ThreadStartResponse.js';
export type { ThreadResumeParams } from './v2/ThreadResumeParams.js';
export type { ThreadResumeResponse } from './v2/ThreadResumeResponse.js';
export type { TurnStartParams } from './v2/TurnStartParams.js';
export type { TurnStartResponse } from './v2/TurnStartResponse.js';
export type { TurnInterruptParams } from './v2/TurnInterruptParams.js';
export type { ThreadBackgroundTerminalsCleanParams } from './v2/ThreadBackgroundTerminalsCleanParams.js';
export type { ItemStartedNotification } from './v2/ItemStartedNotification.js';
export type { ItemCompletedNotification } from './v2/ItemCompletedNotification.js';
export type { CommandExecutionOutputDeltaNotification } from './v2/CommandExecutionOutputDeltaNotification.js';
export type { TurnDiffUpdatedNotification } from './v2/TurnDiffUpdatedNotification.js';
export type { ThreadTokenUsageUpdatedNotification } from './v2/ThreadTokenUsageUpdatedNotification.js';
export type { TurnCompletedNotification } from './v2/TurnCompletedNotification.js';
export type { ErrorNotification } from './v2/ErrorNotification.js';
export type { CommandExecutionRequestApprovalParams } from './v2/CommandExecutionRequestApprovalParams.js';
export type { FileChangeRequestApprovalParams } from './v2/FileChangeRequestApprovalParams.js';
