import { existsSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { err, ok, type Result } from '../core/result.js';
import { MIN_SECRET_LENGTH, type SecretValue } from '../store/secrets/sources.js';

/**
 * The user's own Codex sign-in (`codex login`, with ChatGPT or an API key): `auth.json` in their
 * CODEX_HOME (`$CODEX_HOME`, else `~/.codex`), and the model and provider their `config.toml`
 * chose. A `codex-login` run copies `auth.json` into its private CODEX_HOME (mode 0600, removed
 * when the session ends) and takes only those settings from the user's config: their MCP servers,
 * profiles and the rest stay theirs. Every credential in the file is a secret of the run.
 */

export interface CodexLogin {
  /** The user's `auth.json`. */
  readonly authFile: string;
  readonly authText: string;
  /** `model` of the user's config, when it sets one (else Codex's default). */
  readonly model: string | undefined;
  /** `model_provider` of the user's config, when it sets one. */
  readonly provider: string | undefined;
  /** The user's `[model_providers.<provider>]` table, as written, when the config has one. */
  readonly providerTable: readonly string[];
  /** Every credential in `auth.json`, named `codex-login.<key>`, for the run's redactor. */
  readonly secrets: readonly SecretValue[];
}

/** The user's CODEX_HOME: `$CODEX_HOME`, else `~/.codex`. */
export function userCodexHome(env: NodeJS.ProcessEnv): string {
  const set = env['CODEX_HOME'];
  return set ? path.resolve(set) : path.join(env['HOME'] || os.homedir(), '.codex');
}

/** The user's `auth.json`, if there is one. */
export function codexLoginFile(env: NodeJS.ProcessEnv): string | undefined {
  const file = path.join(userCodexHome(env), 'auth.json');
  try {
    return statSync(file).isFile() ? file : undefined;
  } catch {
    return undefined;
  }
}

/** Reads the user's sign-in; the message says what is wrong with it (for `error: …`). */
export function readCodexLogin(env: NodeJS.ProcessEnv): Result<CodexLogin, string> {
  const authFile = codexLoginFile(env);
  if (!authFile) return err(`no Codex sign-in at ${path.join(userCodexHome(env), 'auth.json')}: sign in with \`codex login\` (or point CODEX_HOME at the folder that has it)`);
  let authText: string;
  let auth: unknown;
  try {
    authText = readFileSync(authFile, 'utf8');
    auth = JSON.parse(authText);
  } catch (e) {
    return err(`cannot read the Codex sign-in ${authFile}: ${e instanceof SyntaxError ? 'it is not JSON' : (e as Error).message}; sign in again with \`codex login\``);
  }
  const secrets = credentialsOf(auth);
  if (secrets.length === 0) return err(`the Codex sign-in ${authFile} holds no credential: sign in again with \`codex login\``);
  const configFile = path.join(path.dirname(authFile), 'config.toml');
  const config = existsSync(configFile) ? modelSettings(readFileSync(configFile, 'utf8')) : { model: undefined, provider: undefined, providerTable: [] };
  return ok({ authFile, authText, ...config, secrets });
}

/** Every string of `auth.json` long enough to be a credential (tokens, the API key, the account id). */
function credentialsOf(auth: unknown): SecretValue[] {
  const out: SecretValue[] = [];
  const seen = new Set<string>();
  const visit = (value: unknown, name: string): void => {
    if (typeof value === 'string') {
      if (value.length >= MIN_SECRET_LENGTH && !seen.has(value) && !name.endsWith('last_refresh')) {
        seen.add(value);
        out.push({ name, value });
      }
    } else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) visit(v, `${name}.${k}`);
    }
  };
  visit(auth, 'codex-login');
  return out;
}

/**
 * `model`, `model_provider` and the chosen provider's table of a Codex `config.toml`. Only the
 * top-level keys (before the first table) and that one table are read, line by line; a value the
 * reader does not understand is left to Codex's default.
 */
export function modelSettings(toml: string): { model: string | undefined; provider: string | undefined; providerTable: string[] } {
  const lines = toml.split(/\r?\n/);
  const top: Record<string, string> = {};
  const tables = new Map<string, string[]>();
  let table: string[] | undefined;
  for (const line of lines) {
    const header = /^\s*\[\s*([^\]]+?)\s*\]\s*(?:#.*)?$/.exec(line);
    if (header) {
      table = [line];
      tables.set((header[1] as string).replace(/\s*\.\s*/g, '.').replace(/"/g, ''), table);
      continue;
    }
    if (table) {
      table.push(line);
      continue;
    }
    const kv = /^\s*([A-Za-z0-9_-]+)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(?:#.*)?$/.exec(line);
    if (kv) top[kv[1] as string] = kv[2] as string;
  }
  const provider = top['model_provider'];
  const providerTable = provider ? (tables.get(`model_providers.${provider}`) ?? []) : [];
  while (providerTable.length > 0 && (providerTable.at(-1) as string).trim() === '') providerTable.pop();
  return { model: top['model'], provider, providerTable };
}
