import { defineConfig } from 'vitest/config';
import { testCodexHome, testWorktreeRoot } from './orchestrator/test/helpers/global-setup.js';

export default defineConfig({
  test: {
    include: ['orchestrator/test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '.runs/**', 'examples/**', 'dist/**'],
    testTimeout: 180_000,
    hookTimeout: 120_000,
    // Integration tests spawn real Codex processes; two cores, so keep parallelism modest.
    maxWorkers: 2,
    // No test reaches a real model: no API key, and a CODEX_HOME without a sign-in (a folder that does not exist).
    env: { CODEX_ORCHESTRATOR_WORKTREES: testWorktreeRoot(), CODEX_HOME: testCodexHome(), OPENAI_API_KEY: '' },
    globalSetup: ['./orchestrator/test/helpers/global-setup.ts'],
    // The reliability battery's summary (its figures and `N passed, N failed`) follows vitest's own
    // when a run includes its cases; see orchestrator/test/reliability/battery.ts.
    reporters: ['default', './orchestrator/test/reliability/reporter.ts'],
  },
});
