/**
 * The role agents, as the engine and the CLI use them. Everything that touches `@openai/agents`
 * lives in this folder; callers get plain values and `Result`s back.
 *
 *   openAgentRuntime  one per run: the Runner on the run's model, and the run's trace file
 *   runRoleTurn       a builder or tester works on a task through its codex tool
 *   judge             the tester's verdict on a task's diff and checks (failed checks ⇒ fail)
 *   triage            the manager's probable cause and next step for a failed task
 *   plan              the manager turns a description (and a pattern) into a checked graph
 */
export type { CodexCallRecord } from './codex-tool.js';
export type { AgentFailure } from './failure.js';
export { graphOutputType, plan, PLAN_ATTEMPTS, triage, type PlanFailure, type PlanRequest, type PlanSuccess, type TriageAnswer } from './manager.js';
export { DEFAULT_MAX_TURNS, runRoleTurn, type RoleConversation, type RoleTurnFailure, type RoleTurnRequest, type RoleTurnResult } from './role-turn.js';
export { agentUsage, openAgentRuntime, type AgentRuntime, type AgentRuntimeOptions } from './runtime.js';
export { judge, MAX_DIFF_CHARS, type JudgeRequest, type Judgement } from './tester.js';
export { openTraceFile, type TraceFile, type TraceRecord, type TraceWriter } from './tracing.js';
