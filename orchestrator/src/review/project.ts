import path from 'node:path';

/**
 * The project a runs folder belongs to. Its root is the parent of the runs folder (the
 * repository root when runs live in `.runs/` at the top of it): checklist references, evidence
 * paths and `tasks/` are relative to it, and its signing key lives in it, outside `.runs/`.
 */

/** Overrides where the signing key is kept (tests, CI). */
export const KEYS_DIR_ENV = 'CODEX_ORCHESTRATOR_KEYS_DIR';

export function projectRootOf(runsDir: string): string {
  return path.dirname(path.resolve(runsDir));
}

/** `$CODEX_ORCHESTRATOR_KEYS_DIR`, else `<project>/.codex-orchestrator/keys`. */
export function keysDirFor(projectRoot: string, env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env[KEYS_DIR_ENV];
  return fromEnv ? path.resolve(projectRoot, fromEnv) : path.join(projectRoot, '.codex-orchestrator', 'keys');
}

/** A path as written in a checklist or shown to people: relative to the project root, `/` separated; absolute when outside it. */
export function projectRelative(projectRoot: string, file: string): string {
  const rel = path.relative(projectRoot, file);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return file;
  return rel.split(path.sep).join('/');
}
