import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { orchestratorVersion } from '../core/package-info.js';
import { err, ok, type Result } from '../core/result.js';
import { writeRunFileAtomic } from '../store/run-files.js';
import { Envelope, openEnvelope, signEnvelope } from './dsse.js';
import { loadOrCreateSigningKey, loadVerifyKey, renderKeyFailure, type KeyFailure } from './keys.js';
import { keysDirFor, projectRootOf } from './project.js';
import { byPath, listRunFiles, SEAL_FILE } from './run-files.js';

/**
 * Tamper evidence for a run folder. When a run ends, and after every review decision, the run is
 * sealed: an in-toto Statement (v1) lists every file of the run folder (see `run-files.ts`) with
 * its sha256, and is signed with the project's Ed25519 key in a DSSE envelope written to
 * `<run>/seal.dsse.json`. `verifySeal` checks the signature and names every file changed,
 * deleted or added since.
 */

export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
export const SEAL_PREDICATE_TYPE = 'https://codex-orchestrator.dev/seal/v1';
export const PAYLOAD_TYPE = 'application/vnd.in-toto+json';

/** What made the seal: the end of the run, or a reviewer's decision on a task. */
export const SealEvent = z.enum(['run-finished', 'approved', 'rejected', 'operator-marked']);
export type SealEvent = z.infer<typeof SealEvent>;

export const SealPredicate = z
  .object({
    runId: z.string(),
    sealedAt: z.string(),
    event: SealEvent,
    /** The task decided on, for `approved` and `rejected`. */
    taskId: z.string().optional(),
    /** The orchestrator version that sealed. */
    orchestrator: z.string(),
  })
  .loose();
export type SealPredicate = z.infer<typeof SealPredicate>;

export const Statement = z.object({
  _type: z.literal(STATEMENT_TYPE),
  subject: z.array(z.object({ name: z.string(), digest: z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/) }).loose() })),
  predicateType: z.literal(SEAL_PREDICATE_TYPE),
  predicate: SealPredicate,
});
export type Statement = z.infer<typeof Statement>;

/** Where a project's signing key is kept. */
export interface KeyStore {
  readonly dir: string;
}

/** The key store of the project a runs folder belongs to. */
export function projectKeys(runsDir: string, env: NodeJS.ProcessEnv = process.env): KeyStore {
  return { dir: keysDirFor(projectRootOf(runsDir), env) };
}

/** A seal that verified. */
export interface SealInfo {
  readonly file: string;
  readonly keyid: string;
  readonly predicate: SealPredicate;
  /** Run-relative path → sha256, as sealed (and, after a verify, as found). */
  readonly subjects: ReadonlyMap<string, string>;
}

/** Why a run could not be sealed. */
export type SealWriteFailure =
  /** The project's key cannot be read or made. */
  | { readonly reason: 'key-unusable'; readonly key: KeyFailure }
  /** Reading the run's files or writing the envelope failed. */
  | { readonly reason: 'write-failed'; readonly runDir: string; readonly message: string };

/** Signs the run folder as it is now. The caller holds the run (run lock, or it is the run). */
export async function sealRun(
  runDir: string,
  keys: KeyStore,
  event: { readonly event: SealEvent; readonly taskId?: string } = { event: 'run-finished' },
  now: Date = new Date(),
): Promise<Result<SealInfo, SealWriteFailure>> {
  const key = await loadOrCreateSigningKey(keys.dir);
  if (!key.ok) return err({ reason: 'key-unusable', key: key.error });
  try {
    const { digests } = await listRunFiles(runDir);
    const predicate: SealPredicate = {
      runId: path.basename(runDir),
      sealedAt: now.toISOString(),
      event: event.event,
      ...(event.taskId !== undefined ? { taskId: event.taskId } : {}),
      orchestrator: orchestratorVersion(),
    };
    const statement: Statement = {
      _type: STATEMENT_TYPE,
      subject: [...digests].map(([name, sha256]) => ({ name, digest: { sha256 } })),
      predicateType: SEAL_PREDICATE_TYPE,
      predicate,
    };
    const file = path.join(runDir, SEAL_FILE);
    // Through the store: never through a planted link, and known as the run's own file.
    await writeRunFileAtomic(runDir, file, `${JSON.stringify(signEnvelope(PAYLOAD_TYPE, Buffer.from(JSON.stringify(statement), 'utf8'), key.value), null, 2)}\n`);
    return ok({ file, keyid: key.value.keyid, predicate, subjects: digests });
  } catch (e) {
    return err({ reason: 'write-failed', runDir, message: (e as Error).message });
  }
}

/** Why a run's seal does not hold. */
export type SealFailure =
  /** No `seal.dsse.json`: the run has not ended (or its process died before it could seal). */
  | { readonly reason: 'unsealed'; readonly file: string }
  /** The envelope or its statement is not what a seal looks like. */
  | { readonly reason: 'seal-unreadable'; readonly file: string; readonly message: string }
  /** The project's key is missing or unusable, so the seal cannot be checked. */
  | { readonly reason: 'key-unusable'; readonly key: KeyFailure }
  /** No signature verifies with the project's key: the seal was forged, altered or made with another key. */
  | { readonly reason: 'bad-signature'; readonly file: string; readonly keyid: string; readonly signedBy: readonly string[] }
  /** The signature holds, but the files are not the ones sealed. */
  | {
      readonly reason: 'tampered';
      readonly seal: SealInfo;
      readonly changed: readonly string[];
      readonly deleted: readonly string[];
      readonly added: readonly string[];
      readonly symlinks: readonly string[];
      readonly irregular: readonly string[];
    };

