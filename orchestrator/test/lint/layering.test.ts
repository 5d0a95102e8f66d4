import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/core/package-info.js';

// The layering rules of eslint.config.js, run on snippets as if they were files of the repository
// (the files need not exist: ESLint picks the config block by the path alone).
const eslint = new ESLint({ cwd: packageRoot() });

/** The import-restriction messages ESLint reports for `code` as the file `file`. */
async function restrictions(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(packageRoot(), file) });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports' || m.fatal).map((m) => m.message);
}

describe('import layering (eslint.config.js)', () => {
  it('keeps the store below the engine, with a message that says what to do', async () => {
    const messages = await restrictions('orchestrator/src/store/x.ts', "export { driveRun } from '../engine/run/drive.js';\n");
    expect(messages).toEqual([
      "'../engine/run/drive.js' import is restricted from being used by a pattern. Layering: store/ must not import engine/ (store/ is the run files; everything that writes or reads a run builds on it). Instead, move the code you need down into a layer store/ may import (core), or have the caller pass it in. Rules: eslint.config.js, ARCHITECTURE.md.",
    ]);
  });

  it('sees imports from a subfolder and type-only imports too', async () => {
    expect(await restrictions('orchestrator/src/store/secrets/x.ts', "import type { EngineEvent } from '../../engine/run/events.js';\n")).toHaveLength(1);
  });

  it('lets core import nothing of the project outside core', async () => {
    const messages = await restrictions('orchestrator/src/core/x.ts', "import { GraphFile } from '../graph/schema.js';\nimport { ok } from './result.js';\n");
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain('Layering: core/ must not import graph/');
  });

  it('keeps graph/ below the scheduler, engine, store, review and CLI', async () => {
    for (const target of ['engine/run/drive', 'cli/output', 'review/seal', 'store/manifest', 'scheduler/scheduler']) {
      const messages = await restrictions('orchestrator/src/graph/x.ts', `import { x } from '../${target}.js';\n`);
      expect(messages, target).toHaveLength(1);
      expect(messages[0], target).toContain(`Layering: graph/ must not import ${target.split('/')[0]}/`);
    }
  });

  it('lets views/ reach the engine through engine/index.ts only', async () => {
    const room = await restrictions('orchestrator/src/views/x.ts', "import { runTask } from '../engine/attempt/task-runner.js';\n");
    expect(room).toHaveLength(1);
    expect(room[0]).toContain('Layering: views/ reaches the engine only through its public entry. Instead, import from engine/index.js');
    expect(await restrictions('orchestrator/src/views/x.ts', "import { driveRun } from '../engine/index.js';\n")).toEqual([]);
    expect(await restrictions('orchestrator/src/control/x.ts', "import { resumeRun } from '../engine/run/resume.js';\n")).toHaveLength(1);
    expect(await restrictions('orchestrator/src/control/x.ts', "import { resumeRun } from '../engine/index.js';\nimport { view } from '../views/run.js';\n")).toEqual([]);
  });

  it('keeps migrate/ apart: it imports none of the run machinery, and only cli/ imports it', async () => {
    const engine = await restrictions('orchestrator/src/migrate/assess/x.ts', "import { executeRun } from '../../engine/index.js';\n");
    expect(engine).toHaveLength(1);
    expect(engine[0]).toContain('Layering: migrate/ must not import engine/ (migrate/ reads a repository and plans its migration; the CLI shows it)');
    expect((await restrictions('orchestrator/src/planning/x.ts', "import { assess } from '../migrate/assess/index.js';\n"))[0]).toContain('Layering: planning/ must not import migrate/');
    expect(await restrictions('orchestrator/src/cli/commands/x.ts', "import { assess } from '../../migrate/assess/index.js';\n")).toEqual([]);
  });

  it('keeps views/ off control/, and everything but cli/ off cli/', async () => {
    expect((await restrictions('orchestrator/src/views/x.ts', "import { stop } from '../control/stop.js';\n"))[0]).toContain('Layering: views/ must not import control/');
    expect((await restrictions('orchestrator/src/control/x.ts', "import { Output } from '../cli/output.js';\n"))[0]).toContain('nothing but cli/ imports cli/');
    expect((await restrictions('orchestrator/src/engine/run/x.ts', "import { Output } from '../../cli/output.js';\n"))[0]).toContain('nothing but cli/ imports cli/');
    expect(await restrictions('orchestrator/src/cli/commands/x.ts', "import { Output } from '../output.js';\n")).toEqual([]);
  });

  it('keeps vendor SDKs at the edge', async () => {
    const agents = await restrictions('orchestrator/src/engine/session/x.ts', "import { Agent } from '@openai/agents';\n");
    expect(agents).toHaveLength(1);
    expect(agents[0]).toContain('Vendor edge: @openai/agents is imported only in the top-level agents/');
    expect(await restrictions('agents/x.ts', "import { Agent } from '@openai/agents';\n")).toEqual([]);
    expect((await restrictions('orchestrator/src/backends/codex-exec.ts', "import { Client } from '@modelcontextprotocol/sdk/client/index.js';\n"))[0]).toContain('Vendor edge: the MCP SDK');
    expect(await restrictions('orchestrator/src/backends/codex-mcp.ts', "import { Client } from '@modelcontextprotocol/sdk/client/index.js';\n")).toEqual([]);
    expect((await restrictions('orchestrator/src/engine/run/x.ts', "import PQueue from 'p-queue';\n"))[0]).toContain('Vendor edge: p-queue');
  });
});
