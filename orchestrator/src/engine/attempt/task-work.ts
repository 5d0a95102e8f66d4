import type { AgentBackend, TurnRequest } from '../../backends/backend.js';
import type { AnalyzedTask } from '../../graph/analyzed.js';
import { sectionFor, taskInstructions } from '../../roles/instructions.js';
import type { Verdict } from '../../roles/verdict.js';
import type { FollowUp } from '../../store/manifest.js';
import { abortFailure, classifyTurnFailure, roleTurnFailure, type Failure } from './task-failure.js';
import type { SandboxEvents } from './sandbox-events.js';
import type { TaskLog } from './task-log.js';
import { recordThread } from './record.js';
import type { TaskRunContext } from './task-runner.js';
import type { AttemptUsage } from './task-usage.js';

/**
 * The work of one task attempt, before the orchestrator commits and verifies it: with the agents
 * layer, the role agent (builder or tester) works through its one `codex` tool; without it, the
 * prompt goes straight to Codex. Either way cwd, sandbox and approval are the orchestrator's, a
 * follow-up reaches the task's own Codex thread, and Codex's events stream into the task's log.
 */

/** A turn from the task's prompt, or a follow-up (fix, rework, `send`) on the task's own thread. */
export interface TurnPlan {
  readonly prompt: string;
  /** The thread to continue, for a follow-up. */
  readonly threadId: string | undefined;
  readonly followUp: FollowUp | undefined;
  /** For a follow-up on an existing result: the folder (by the attempt that started the thread), the result, and the diff's base. */
  readonly continueFrom: { readonly worktreeAttempt: number; readonly commit: string; readonly base: string } | undefined;
}

/** What the work needs of the session: its agents, Codex, the record and the observers. */
export type WorkPort = Pick<TaskRunContext, 'agents' | 'backendFor' | 'threadStarted' | 'instructions' | 'writer' | 'observer'>;

export interface WorkRequest {
  readonly ctx: WorkPort;
  readonly task: AnalyzedTask;
  readonly plan: TurnPlan;
  /** Where Codex works: the worktree, or the task's `cwd` in it. */
  readonly cwd: string;
  /** The commands' temporary folder (the worktree's own). */
  readonly tmpDir: string;
  readonly signal: AbortSignal;
  readonly log: TaskLog;
  readonly usage: AttemptUsage;
  /** The attempt's usage changed (live in the manifest, and the run's budget). */
  readonly onUsage: () => void;
  /** Reads Codex's events for the sandbox's denials and writes outside the worktree. */
  readonly sandbox: SandboxEvents;
  /** Counts the commands Codex ran (a tester whose checks and work ran nothing has tested nothing). */
  readonly commands: { ended: number };
  /** The files of Codex's own last diff of the turn (app-server), to check the task's diff against. */
  readonly codexDiff: { files: readonly string[] | undefined };
}

export interface WorkResult {
  /** Set when the work did not complete. */
  readonly failure: Failure | undefined;
  /** The Codex thread the work ended in. */
  readonly threadId: string | undefined;
  /** What the agent (or Codex) reported at the end, for the tester's verdict. */
  readonly report: string | undefined;
  /** A tester agent's own verdict from its work (before the orchestrator's checks). */
  readonly testerVerdict: Verdict | undefined;
}

export async function doTaskWork(w: WorkRequest): Promise<WorkResult> {
  const { ctx, plan, task } = w;
  const agents = ctx.agents;
  if (agents && task.role !== 'gate') {
    const conversation = plan.followUp && plan.threadId ? await agents.conversation(task.id, plan.threadId) : undefined;
    if (!(plan.followUp && plan.threadId) || conversation) return agentWork(w, conversation);
    w.log.line(`# the ${task.role} agent's conversation on this thread was not kept: the follow-up goes straight to Codex's thread`);
  }
  return codexWork(w);
}

/** Codex's events into the task's log and manifest; `thread` says which thread a usage report is for. */
function eventSink(w: WorkRequest, thread: { current: string | undefined }): TurnRequest['onEvent'] {
  const { ctx, task, log } = w;
  return (event, raw) => {
    log.event(event, raw);
    w.sandbox.onEvent(event);
    if (event?.type === 'command-end') w.commands.ended++;
    if (event?.type === 'turn-diff') w.codexDiff.files = event.files;
    if (event?.type === 'thread-started') {
      thread.current = event.threadId;
      ctx.threadStarted(event.threadId);
      recordThread(ctx.writer, task.id, event.threadId, true);
    }
    if (event?.type === 'usage') {
      w.usage.codexReported(thread.current, event.usage);
      w.onUsage();
    }
    if (event?.type === 'command-begin') ctx.observer({ type: 'task-command', taskId: task.id, command: event.command });
  };
}

