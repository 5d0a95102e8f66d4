import { graphJsonSchema } from './schema.js';

/**
 * The text of `tasks/schema.json`: the graph JSON Schema, pretty-printed with a trailing newline
 * so the checked-in file diffs cleanly. A test pins the file to this; regenerate it with
 * `UPDATE_SCHEMA=1 npx vitest run orchestrator/test/graph/schema.test.ts`.
 */
export function renderGraphJsonSchema(): string {
  return `${JSON.stringify(graphJsonSchema(), null, 2)}\n`;
}
