import { Agent, type Tool } from '@openai/agents';

/**
 * The builder agent: carries out one task of a graph through Codex, its only tool. Its
 * instructions are the `## Agent` section of `builder.md` beside this file (or the task's own);
 * `runRoleTurn` (`role-turn.ts`) binds the tool to the task's worktree and runs it.
 */
export function builderAgent(options: { readonly instructions: string; readonly codex: Tool }): Agent {
  return new Agent({
    name: 'builder',
    handoffDescription: 'Changes code for one task, through Codex in the task’s worktree.',
    instructions: options.instructions,
    tools: [options.codex],
    // One Codex turn at a time in a worktree; the tool queues calls anyway.
    modelSettings: { parallelToolCalls: false },
  });
}
