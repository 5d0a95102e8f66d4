import { createHash, createPublicKey, verify } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pae } from '../../src/review/dsse.js';
import { loadOrCreateSigningKey, loadVerifyKey, renderKeyFailure } from '../../src/review/keys.js';
import { keysDirFor, projectRootOf } from '../../src/review/project.js';
import { projectKeys, renderSealFailure, sealRun, verifySeal } from '../../src/review/seal.js';
import { tempDir, writeFiles } from '../helpers/temp.js';

const RUN_ID = '2026-11-21T10-04-05Z-7f3a';

/** A run folder with the files a finished run has, plus the volatile folders a seal leaves out. */
function runFolder(): { runsDir: string; runDir: string; keys: { dir: string } } {
  const project = tempDir('co-seal-');
  const runsDir = path.join(project, '.runs');
  const runDir = path.join(runsDir, RUN_ID);
  writeFiles(runDir, {
    'manifest.json': '{"runId":"x"}\n',
    'runner.log': 'started\nfinished\n',
    'graph.yaml': 'tasks: []\n',
    'tasks/a/diff.patch': '+alpha\n',
    'tasks/a/log.txt': 'log\n',
    'tasks/a/checks/1.log': 'ok\n',
    'codex-home/config.toml': 'x',
    'run.lock/owner.json': '{}',
    'worktrees/a/file.txt': 'work',
    'inbox/1.json': '{}',
  });
  return { runsDir, runDir, keys: projectKeys(runsDir, {}) };
}

const SEALED = ['graph.yaml', 'manifest.json', 'runner.log', 'tasks/a/checks/1.log', 'tasks/a/diff.patch', 'tasks/a/log.txt'];

