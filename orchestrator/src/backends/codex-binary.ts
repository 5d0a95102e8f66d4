import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';

/**
 * Finds the Codex CLI that ships with this package (`@openai/codex`, pinned), or the one
 * `CODEX_ORCHESTRATOR_CODEX` names (a path to another Codex executable, e.g. to try a newer
 * release). We never rely on a global `codex`. The native binary is spawned directly rather than through the npm wrapper
 * script, so signals and process groups reach Codex itself and each spawn saves a Node start-up.
 */

const require = createRequire(import.meta.url);

const TRIPLES: Record<string, { pkg: string; triple: string }> = {
  'linux-x64': { pkg: '@openai/codex-linux-x64', triple: 'x86_64-unknown-linux-musl' },
  'linux-arm64': { pkg: '@openai/codex-linux-arm64', triple: 'aarch64-unknown-linux-musl' },
  'darwin-x64': { pkg: '@openai/codex-darwin-x64', triple: 'x86_64-apple-darwin' },
  'darwin-arm64': { pkg: '@openai/codex-darwin-arm64', triple: 'aarch64-apple-darwin' },
};

export interface CodexBinary {
  /** Executable to spawn. */
  readonly command: string;
  /** Arguments that come before Codex's own (the wrapper script when there is no native binary). */
  readonly prefixArgs: readonly string[];
  /** Environment Codex's npm wrapper would set; merged into every spawn. */
  readonly env: Readonly<Record<string, string>>;
  /** The version of the platform package the native binary comes in (e.g. `0.153.4`), when known. */
  readonly version?: string;
}

let cached: CodexBinary | undefined;

/** The environment variable that points the orchestrator at another Codex executable. */
export const CODEX_OVERRIDE_ENV = 'CODEX_ORCHESTRATOR_CODEX';

export function codexBinary(): CodexBinary {
  if (cached) return cached;
  const override = process.env[CODEX_OVERRIDE_ENV];
  if (override) {
    // Its version is asked (`codexVersion`); it sets up its own PATH helpers.
    cached = { command: path.resolve(override), prefixArgs: [], env: {} };
    return cached;
  }
  const packageJson = require.resolve('@openai/codex/package.json');
  const packageRoot = path.dirname(packageJson);
  const env = { CODEX_MANAGED_PACKAGE_ROOT: packageRoot, CODEX_MANAGED_BY_NPM: '1' };
  const target = TRIPLES[`${process.platform}-${process.arch}`];
  if (target) {
    try {
      const platformJson = require.resolve(`${target.pkg}/package.json`);
      const vendor = path.join(path.dirname(platformJson), 'vendor', target.triple);
      const native = path.join(vendor, 'bin', 'codex');
      if (existsSync(native)) {
        const pathDir = path.join(vendor, 'codex-path');
        const version = platformVersion(platformJson, `${process.platform}-${process.arch}`);
        cached = { command: native, prefixArgs: [], env: { ...env, CODEX_ORCHESTRATOR_CODEX_PATH_DIR: pathDir }, ...(version ? { version } : {}) };
        return cached;
      }
    } catch {
      // Fall through to the wrapper script, which reports a missing platform package clearly.
    }
  }
  cached = { command: process.execPath, prefixArgs: [path.join(packageRoot, 'bin', 'codex.js')], env };
  return cached;
}

/**
 * A platform package is versioned `<codex version>-<platform>` (`0.153.4-linux-x64`); undefined
 * for anything else, and then the binary is asked.
 */
function platformVersion(packageJson: string, platform: string): string | undefined {
  try {
    const { version } = JSON.parse(readFileSync(packageJson, 'utf8')) as { version?: unknown };
    const suffix = `-${platform}`;
    if (typeof version !== 'string' || !version.endsWith(suffix)) return undefined;
    const v = version.slice(0, -suffix.length);
    return /^\d+\.\d+\.\d+\S*$/.test(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The version of the bundled Codex CLI, e.g. `0.153.4`: its platform package's, else what
 * `codex --version` prints (starting that 100+ MB binary costs tens of milliseconds of CPU at the
 * moment the run starts its Codex servers).
 */
export async function codexVersion(): Promise<string> {
  const bin = codexBinary();
  if (bin.version) return bin.version;
  const { stdout } = await promisify(execFile)(bin.command, [...bin.prefixArgs, '--version'], {
    env: { ...process.env, ...bin.env },
    timeout: 15_000,
  });
  const m = /(\d+\.\d+\.\d+\S*)/.exec(stdout);
  return m?.[1] ?? stdout.trim();
}

/** Environment for a Codex child: the caller's, Codex's wrapper variables, and a private CODEX_HOME. */
export function codexEnv(codexHome: string, base: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const bin = codexBinary();
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined) env[k] = v;
  const { CODEX_ORCHESTRATOR_CODEX_PATH_DIR: pathDir, ...rest } = bin.env;
  Object.assign(env, rest, { CODEX_HOME: codexHome });
  // Codex's wrapper puts its bundled ripgrep on PATH; do the same.
  if (pathDir) env['PATH'] = `${pathDir}${path.delimiter}${env['PATH'] ?? ''}`;
  return env;
}

/** The first Codex release without `codex mcp-server` (it points to `codex app-server` instead). */
export const MCP_SERVER_REMOVED_IN = '0.154.0';

/** Whether a Codex of `version` still has `codex mcp-server` (an unreadable version is given the benefit of the doubt). */
export function hasMcpServer(version: string): boolean {
  const parse = (v: string): number[] | undefined => {
    const m = /^(\d+)\.(\d+)\.(\d+)/.exec(v);
    return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
  };
  const have = parse(version);
  const removed = parse(MCP_SERVER_REMOVED_IN) as number[];
  if (!have) return true;
  for (let i = 0; i < 3; i++) {
    if ((have[i] as number) !== (removed[i] as number)) return (have[i] as number) < (removed[i] as number);
  }
  return false;
}
