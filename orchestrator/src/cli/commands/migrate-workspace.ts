import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { assertNever } from '../../core/result.js';
import { renderDiagnostics } from '../../graph/render.js';
import { ASSESS_SCHEMA, renderReport, type AssessDocument } from '../../migrate/assess/index.js';
import { loadMigrateManifest, migrateFiles } from '../../migrate/setup/index.js';
import { runSettingsOf, type WorkspaceRunSettings } from '../../migrate/workflow/run-settings.js';
import { createWorkspace, type CreateFailure, type FindFailure } from '../../migrate/workspace/workspace.js';
import type { IndexReadFailure } from '../../migrate/workspace/registry.js';
import { slugify, titleOf } from '../../planning/plan-files.js';
import { atomicWrite } from '../../store/atomic.js';
import { updateLocked } from '../../store/locked-update.js';
import { Exit, UsageError, type Output } from '../output.js';
import { displayPath } from '../runs-dir.js';
import { renderSetupFailure } from './migrate-setup.js';
import { operatorName } from '../migrate-journal.js';

/** The `schema` of `migrate plan --json`'s document. */
export const MIGRATE_PLAN_SCHEMA = 'codex-orchestrator/migrate-plan@1';

export interface MigratePlanOptions {
  readonly description: string;
  /** An assessment report (`migrate assess`: its markdown, or its `--json` document). */
  readonly fromAssessment: string | undefined;
  readonly projectRoot: string;
  readonly json: boolean;
  readonly cwd: string;
  readonly now: () => Date;
}

/**
 * `migrate plan "<description>"`: a new workspace `migrations/migration_<slug>/` (plan, journal,
 * graph, prompt, artifacts, runbooks), registered in `.codex/migrate/index.json`. Exit 0 when made;
 * 2 for a workspace that exists, a bad assessment file, a broken index or a file that cannot be written.
 */
export async function migratePlanCommand(o: MigratePlanOptions, out: Output): Promise<number> {
  const description = o.description.trim();
  if (description === '') throw new UsageError('the description is empty', 'e.g. codex-orchestrator migrate plan "Move billing to Postgres"');
  const assessment = o.fromAssessment === undefined ? undefined : await readAssessment(o.fromAssessment, o.cwd);
  const settings = await manifestRunSettings(o.projectRoot, o.cwd, out);
  if (settings === undefined) return Exit.usage;
  const slug = slugify(description);
  const made = await createWorkspace({
    root: o.projectRoot,
    description,
    title: titleOf(description),
    slug,
    assessment,
    settings,
    now: o.now(),
    write: atomicWrite,
    update: (file, change) => updateLocked(file, change),
    by: operatorName(o.cwd),
  });
  const shown = (file: string): string => displayPath(file, o.cwd);
  if (!made.ok) {
    out.info(renderWorkspaceFailure(made.error, o.cwd));
    return Exit.usage;
  }
  const { files, entry, graph } = made.value;
  if (o.json) {
    out.data(
      JSON.stringify(
        {
          schema: MIGRATE_PLAN_SCHEMA,
          workspace: entry,
          files: { plan: files.plan, journal: files.journal, graph: files.graph, prompt: files.prompt, artifacts: files.artifacts, runbooks: files.runbooks },
          index: made.value.index,
          tasks: graph.tasks.map((t) => ({ id: t.id, role: t.role })),
        },
        null,
        2,
      ),
    );
  }
  const gates = graph.tasks.filter((t) => t.role === 'gate').length;
  const parallel = graph.tasks.filter((t) => t.id.startsWith('parallel-')).length;
  out.info(
    [
      `workspace ${shown(files.dir)}/ (${graph.tasks.length} tasks: 6 phases, ${gates} gates, ${parallel} parallel workstreams)${assessment ? `, MIG-1 seeded from ${assessment.file}` : ''}`,
      `  plan:     ${shown(files.plan)}`,
      `  graph:    ${shown(files.graph)}`,
      `  journal:  ${shown(files.journal)}`,
      `  prompt:   ${shown(files.prompt)} (the workflow as instructions for another agent)`,
      `registered in ${shown(made.value.index)}`,
      `next: codex-orchestrator migrate run --workspace ${shown(files.dir)}`,
    ].join('\n'),
  );
  return Exit.ok;
}

