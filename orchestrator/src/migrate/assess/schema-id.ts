/**
 * The `schema` field of the `migrate assess --json` document, apart from the zod schema so the
 * command builds its document without loading zod.
 */
export const ASSESS_SCHEMA = 'codex-orchestrator/migrate-assess@1';