export async function verifySeal(runDir: string, keys: KeyStore): Promise<Result<SealInfo, SealFailure>> {
  const file = path.join(runDir, SEAL_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return err({ reason: 'unsealed', file });
    return err({ reason: 'seal-unreadable', file, message: (e as Error).message });
  }
  let envelope: Envelope;
  try {
    const parsed = Envelope.safeParse(JSON.parse(text));
    if (!parsed.success) return err({ reason: 'seal-unreadable', file, message: 'it is not a DSSE envelope' });
    envelope = parsed.data;
  } catch (e) {
    return err({ reason: 'seal-unreadable', file, message: `not valid JSON: ${(e as Error).message}` });
  }
  const key = await loadVerifyKey(keys.dir);
  if (!key.ok) return err({ reason: 'key-unusable', key: key.error });
  const body = openEnvelope(envelope, key.value);
  if (body === undefined) return err({ reason: 'bad-signature', file, keyid: key.value.keyid, signedBy: envelope.signatures.map((s) => s.keyid) });
  if (envelope.payloadType !== PAYLOAD_TYPE) return err({ reason: 'seal-unreadable', file, message: `payload type is ${envelope.payloadType}, not ${PAYLOAD_TYPE}` });
  let statement: Statement;
  try {
    const parsed = Statement.safeParse(JSON.parse(body.toString('utf8')));
    if (!parsed.success) return err({ reason: 'seal-unreadable', file, message: 'the signed statement is not an in-toto v1 run seal' });
    statement = parsed.data;
  } catch {
    return err({ reason: 'seal-unreadable', file, message: 'the signed statement is not JSON' });
  }
  if (statement.predicate.runId !== path.basename(runDir)) {
    return err({ reason: 'seal-unreadable', file, message: `it seals run ${statement.predicate.runId}, not ${path.basename(runDir)}` });
  }
  const sealed = new Map(statement.subject.map((s) => [s.name, s.digest.sha256]));
  const seal: SealInfo = { file, keyid: key.value.keyid, predicate: statement.predicate, subjects: sealed };
  const found = await listRunFiles(runDir);
  const changed: string[] = [];
  const deleted: string[] = [];
  for (const [name, sha256] of sealed) {
    const now = found.digests.get(name);
    if (now === undefined) deleted.push(name);
    else if (now !== sha256) changed.push(name);
  }
  const added = [...found.digests.keys()].filter((name) => !sealed.has(name));
  const symlinks = found.irregular.filter((i) => i.kind === 'symlink').map((i) => i.path);
  const irregular = found.irregular.filter((i) => i.kind === 'other').map((i) => i.path);
  // A sealed file replaced by a symlink is reported as a symlink, not also as deleted.
  const deletedFiles = deleted.filter((name) => !symlinks.includes(name) && !irregular.includes(name));
  if (changed.length + deletedFiles.length + added.length + symlinks.length + irregular.length > 0) {
    const sort = (xs: string[]): string[] => xs.sort(byPath);
    return err({ reason: 'tampered', seal, changed: sort(changed), deleted: sort(deletedFiles), added: sort(added), symlinks, irregular });
  }
  return ok(seal);
}

/** One line per problem, no trailing newline. `run` names the run for people. */
export function renderSealFailure(f: SealFailure, run: string): string {
  switch (f.reason) {
    case 'unsealed':
      return `run ${run} is not sealed: ${SEAL_FILE} is missing\n  hint: a run is sealed when it ends; one still running, or whose process died, has no seal`;
    case 'seal-unreadable':
      return `run ${run}: cannot read its seal ${f.file}: ${f.message}`;
    case 'key-unusable':
      return `run ${run}: cannot check its seal: ${renderKeyFailure(f.key)}`;
    case 'bad-signature':
      return `run ${run}: the seal's signature does not verify with this project's key ${short(f.keyid)} (signed as ${f.signedBy.map(short).join(', ')}): the seal was altered or made elsewhere`;
    case 'tampered': {
      const lines = [`run ${run} was changed after it was sealed (${f.seal.predicate.sealedAt}):`];
      for (const file of f.changed) lines.push(`  changed: ${file}`);
      for (const file of f.deleted) lines.push(`  deleted: ${file}`);
      for (const file of f.added) lines.push(`  added:   ${file}`);
      for (const file of f.symlinks) lines.push(`  symlink: ${file} (a run folder holds no symlinks)`);
      for (const file of f.irregular) lines.push(`  not a regular file: ${file}`);
      return lines.join('\n');
    }
  }
}

/** The same in one line, for reports that give each problem one line. */
export function summarizeSealFailure(f: SealFailure): string {
  switch (f.reason) {
    case 'unsealed':
      return 'the run is not sealed';
    case 'seal-unreadable':
      return `its seal cannot be read (${f.message})`;
    case 'key-unusable':
      return f.key.reason === 'no-key' ? `its seal cannot be checked: no signing key in ${f.key.dir}` : `its seal cannot be checked: ${f.key.message}`;
    case 'bad-signature':
      return "its seal's signature does not verify";
    case 'tampered': {
      const parts = [
        ['changed', f.changed],
        ['deleted', f.deleted],
        ['added', f.added],
        ['symlink', f.symlinks],
        ['not a regular file', f.irregular],
      ] as const;
      const named = parts.filter(([, files]) => files.length > 0).map(([what, files]) => `${what}: ${files.join(', ')}`);
      return `its files no longer match the seal (${named.join('; ')})`;
    }
  }
}

export function renderSealWriteFailure(f: SealWriteFailure, run: string): string {
  switch (f.reason) {
    case 'key-unusable':
      return `run ${run} was not sealed: ${renderKeyFailure(f.key)}`;
    case 'write-failed':
      return `run ${run} was not sealed: ${f.message}`;
  }
}

/** The first 16 hex digits of a key id, as shown to people. */
export function short(keyid: string): string {
  return keyid.slice(0, 16);
}
