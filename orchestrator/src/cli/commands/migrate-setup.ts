import path from 'node:path';
import { assertNever } from '../../core/result.js';
import { renderDiagnostics } from '../../graph/render.js';
import { ENTRY_NAME, ENTRY_NAME_RULE, loadMigrateManifest, migrateFiles, setupMigration, type ManifestLoadFailure, type MigrateManifest, type SetupFailure } from '../../migrate/setup/index.js';
import { atomicWrite } from '../../store/atomic.js';
import { Exit, UsageError, type Output } from '../output.js';
import { displayPath } from '../runs-dir.js';

/** The `schema` of `migrate setup --json`'s documents (success, `--check`, and errors). */
export const MIGRATE_SETUP_SCHEMA = 'codex-orchestrator/migrate-setup@1';

export interface MigrateSetupOptions {
  /** The project's root (`--runs-dir`'s parent): the files go to `.codex/migrate/` there. */
  readonly projectRoot: string;
  readonly connectors: readonly string[];
  readonly mcp: readonly string[];
  readonly force: boolean;
  /** Only check the existing manifest; write nothing. */
  readonly check: boolean;
  readonly json: boolean;
  readonly cwd: string;
  readonly now: () => Date;
}

/**
 * `migrate setup`: writes `.codex/migrate/manifest.toml` and an empty `index.json`, never over an
 * existing manifest without `--force`; `--check` loads the manifest and reports. Exit 0 when
 * written (or valid), 2 for a setup that exists, a broken manifest, or one that is missing with `--check`.
 */
export async function migrateSetupCommand(o: MigrateSetupOptions, out: Output): Promise<number> {
  const shown = (file: string): string => displayPath(file, o.cwd);
  if (o.check) {
    const loaded = await loadMigrateManifest(migrateFiles(o.projectRoot).manifest);
    if (!loaded.ok) return fail(loaded.error, o, out, '');
    if (o.json) out.data(JSON.stringify({ schema: MIGRATE_SETUP_SCHEMA, ok: true, manifest: migrateFiles(o.projectRoot).manifest, ...entries(loaded.value) }, null, 2));
    out.info(`${shown(migrateFiles(o.projectRoot).manifest)}: ok, ${count(loaded.value.connectors?.length ?? 0, 'connector')}, ${count(loaded.value.mcp?.length ?? 0, 'MCP server')}`);
    return Exit.ok;
  }
  const done = await setupMigration({ root: o.projectRoot, connectors: o.connectors, mcp: o.mcp, force: o.force, now: o.now(), write: atomicWrite });
  if (!done.ok) return fail(done.error, o, out, 'fix it by hand and check it with: codex-orchestrator migrate setup --check; or pass --force to write a new one (the old one is kept as a backup)');
  const d = done.value;
  if (o.json) {
    out.data(
      JSON.stringify({ schema: MIGRATE_SETUP_SCHEMA, ok: true, root: o.projectRoot, manifest: d.manifest, index: d.index, written: d.written, backup: d.backup ?? null, ...entries(d.value) }, null, 2),
    );
  }
  const lines = [`migrate setup: wrote ${d.written.map(shown).join(' and ')}${d.written.includes(d.index) ? '' : ` (kept ${shown(d.index)} as it was: it holds the workspaces)`}`];
  if (d.backup !== undefined) lines.push(`  the old manifest is kept as ${shown(d.backup)}`);
  if (o.connectors.length > 0) lines.push(`  connectors: ${o.connectors.join(', ')} (write each one's description and env)`);
  if (o.mcp.length > 0) lines.push(`  MCP servers: ${o.mcp.join(', ')} (write each one's command and args)`);
  lines.push(`next: edit ${shown(d.manifest)} (each field is explained in it), then check it with: codex-orchestrator migrate setup --check`);
  out.info(lines.join('\n'));
  return Exit.ok;
}

/** `--connector` and `--mcp` names: the manifest's own rule for them (so the file written loads), each once. */
export function entryNames(names: readonly string[], flag: string): string[] {
  const seen = new Set<string>();
  for (const name of names) {
    if (!ENTRY_NAME.test(name) || name.length > 64) throw new UsageError(`${flag}: ${JSON.stringify(name)} is not a name`, `use ${ENTRY_NAME_RULE} (at most 64), e.g. ${flag} orders-db`);
    if (seen.has(name)) throw new UsageError(`${flag}: ${JSON.stringify(name)} is given twice`, 'name each entry once');
    seen.add(name);
  }
  return [...names];
}

function entries(m: MigrateManifest): { connectors: MigrateManifest['connectors']; mcp: MigrateManifest['mcp'] } {
  return { connectors: m.connectors ?? [], mcp: m.mcp ?? [] };
}

function count(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}

/** Prints a failure (and its JSON document with `--json`); always exit 2: the problem is in the user's files. */
function fail(failure: SetupFailure | ManifestLoadFailure, o: MigrateSetupOptions, out: Output, invalidHint: string): number {
  if (o.json) {
    const problems =
      failure.reason === 'invalid' ? failure.diagnostics.map((d) => ({ file: d.position.file, line: d.position.line, column: d.position.column, message: d.message, hint: d.hint ?? null })) : [];
    out.data(JSON.stringify({ schema: MIGRATE_SETUP_SCHEMA, ok: false, reason: failure.reason, file: failure.file, problems }, null, 2));
  }
  const text = renderSetupFailure(failure, o.cwd);
  out.info(failure.reason === 'invalid' && invalidHint !== '' ? `${text}\n  hint: ${invalidHint}` : text);
  return Exit.usage;
}

/** Why there is no (usable) migration setup, with what to do. No trailing newline. */
export function renderSetupFailure(failure: SetupFailure | ManifestLoadFailure, cwd: string): string {
  const shown = displayPath(failure.file, cwd);
  switch (failure.reason) {
    case 'exists':
      return `error: a migration setup exists already: ${shown}\n  hint: edit it by hand, or pass --force to write a new one (the old one is kept as a backup)`;
    case 'not-found':
      return `error: no migration manifest: ${shown}\n  hint: create one with: codex-orchestrator migrate setup`;
    case 'unreadable':
      return `error: cannot read ${shown}: ${failure.message}\n  hint: the manifest must be a file you may read; move whatever is there away`;
    case 'unwritable':
      return `error: cannot write ${shown}: ${failure.message}\n  hint: check that you may write to ${displayPath(path.dirname(failure.file), cwd)} and that the disk has room`;
    case 'invalid':
      return renderDiagnostics(failure.diagnostics, new Map([[failure.file, failure.source]]), { cwd });
    default:
      return assertNever(failure, 'migrate setup failure');
  }
}
