import type { Pattern } from './patterns.js';

/**
 * What the manager is asked when it plans. The instantiated pattern goes last, in a fenced `json`
 * block: a model starts from it, and the offline stand-in answers with it.
 */

export function plannerPrompt(description: string, pattern: (Pattern & { readonly filled: unknown }) | undefined): string {
  const lines = ['Plan this work as a task graph for codex-orchestrator.', '', '## Description', '', description.trim(), ''];
  if (pattern) {
    lines.push(
      `## Workflow pattern "${pattern.name}"`,
      '',
      'Start from this graph: the pattern filled in for the description. Keep its shape (roles,',
      'dependencies, gates) and make its prompts concrete for this work.',
      '',
      '```json',
      JSON.stringify(pattern.filled, null, 2),
      '```',
      '',
    );
  }
  lines.push('Answer with the whole graph as JSON.');
  return lines.join('\n');
}

/** The follow-up after a rejected answer: what was wrong, to be fixed in the next answer. */
export function rejectionMessage(problems: string): string {
  return [
    'Your answer was rejected. These are the problems, as the graph validator reports them (the',
    'lines shown are from your answer written out as the graph file):',
    '',
    problems,
    '',
    'Answer again with the whole graph as JSON, fixing exactly these problems.',
  ].join('\n');
}
