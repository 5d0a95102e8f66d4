import path from 'node:path';
import { SEAL_FILE } from '../../review/run-files.js';
import { projectKeys, renderSealFailure, short, verifySeal } from '../../review/seal.js';
import { Exit, type Output } from '../output.js';
import { namedRun } from '../named-run.js';

export const VERIFY_SCHEMA = 'codex-orchestrator/verify@1';

export interface VerifyOptions {
  readonly runsDir: string;
  readonly target: string;
  readonly json: boolean;
}

/** `verify <run-id> [--json]`: 0 when the run folder matches its seal, 1 when not (or unsealed), 2 for a bad run id. */
export async function verifyCommand(o: VerifyOptions, out: Output): Promise<number> {
  const run = await namedRun(o.runsDir, o.target, out);
  if (!run) return Exit.usage;
  const { id, runDir } = run;
  const result = await verifySeal(runDir, projectKeys(o.runsDir));
  const text = result.ok
    ? `run ${id}: intact, ${result.value.subjects.size} files match the seal signed ${result.value.predicate.sealedAt} (key ${short(result.value.keyid)})`
    : renderSealFailure(result.error, id);
  if (o.json) {
    const f = result.ok ? undefined : result.error;
    const seal = result.ok ? result.value : f?.reason === 'tampered' ? f.seal : undefined;
    const list = (key: 'changed' | 'deleted' | 'added' | 'symlinks' | 'irregular'): readonly string[] => (f?.reason === 'tampered' ? f[key] : []);
    out.data(
      JSON.stringify(
        {
          schema: VERIFY_SCHEMA,
          runId: id,
          runDir,
          status: f ? f.reason : 'intact',
          intact: result.ok,
          seal: path.join(runDir, SEAL_FILE),
          sealedAt: seal?.predicate.sealedAt ?? null,
          event: seal?.predicate.event ?? null,
          keyid: seal?.keyid ?? null,
          files: seal ? seal.subjects.size : null,
          changed: list('changed'),
          deleted: list('deleted'),
          added: list('added'),
          symlinks: list('symlinks'),
          irregular: list('irregular'),
          message: text,
        },
        null,
        2,
      ),
    );
    out.info(text);
  } else {
    out.data(text);
  }
  return result.ok ? Exit.ok : Exit.failed;
}
