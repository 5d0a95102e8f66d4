/**
 * The `schema` field of each `--json` document: kept apart from the zod schemas so the views that
 * build the documents (`poll` above all) never load zod.
 */

export const POLL_SCHEMA = 'codex-orchestrator/poll@1';
export const REVIEW_SCHEMA = 'codex-orchestrator/review@1';
