import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { err, ok, type Result } from '../core/result.js';

/**
 * The project's Ed25519 signing key for run seals, kept outside `.runs/` (see `keysDirFor`):
 *
 *   <keys>/seal-ed25519.key   private key, PKCS#8 PEM, mode 0600 (created on first use)
 *   <keys>/seal-ed25519.pub   public key, SPKI PEM: enough to verify seals elsewhere
 *   <keys>/.gitignore         `*`, so the folder is never committed, whatever the project ignores
 *
 * Whoever can read the private key can forge a seal; the seal proves that nothing changed since
 * someone with this key sealed the run, not who that was.
 */

export const PRIVATE_KEY_FILE = 'seal-ed25519.key';
export const PUBLIC_KEY_FILE = 'seal-ed25519.pub';

/** A key that can sign. */
export interface SigningKey {
  readonly keyid: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

/** A key that can verify. */
export interface VerifyKey {
  readonly keyid: string;
  readonly publicKey: KeyObject;
}

/** Why the project's key could not be used. */
export type KeyFailure =
  /** Nothing to verify with: neither key file exists. */
  | { readonly reason: 'no-key'; readonly dir: string }
  /** A key file exists but cannot be read or is not an Ed25519 key. */
  | { readonly reason: 'key-unreadable'; readonly file: string; readonly message: string };

/** The key id: sha256 (hex) of the public key's DER (SPKI) encoding. */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

/** The signing key in `dir`, created (with the folder, 0700, and the key, 0600) when there is none yet. */
export async function loadOrCreateSigningKey(dir: string): Promise<Result<SigningKey, KeyFailure>> {
  const file = path.join(dir, PRIVATE_KEY_FILE);
  const existing = await readPrivateKey(file);
  if (existing.ok || existing.error.reason !== 'no-key') return existing;
  if (existsSync(path.join(dir, PUBLIC_KEY_FILE))) {
    // A new key would make every seal checked with this public key fail: refuse instead.
    return err({ reason: 'key-unreadable', file, message: `it is missing, and ${PUBLIC_KEY_FILE} beside it says seals here are checked with an existing key; restore that key to seal` });
  }
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await writeFile(path.join(dir, '.gitignore'), '*\n', { flag: 'w' });
    const { privateKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' });
    // Written aside, then linked into place: two runs ending at once agree on one key, and nobody
    // reads a half-written one.
    const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
    await writeFile(temp, pem, { mode: 0o600, flag: 'wx' });
    try {
      await link(temp, file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    } finally {
      await rm(temp, { force: true });
    }
  } catch (e) {
    return err({ reason: 'key-unreadable', file, message: `cannot create it: ${(e as Error).message}` });
  }
  const key = await readPrivateKey(file);
  if (key.ok) await writeFile(path.join(dir, PUBLIC_KEY_FILE), key.value.publicKey.export({ type: 'spki', format: 'pem' })).catch(() => undefined);
  return key;
}

/** The key to verify with: derived from the private key when present, else the public key file. */
export async function loadVerifyKey(dir: string): Promise<Result<VerifyKey, KeyFailure>> {
  const signing = await readPrivateKey(path.join(dir, PRIVATE_KEY_FILE));
  if (signing.ok) return ok({ keyid: signing.value.keyid, publicKey: signing.value.publicKey });
  if (signing.error.reason !== 'no-key') return signing;
  const file = path.join(dir, PUBLIC_KEY_FILE);
  const text = await readKeyText(file, dir);
  if (!text.ok) return text;
  try {
    const publicKey = createPublicKey(text.value);
    if (publicKey.asymmetricKeyType !== 'ed25519') return err({ reason: 'key-unreadable', file, message: `it is a ${publicKey.asymmetricKeyType ?? 'unknown'} key, not Ed25519` });
    return ok({ keyid: keyIdOf(publicKey), publicKey });
  } catch (e) {
    return err({ reason: 'key-unreadable', file, message: (e as Error).message });
  }
}

async function readPrivateKey(file: string): Promise<Result<SigningKey, KeyFailure>> {
  const text = await readKeyText(file, path.dirname(file));
  if (!text.ok) return text;
  try {
    const privateKey = createPrivateKey(text.value);
    if (privateKey.asymmetricKeyType !== 'ed25519') return err({ reason: 'key-unreadable', file, message: `it is a ${privateKey.asymmetricKeyType ?? 'unknown'} key, not Ed25519` });
    const publicKey = createPublicKey(privateKey);
    return ok({ keyid: keyIdOf(publicKey), privateKey, publicKey });
  } catch (e) {
    return err({ reason: 'key-unreadable', file, message: (e as Error).message });
  }
}

async function readKeyText(file: string, dir: string): Promise<Result<string, KeyFailure>> {
  try {
    return ok(await readFile(file, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return err({ reason: 'no-key', dir });
    return err({ reason: 'key-unreadable', file, message: (e as Error).message });
  }
}

export function renderKeyFailure(f: KeyFailure): string {
  switch (f.reason) {
    case 'no-key':
      return `no signing key in ${f.dir}\n  hint: seals are checked with the key of the project that made them; copy its ${PUBLIC_KEY_FILE} there, or set CODEX_ORCHESTRATOR_KEYS_DIR`;
    case 'key-unreadable':
      return `cannot use the signing key ${f.file}: ${f.message}\n  hint: restore the key file, or move it away to have a new key made (earlier seals then no longer verify)`;
  }
}