describe('sealing a run', () => {
  it('PAE is the DSSE v1 encoding', () => {
    expect(pae('http://example.com/HelloWorld', Buffer.from('hello world')).toString()).toBe('DSSEv1 29 http://example.com/HelloWorld 11 hello world');
    expect(pae('t', Buffer.from('é')).toString()).toBe('DSSEv1 1 t 2 é');
  });

  it('writes a DSSE envelope over an in-toto statement of every run file, signed with a new 0600 project key', async () => {
    const { runsDir, runDir, keys } = runFolder();
    expect(keys.dir).toBe(path.join(path.dirname(runsDir), '.codex-orchestrator', 'keys'));
    const sealed = await sealRun(runDir, keys, { event: 'run-finished' }, new Date('2026-11-21T10:05:00.000Z'));
    if (!sealed.ok) throw new Error(renderKeyFailure(sealed.error.reason === 'key-unusable' ? sealed.error.key : { reason: 'no-key', dir: '' }));

    expect(statSync(path.join(keys.dir, 'seal-ed25519.key')).mode & 0o777).toBe(0o600);
    expect(statSync(keys.dir).mode & 0o777).toBe(0o700);
    expect(readFileSync(path.join(keys.dir, '.gitignore'), 'utf8')).toBe('*\n');

    const envelope = JSON.parse(readFileSync(path.join(runDir, 'seal.dsse.json'), 'utf8'));
    expect(Object.keys(envelope)).toEqual(['payload', 'payloadType', 'signatures']);
    expect(envelope.payloadType).toBe('application/vnd.in-toto+json');
    expect(envelope.signatures).toEqual([{ keyid: sealed.value.keyid, sig: expect.stringMatching(/^[A-Za-z0-9+/]+=*$/) }]);
    const body = Buffer.from(envelope.payload, 'base64');
    const statement = JSON.parse(body.toString());
    expect(statement._type).toBe('https://in-toto.io/Statement/v1');
    expect(statement.predicateType).toBe('https://codex-orchestrator.dev/seal/v1');
    expect(statement.predicate).toEqual({ runId: RUN_ID, sealedAt: '2026-11-21T10:05:00.000Z', event: 'run-finished', orchestrator: expect.any(String) });
    expect(statement.subject.map((s: { name: string }) => s.name)).toEqual(SEALED);
    expect(statement.subject[4]).toEqual({ name: 'tasks/a/diff.patch', digest: { sha256: createHash('sha256').update('+alpha\n').digest('hex') } });

    // Anyone with the public key file can check the signature with plain node:crypto.
    const publicKey = createPublicKey(readFileSync(path.join(keys.dir, 'seal-ed25519.pub')));
    const message = Buffer.from(`DSSEv1 ${envelope.payloadType.length} ${envelope.payloadType} ${body.length} ${body.toString('latin1')}`, 'latin1');
    expect(verify(null, message, publicKey, Buffer.from(envelope.signatures[0].sig, 'base64'))).toBe(true);

    const checked = await verifySeal(runDir, keys);
    expect(checked.ok && [...checked.value.subjects.keys()]).toEqual(SEALED);
  });

  it('the volatile folders may change after sealing; the run files may not', async () => {
    const { runDir, keys } = runFolder();
    await sealRun(runDir, keys);
    writeFiles(runDir, { 'codex-home/new.txt': 'x', 'run.lock/owner.json': '{"pid":1}', 'worktrees/b/x': 'y', 'inbox/2.json': '{}' });
    rmSync(path.join(runDir, 'worktrees'), { recursive: true });
    expect((await verifySeal(runDir, keys)).ok).toBe(true);
  });

  it('names every changed, deleted and added file and every symlink', async () => {
    const { runDir, keys } = runFolder();
    await sealRun(runDir, keys, { event: 'run-finished' }, new Date('2026-11-21T10:05:00.000Z'));
    const diff = path.join(runDir, 'tasks/a/diff.patch');
    const bytes = readFileSync(diff);
    bytes[0] = bytes[0]! ^ 1;
    writeFileSync(diff, bytes);
    rmSync(path.join(runDir, 'tasks/a/log.txt'));
    writeFiles(runDir, { 'tasks/a/extra.txt': 'new', 'notes.md': 'x' });
    appendFileSync(path.join(runDir, 'manifest.json'), ' ');
    rmSync(path.join(runDir, 'runner.log'));
    symlinkSync('/etc/hostname', path.join(runDir, 'runner.log'));
    symlinkSync('..', path.join(runDir, 'tasks/up'));
    const checked = await verifySeal(runDir, keys);
    if (checked.ok) throw new Error('tampering went unnoticed');
    expect(renderSealFailure(checked.error, RUN_ID)).toBe(
      [
        `run ${RUN_ID} was changed after it was sealed (2026-11-21T10:05:00.000Z):`,
        '  changed: manifest.json',
        '  changed: tasks/a/diff.patch',
        '  deleted: tasks/a/log.txt',
        '  added:   notes.md',
        '  added:   tasks/a/extra.txt',
        '  symlink: runner.log (a run folder holds no symlinks)',
        '  symlink: tasks/up (a run folder holds no symlinks)',
      ].join('\n'),
    );
  });

  it('an unsealed run, a missing key and a seal made with another key are told apart', async () => {
    const { runsDir, runDir, keys } = runFolder();
    const unsealed = await verifySeal(runDir, keys);
    expect(!unsealed.ok && renderSealFailure(unsealed.error, RUN_ID)).toBe(
      `run ${RUN_ID} is not sealed: seal.dsse.json is missing\n  hint: a run is sealed when it ends; one still running, or whose process died, has no seal`,
    );
    const other = { dir: tempDir('co-other-key-') };
    await sealRun(runDir, other);
    const noKey = await verifySeal(runDir, keys);
    expect(!noKey.ok && noKey.error.reason).toBe('key-unusable');
    expect(!noKey.ok && renderSealFailure(noKey.error, RUN_ID)).toBe(
      `run ${RUN_ID}: cannot check its seal: no signing key in ${keys.dir}\n  hint: seals are checked with the key of the project that made them; copy its seal-ed25519.pub there, or set CODEX_ORCHESTRATOR_KEYS_DIR`,
    );
    await loadOrCreateSigningKey(keys.dir);
    const forged = await verifySeal(runDir, keys);
    expect(!forged.ok && forged.error.reason).toBe('bad-signature');
    expect(!forged.ok && renderSealFailure(forged.error, RUN_ID)).toMatch(
      new RegExp(`^run ${RUN_ID}: the seal's signature does not verify with this project's key [0-9a-f]{16} \\(signed as [0-9a-f]{16}\\): the seal was altered or made elsewhere$`),
    );
    expect(projectRootOf(runsDir)).toBe(path.dirname(runsDir));
  });

  it('a statement edited after signing does not verify', async () => {
    const { runDir, keys } = runFolder();
    await sealRun(runDir, keys);
    const file = path.join(runDir, 'seal.dsse.json');
    const envelope = JSON.parse(readFileSync(file, 'utf8'));
    const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString());
    statement.subject = statement.subject.filter((s: { name: string }) => s.name !== 'tasks/a/diff.patch');
    envelope.payload = Buffer.from(JSON.stringify(statement)).toString('base64');
    writeFileSync(file, JSON.stringify(envelope));
    const checked = await verifySeal(runDir, keys);
    expect(!checked.ok && checked.error.reason).toBe('bad-signature');
  });

  it('keeps one key per project: concurrent first uses agree, later seals reuse it, a public key alone verifies but cannot seal', async () => {
    const dir = path.join(tempDir('co-keys-'), 'keys');
    const [a, b] = await Promise.all([loadOrCreateSigningKey(dir), loadOrCreateSigningKey(dir)]);
    expect(a.ok && b.ok && a.value.keyid === b.value.keyid).toBe(true);
    const { runDir } = runFolder();
    const sealed = await sealRun(runDir, { dir });
    expect(sealed.ok && a.ok && sealed.value.keyid === a.value.keyid).toBe(true);

    rmSync(path.join(dir, 'seal-ed25519.key'));
    expect(existsSync(path.join(dir, 'seal-ed25519.pub'))).toBe(true);
    const pubOnly = await loadVerifyKey(dir);
    expect(pubOnly.ok && a.ok && pubOnly.value.keyid === a.value.keyid).toBe(true);
    expect((await verifySeal(runDir, { dir })).ok).toBe(true);
    const refused = await sealRun(runDir, { dir });
    expect(!refused.ok && refused.error.reason).toBe('key-unusable');
  });

  it('CODEX_ORCHESTRATOR_KEYS_DIR overrides the key folder, relative to the project root', () => {
    expect(keysDirFor('/p', { CODEX_ORCHESTRATOR_KEYS_DIR: 'ci/keys' })).toBe('/p/ci/keys');
    expect(keysDirFor('/p', { CODEX_ORCHESTRATOR_KEYS_DIR: '/k' })).toBe('/k');
    expect(keysDirFor('/p', {})).toBe('/p/.codex-orchestrator/keys');
  });

  it('never follows a symlinked folder', async () => {
    const { runDir, keys } = runFolder();
    const outside = tempDir('co-outside-');
    mkdirSync(path.join(outside, 'deep'));
    writeFileSync(path.join(outside, 'deep', 'secret.txt'), 'x');
    symlinkSync(outside, path.join(runDir, 'tasks', 'b'));
    const sealed = await sealRun(runDir, keys);
    expect(sealed.ok && [...sealed.value.subjects.keys()]).toEqual(SEALED);
    const checked = await verifySeal(runDir, keys);
    expect(!checked.ok && checked.error.reason === 'tampered' && checked.error.symlinks).toEqual(['tasks/b']);
  });
});