/** The prompt straight to Codex (no agents layer, or a follow-up whose agent conversation is gone). */
async function codexWork(w: WorkRequest): Promise<WorkResult> {
  const { ctx, plan, task, log } = w;
  let developerInstructions = ctx.instructions(task.role);
  if (task.instructions && task.role !== 'gate' && task.role !== 'manual') {
    const text = await taskInstructions(task.role, task.instructions);
    if (!text.ok)
      return {
        failure: { reason: 'agent-failed', message: `cannot read the instructions of task "${task.id}" (${text.error.file}): ${text.error.message}`, retryable: false },
        threadId: plan.threadId,
        report: undefined,
        testerVerdict: undefined,
      };
    developerInstructions = sectionFor(text.value, 'Codex');
  }
  log.section('agent');
  const thread = { current: plan.threadId };
  const turn = await ctx.backendFor(plan.threadId).runTurn({
    prompt: plan.prompt,
    ...(plan.threadId ? { threadId: plan.threadId } : {}),
    cwd: w.cwd,
    tmpDir: w.tmpDir,
    developerInstructions,
    timeoutMs: task.timeoutMs,
    signal: w.signal,
    onEvent: eventSink(w, thread),
  });
  if (turn.usage) {
    w.usage.codexReported(turn.threadId ?? thread.current, turn.usage);
    w.onUsage();
  }
  if (turn.status === 'failed') return { failure: classifyTurnFailure(turn, w.signal), threadId: turn.threadId, report: undefined, testerVerdict: undefined };
  return { failure: undefined, threadId: turn.threadId, report: turn.finalMessage, testerVerdict: undefined };
}

/** The role agent works on the task (or goes on in its conversation with the follow-up). */
async function agentWork(w: WorkRequest, conversation: { readonly history: readonly unknown[]; readonly threadId: string | undefined } | undefined): Promise<WorkResult> {
  const { ctx, plan, task, log } = w;
  const agents = ctx.agents;
  if (!agents || task.role === 'gate' || task.role === 'manual') throw new Error('Internal error: agent work without the agents layer');
  const role = task.role;
  log.section(`${role} agent (model ${agents.model}; its one tool is codex, with cwd, sandbox and approval fixed by the orchestrator)`);
  if (conversation) log.line(`# goes on in its conversation, with the follow-up above as its next message`);
  const thread = { current: plan.threadId };
  const result = await agents.api.runRoleTurn(agents.runtime, {
    role,
    task: { id: task.id, title: task.title, prompt: task.prompt ?? '', instructions: task.instructions },
    backend: callLogger(ctx.backendFor(plan.threadId), log, thread, w.tmpDir),
    cwd: w.cwd,
    timeoutMs: task.timeoutMs,
    signal: w.signal,
    onEvent: eventSink(w, thread),
    onCodexCall: (call) => {
      if (call.ignored.length > 0) log.line(`# the agent also asked for ${call.ignored.join(', ')}: not taken (the orchestrator fixes cwd, sandbox and approval)`);
    },
    ...(conversation ? { continueFrom: { ...conversation, message: plan.prompt } } : {}),
  });
  w.usage.agentsUsed(result.agentUsage);
  w.onUsage();
  await agents.remember(task.id, result.conversation);
  log.section(`the ${role} agent's answer`);
  if (result.status === 'failed') {
    const failure = w.signal.aborted ? abortFailure(w.signal) : roleTurnFailure(role, result.failure, w.signal);
    log.line(`(no answer: ${result.failure.reason}: ${result.failure.message})`);
    return { failure, threadId: result.threadId, report: undefined, testerVerdict: undefined };
  }
  if (result.verdict) log.line(`${result.verdict.verdict}: ${result.verdict.summary}`);
  else log.line(result.finalMessage);
  if (result.codexCalls.length === 0) log.line(`# the agent made no codex call: nothing was done in the worktree`);
  return { failure: undefined, threadId: result.threadId, report: result.finalMessage, testerVerdict: result.verdict };
}

/** The run's backend as the agent's codex tool sees it: each call's prompt logged before Codex's events, its commands given the worktree's temporary folder. */
function callLogger(backend: AgentBackend, log: TaskLog, thread: { current: string | undefined }, tmpDir: string): AgentBackend {
  let calls = 0;
  return {
    name: backend.name,
    runTurn: (request) => {
      calls++;
      thread.current = request.threadId;
      log.line();
      log.line(`-- codex call ${calls} (${request.threadId ? `continues thread ${request.threadId}` : 'new thread'}); the agent's prompt:`);
      log.line(request.prompt);
      log.line(`-- codex:`);
      return backend.runTurn({ ...request, tmpDir });
    },
    // The engine owns the backend and closes it at the end of the run.
    close: async () => undefined,
  };
}
