import { compileSecretPattern } from '../../core/secret-patterns.js';

/**
 * What counts as a secret in a run: `OPENAI_API_KEY`, every environment variable whose name looks
 * secret, the variables a graph names in `settings.secretEnv`, and the patterns in
 * `settings.secrets`. Values are collected once, when the run starts.
 */

/** A known secret value; `name` is what the redaction says instead (`[REDACTED:<name>]`). */
export interface SecretValue {
  readonly name: string;
  readonly value: string;
}

/** A pattern from the graph; `name` is `secrets#<n>` (1-based, in file order). */
export interface SecretPattern {
  readonly name: string;
  readonly regex: RegExp;
}

export interface SecretSources {
  readonly values: readonly SecretValue[];
  readonly patterns: readonly SecretPattern[];
}

/**
 * Values shorter than this are not treated as secrets: redacting `1` or `true` everywhere would
 * shred the logs and protect nothing.
 */
export const MIN_SECRET_LENGTH = 8;

/** `*_KEY`, `*TOKEN*`, `*SECRET*`, `*PASSWORD*`, `*PASSWD*`, `*PASSPHRASE*`, `*CREDENTIAL*` (any case). */
const SECRET_NAME = /(?:^|_)KEY$|TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE|CREDENTIAL/i;

export function looksSecret(name: string): boolean {
  return SECRET_NAME.test(name);
}

export interface SecretSettings {
  /** Regular expressions from `settings.secrets` (already validated by the graph analyzer). */
  readonly patterns?: readonly string[];
  /** Further variable names from `settings.secretEnv`. */
  readonly envNames?: readonly string[];
}

/** Collects the secrets of a run from its environment and the graph's settings. */
export function collectSecrets(env: NodeJS.ProcessEnv, settings: SecretSettings = {}): SecretSources {
  const named = new Set(settings.envNames ?? []);
  const names = [
    'OPENAI_API_KEY',
    ...Object.keys(env)
      .filter((n) => n !== 'OPENAI_API_KEY')
      .sort(),
  ];
  const values: SecretValue[] = [];
  const seen = new Set<string>();
  for (const name of names) {
    if (name !== 'OPENAI_API_KEY' && !named.has(name) && !looksSecret(name)) continue;
    const value = env[name];
    if (value === undefined || value.length < MIN_SECRET_LENGTH || seen.has(value)) continue;
    seen.add(value);
    values.push({ name, value });
  }
  const patterns = (settings.patterns ?? []).map((source, i): SecretPattern => {
    const compiled = compileSecretPattern(source);
    if (!compiled.ok) throw new Error(`Internal error: unvalidated secret pattern ${JSON.stringify(source)}`);
    return { name: `secrets#${i + 1}`, regex: compiled.value };
  });
  return { values, patterns };
}
