import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['orchestrator/test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '.runs/**', 'examples/**', 'dist/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests spawn real Codex processes; two cores, so keep parallelism modest.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
