import { renderDiagnostics } from '../../graph/render.js';
import { projectRootOf } from '../../review/project.js';
import { projectKeys } from '../../review/seal.js';
import { renderOffence, specGuard } from '../../review/spec-guard.js';
import { Exit, type Output } from '../output.js';
import { displayPath } from '../runs-dir.js';

export const SPEC_GUARD_SCHEMA = 'codex-orchestrator/spec-guard@1';

export interface SpecGuardCommandOptions {
  readonly runsDir: string;
  readonly json: boolean;
  readonly now?: Date;
}

/**
 * `spec-guard [--json]`: one line per offence on stdout (`file:line: why`, relative to the
 * project root) and exit 1; exit 0 when there is none; exit 2 when `tasks/index.json` is malformed.
 */
export async function specGuardCommand(o: SpecGuardCommandOptions, out: Output): Promise<number> {
  const projectRoot = projectRootOf(o.runsDir);
  const result = await specGuard({ projectRoot, keys: projectKeys(o.runsDir), ...(o.now ? { now: o.now } : {}) });
  if (!result.ok) {
    const f = result.error;
    out.info(f.reason === 'invalid' ? renderDiagnostics(f.diagnostics, new Map([[f.file, f.source]])) : `error: cannot read ${displayPath(f.file)}: ${f.message}`);
    return Exit.usage;
  }
  const r = result.value;
  const lines = r.offences.map(renderOffence);
  if (o.json) {
    out.data(
      JSON.stringify({ schema: SPEC_GUARD_SCHEMA, ok: r.offences.length === 0, projectRoot, offences: r.offences, checklists: r.checklists, tickedItems: r.tickedItems, specs: r.specs }, null, 2),
    );
  } else if (lines.length > 0) {
    out.data(lines.join('\n'));
  }
  const scope = `${r.checklists.length} checklist(s), ${r.tickedItems} ticked item(s), ${r.specs} spec(s)`;
  out.info(r.offences.length === 0 ? `spec-guard: ok (${scope})` : `spec-guard: ${r.offences.length} offence(s) (${scope})`);
  return r.offences.length === 0 ? Exit.ok : Exit.failed;
}
