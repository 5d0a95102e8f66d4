import { describe } from 'vitest';
import { codexVersion, hasMcpServer } from '../../src/backends/codex-binary.js';
import type { AgentBackend, BackendName } from '../../src/backends/backend.js';
import { CodexAppServerBackend } from '../../src/backends/codex-app-server.js';
import { CodexExecBackend } from '../../src/backends/codex-exec.js';
import { CodexMcpBackend } from '../../src/backends/codex-mcp.js';

/**
 * The Codex the suite runs against (the pinned one, or the one `.ci/run` swaps in) and the
 * backends it has. `codex-mcp` needs `codex mcp-server`, which Codex removed in 0.154.0: a test of
 * that backend runs on a Codex that has it, and on one that has not a test of the refusal runs in
 * its place (`backend-refusal.test.ts`). `.ci/run` runs the suite on both, so every test runs.
 */
export const CODEX_HERE = await codexVersion();

export const MCP_SERVER_HERE = hasMcpServer(CODEX_HERE);

const ALL: readonly BackendName[] = ['codex-mcp', 'codex-app-server', 'codex-exec'];

/** The backends of `wanted` (by default all of them) the installed Codex can run. */
export function backendsHere<B extends BackendName>(wanted: readonly B[] = ALL as readonly B[]): B[] {
  return wanted.filter((b) => b !== 'codex-mcp' || MCP_SERVER_HERE);
}

/** The name every test that needs `codex mcp-server` carries, so the summary says why it ran or not. */
export const NEEDS_MCP_SERVER = `(needs codex mcp-server: Codex 0.153.x; here ${CODEX_HERE})`;

/** `describe` for tests of `codex mcp-server`: selected by the installed Codex (see above). */
export function describeWithMcpServer(name: string, body: () => void): void {
  describe.runIf(MCP_SERVER_HERE)(`${name} ${NEEDS_MCP_SERVER}`, body);
}

/** A backend of `name` on `codexHome`. */
export function makeBackend(name: BackendName, codexHome: string): AgentBackend {
  switch (name) {
    case 'codex-mcp':
      return new CodexMcpBackend({ codexHome });
    case 'codex-app-server':
      return new CodexAppServerBackend({ codexHome });
    case 'codex-exec':
      return new CodexExecBackend({ codexHome });
  }
}
