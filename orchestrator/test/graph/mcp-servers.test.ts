import { describe, expect, it } from 'vitest';
import { mcpServerLines } from '../../src/backends/codex-home.js';
import { analyzeGraphSource } from '../../src/graph/load.js';
import { lines, report } from './helpers.js';

const TASKS = ['tasks:', '  - id: build', '    role: builder', '    prompt: Build it'];

describe('settings.mcpServers', () => {
  it('is checked: a duplicate name at its place, a variable that cannot be one', () => {
    const source = lines('settings:', '  mcpServers:', '    - { name: docs, command: docs-mcp }', '    - { name: docs, command: other, env: ["my var"] }', ...TASKS);
    const text = report('bad.yaml', source);
    expect(text).toContain('tasks/bad.yaml:4:15: error: duplicate MCP server name "docs" (also settings.mcpServers[0])');
    expect(text).toContain('"settings.mcpServers[1].env[0]" must be an environment variable name');
  });

  it("makes the servers' variables secrets of the run, and defaults args and env", () => {
    const source = lines('settings:', '  secretEnv: [DB_URL]', '  mcpServers:', '    - { name: docs, command: docs-mcp, env: [DOCS_TOKEN, DB_URL] }', ...TASKS);
    const analyzed = analyzeGraphSource('/virtual/tasks/ok.yaml', source);
    if (!analyzed.ok) throw new Error('expected the graph to be accepted');
    expect(analyzed.value.settings.mcpServers).toEqual([{ name: 'docs', command: 'docs-mcp', args: [], env: ['DOCS_TOKEN', 'DB_URL'] }]);
    expect(analyzed.value.settings.secrets.env).toEqual(['DB_URL', 'DOCS_TOKEN']);
  });

  it('becomes Codex config tables with only the names of the variables', () => {
    expect(
      mcpServerLines([
        { name: 'file.system', command: 'npx', args: ['-y', 'srv "x"'], env: ['TOKEN'] },
        { name: 'b', command: 'b', args: [], env: [] },
      ]),
    ).toEqual(['[mcp_servers."file.system"]', 'command = "npx"', 'args = ["-y", "srv \\"x\\""]', 'env_vars = ["TOKEN"]', '', '[mcp_servers."b"]', 'command = "b"', 'args = []', '']);
  });
});
