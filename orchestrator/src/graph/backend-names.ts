/**
 * The Codex backends a graph (or `run --backend`) may name. Plain data, without zod, so the CLI
 * can check `--backend` before it loads the graph schema; `schema.ts` makes its `Backend` from it.
 */
export const BACKEND_NAMES = ['codex-mcp', 'codex-app-server', 'codex-exec'] as const;

export type BackendName = (typeof BACKEND_NAMES)[number];

export function isBackendName(value: string): value is BackendName {
  return (BACKEND_NAMES as readonly string[]).includes(value);
}