/**
 * The run settings the migration's manifest gives its workspaces (none without a manifest), or
 * undefined after saying why a manifest that is there cannot be used (its problems at
 * `file:line:col`).
 */
export async function manifestRunSettings(projectRoot: string, cwd: string, out: Output): Promise<WorkspaceRunSettings | undefined> {
  const loaded = await loadMigrateManifest(migrateFiles(projectRoot).manifest);
  if (loaded.ok) return runSettingsOf(loaded.value);
  if (loaded.error.reason === 'not-found') return runSettingsOf(undefined);
  out.info(`${renderSetupFailure(loaded.error, cwd)}\n  hint: fix the manifest (check it with: codex-orchestrator migrate setup --check); its MCP servers and secrets go into the workspace's runs`);
  return undefined;
}

/** The report `--from-assessment` names: a markdown report as it is, a `--json` document rendered as one. */
async function readAssessment(given: string, cwd: string): Promise<{ file: string; text: string }> {
  const file = path.resolve(cwd, given);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(
      code === 'ENOENT' ? `--from-assessment: ${given} does not exist` : `--from-assessment: cannot read ${given} (${code ?? (e as Error).message})`,
      'name a report written by: codex-orchestrator migrate assess --output FILE',
    );
  }
  if (text.trimStart().startsWith('{')) {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      throw new UsageError(`--from-assessment: ${given} is neither an assessment report nor valid JSON`, 'name the markdown report of migrate assess, or its --json output');
    }
    if ((doc as { schema?: unknown }).schema !== ASSESS_SCHEMA) {
      throw new UsageError(`--from-assessment: ${given} is JSON but not a migrate assess document (schema ${ASSESS_SCHEMA})`, 'name the markdown report of migrate assess, or its --json output');
    }
    return { file: given, text: renderReport(doc as AssessDocument) };
  }
  if (!/^# Migration assessment: /m.test(text)) {
    throw new UsageError(
      `--from-assessment: ${given} is not a migrate assess report (it has no "# Migration assessment:" heading)`,
      'write one with: codex-orchestrator migrate assess --path DIR --output FILE',
    );
  }
  return { file: given, text };
}

/** The message for a workspace that could not be made or found, with what to do. */
export function renderWorkspaceFailure(f: CreateFailure | FindFailure, cwd: string): string {
  const shown = (file: string): string => displayPath(file, cwd);
  switch (f.reason) {
    case 'exists':
      return `error: the workspace ${shown(f.dir)}/ exists already\n  hint: continue it with: codex-orchestrator migrate run --workspace ${shown(f.dir)}; or plan with another description`;
    case 'invalid':
      return renderIndexFailure(f, cwd);
    case 'unwritable':
      return `error: cannot write ${shown(f.file)} (${f.message})\n  hint: check the folder's permissions and free space; nothing was registered`;
    case 'none':
      return `error: no migration workspace yet (${shown(f.index)} lists none)\n  hint: make one with: codex-orchestrator migrate plan "<description>"`;
    case 'unknown':
      return `error: --workspace: ${f.given} is not a migration workspace of this project\n  hint: ${f.known.length > 0 ? `its workspaces are: ${f.known.join(', ')}` : 'make one with: codex-orchestrator migrate plan "<description>"'}`;
    default:
      return assertNever(f);
  }
}

export function renderIndexFailure(f: IndexReadFailure, cwd: string): string {
  return renderDiagnostics(f.diagnostics, new Map([[f.file, f.source]]), { cwd });
}
