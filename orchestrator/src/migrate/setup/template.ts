/**
 * The text `migrate setup` writes as `manifest.toml`: every field explained in a comment, since
 * the file is meant to be edited by hand, and one entry for each `--connector` and `--mcp` given.
 * Placeholders are valid values (the file loads as written) that say what to replace.
 */

export const CONNECTOR_PLACEHOLDER = 'TODO: say what this system is and how the migration uses it';
export const MCP_COMMAND_PLACEHOLDER = 'TODO-command-that-starts-the-server';

export function manifestTemplate(connectors: readonly string[], mcp: readonly string[]): string {
  const lines = [
    '# The migration manifest: what a migration touches and which tools its tasks get.',
    '# Edit it by hand at any time; check it with: codex-orchestrator migrate setup --check',
    '',
    '# The format version of this file. 1 is the only one so far.',
    'version = 1',
    '',
    '# [[connectors]]: one entry per system the migration touches (a database, an API, a queue).',
    '#   name        - how tasks and people refer to it; letters, digits, ".", "_" and "-"; unique',
    '#   description - what it is, for the people and agents who read this file',
    '#   env         - the environment variables that reach it (URLs, tokens): names only, never',
    '#                 values; they become the secrets of the runs, redacted from every run file',
    '# Example:',
    '#   [[connectors]]',
    '#   name = "orders-db"',
    '#   description = "the orders PostgreSQL database"',
    '#   env = ["ORDERS_DATABASE_URL"]',
    ...connectors.flatMap((name) => ['', '[[connectors]]', `name = ${JSON.stringify(name)}`, `description = ${JSON.stringify(CONNECTOR_PLACEHOLDER)}`, 'env = []']),
    '',
    "# [[mcp]]: one entry per MCP server every task's Codex thread gets.",
    '#   name    - the server\'s name; letters, digits, ".", "_" and "-"; unique',
    '#   command - the program that starts the server',
    '#   args    - its arguments, a list of strings',
    '#   env     - optional: the environment variables passed to the server (names only)',
    '# Example:',
    '#   [[mcp]]',
    '#   name = "filesystem"',
    '#   command = "npx"',
    '#   args = ["-y", "@modelcontextprotocol/server-filesystem", "."]',
    '#   env = []',
    ...mcp.flatMap((name) => ['', '[[mcp]]', `name = ${JSON.stringify(name)}`, `command = ${JSON.stringify(MCP_COMMAND_PLACEHOLDER)}`, 'args = []', 'env = []']),
  ];
  return `${lines.join('\n')}\n`;
}
