import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CodexLogin } from './codex-login.js';

/**
 * A private CODEX_HOME per run: Codex writes sessions and state into it, and its `config.toml`
 * points Codex at the model (the offline stand-in or OpenAI). The user's own `~/.codex` is never
 * read or changed.
 *
 * Codex keeps full transcripts there (rollout files: prompts, command output, unredacted), so it
 * is not in `.runs/` (where it is, and why: `engine/session/codex-home-dir.ts`).
 */

export type ModelAccess =
  /** The offline model server on loopback (the default when OPENAI_API_KEY is not set). */
  | { readonly kind: 'offline'; readonly baseUrl: string }
  /** OpenAI's API, with the key taken from OPENAI_API_KEY at request time (never written down). */
  | { readonly kind: 'openai'; readonly model: string }
  /** The user's own Codex sign-in, and the model and provider their Codex config chose (`codex-login.ts`). */
  | { readonly kind: 'codex-login'; readonly login: CodexLogin };

export const OFFLINE_SLUG = 'offline-stand-in';

/** A catalog entry so Codex knows the offline model's slug (and offers it `apply_patch`). */
function offlineCatalog(): unknown {
  return {
    models: [
      {
        slug: OFFLINE_SLUG,
        display_name: 'Offline stand-in',
        description: 'codex-orchestrator offline model server: a deterministic stand-in for demos and tests',
        default_reasoning_level: 'low',
        supported_reasoning_levels: [{ effort: 'low', description: 'The stand-in does not reason' }],
        shell_type: 'unified_exec',
        visibility: 'hide',
        supported_in_api: true,
        priority: 99,
        additional_speed_tiers: [],
        service_tiers: [],
        availability_nux: null,
        upgrade: null,
        include_skills_usage_instructions: false,
        include_plugin_usage_instructions: false,
        include_apps_usage_instructions: false,
        default_reasoning_summary: 'none',
        support_verbosity: false,
        default_verbosity: 'low',
        apply_patch_tool_type: 'freeform',
        web_search_tool_type: 'text',
        truncation_policy: { mode: 'bytes', limit: 10000 },
        supports_image_detail_original: false,
        context_window: 272000,
        max_context_window: 272000,
        effective_context_window_percent: 95,
        experimental_supported_tools: [],
        input_modalities: ['text'],
        supports_search_tool: false,
        use_responses_lite: false,
        node_repl_auto_review_required: false,
        node_repl_disabled: true,
        base_instructions: 'You are a coding agent working in a git worktree prepared for one task. Carry out the task with your tools and end with a short summary.',
      },
    ],
  };
}

function tomlString(s: string): string {
  return JSON.stringify(s);
}

/**
 * The sandbox every turn works in: the task's worktree (Codex's cwd) is the one writable root.
 * Codex's `workspace-write` mode also makes `/tmp` and `$TMPDIR` writable unless told not to,
 * and a project under `/tmp` would then be writable whole (its checkout, `.git/`, `.runs/`).
 * Commands still need a temporary folder (npm, compilers, `mktemp`): they get `TMPDIR` (and
 * `TMP`, `TEMP`) set to the run's own `tmpDir`, the only other writable root. Codex keeps the
 * worktree's git folder (`.git/worktrees/<name>` of the user's repository) read-only itself;
 * the orchestrator, outside the sandbox, makes the task's commit.
 */
function sandboxLines(tmpDir: string): string[] {
  // The same settings a thread or turn gets as overrides for its worktree's own folder.
  const overrides = tmpDirConfig(tmpDir);
  return [
    '[sandbox_workspace_write]',
    `writable_roots = ${tomlValue(overrides[WRITABLE_ROOTS])}`,
    'network_access = false',
    'exclude_slash_tmp = true',
    'exclude_tmpdir_env_var = true',
    '',
    '[shell_environment_policy]',
    `set = ${tomlValue(overrides[SHELL_SET])}`,
    '',
  ];
}

/** Where a run's commands get their temporary folders: beside its CODEX_HOME, never inside it (Codex's config must stay out of the task's reach). */
export function commandTmpDir(codexHome: string): string {
  return `${codexHome}-tmp`;
}

/**
 * The temporary folder of the commands of one worktree's turns, inside the run's: a task's
 * scratch files are out of other tasks' reach. Codex's Linux sandbox also keeps its registry of
 * the mount targets it creates in `$TMPDIR` (`codex-bwrap-synthetic-mount-targets`), and creates
 * such targets in each writable root: with a folder of their own, sandboxes of different tasks
 * share neither (a suspect in a rare `apply_patch` failure, "Failed to create parent
 * directories", at concurrency 8).
 */
export function worktreeTmpDir(codexHome: string, worktree: string): string {
  return path.join(commandTmpDir(codexHome), path.basename(worktree));
}

/** The temporary folder of a turn's commands: the one the request names, else the run's. */
export function turnTmpDir(request: { readonly tmpDir?: string | undefined }, codexHome: string): string {
  return request.tmpDir ?? commandTmpDir(codexHome);
}

/** Config overrides as `codex -c key=value` arguments (values in TOML: strings, arrays, inline tables). */
export function configArgs(config: Record<string, unknown>): string[] {
  return Object.entries(config).flatMap(([key, value]) => ['-c', `${key}=${tomlValue(value)}`]);
}

function tomlValue(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(tomlValue).join(', ')}]`;
  if (value !== null && typeof value === 'object')
    return `{ ${Object.entries(value)
      .map(([k, v]) => `${k} = ${tomlValue(v)}`)
      .join(', ')} }`;
  return JSON.stringify(value);
}

/** A turn's commands' temporary folder as Codex config overrides (`thread/start`'s `config`, `-c`, the MCP tool's `config`). */
export function tmpDirConfig(tmpDir: string): Record<string, string[] | Record<string, string>> {
  return {
    [WRITABLE_ROOTS]: [tmpDir],
    [SHELL_SET]: { TMPDIR: tmpDir, TMP: tmpDir, TEMP: tmpDir },
  };
}

const WRITABLE_ROOTS = 'sandbox_workspace_write.writable_roots';
const SHELL_SET = 'shell_environment_policy.set';

/** An MCP server of the run (the graph's `settings.mcpServers`): `env` names what it gets from Codex's environment. */
export interface McpServerConfig {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env: readonly string[];
}

/**
 * `[mcp_servers.<name>]` tables: the command and its arguments, and the names of the variables
 * passed through from Codex's environment (`env_vars`), so no value is ever written down.
 */
export function mcpServerLines(servers: readonly McpServerConfig[]): string[] {
  return servers.flatMap((m) => [
    `[mcp_servers.${tomlString(m.name)}]`,
    `command = ${tomlString(m.command)}`,
    `args = [${m.args.map(tomlString).join(', ')}]`,
    ...(m.env.length > 0 ? [`env_vars = [${m.env.map(tomlString).join(', ')}]`] : []),
    '',
  ]);
}

/** Writes `config.toml` (and the offline catalog) into `codexHome`. Safe to call again (resume). */
export async function writeCodexHome(codexHome: string, access: ModelAccess, mcpServers: readonly McpServerConfig[] = []): Promise<void> {
  await mkdir(codexHome, { recursive: true });
  const tmpDir = commandTmpDir(codexHome);
  await mkdir(tmpDir, { recursive: true, mode: 0o700 });
  const common = [
    'approval_policy = "never"',
    'sandbox_mode = "workspace-write"',
    'check_for_update_on_startup = false',
    // A login shell would read the machine's profile scripts on every command: slower and noisier.
    'allow_login_shell = false',
    '',
    '[analytics]',
    'enabled = false',
    '',
    '[feedback]',
    'enabled = false',
    '',
    // The shell snapshot runs a login shell per session; its profile scripts can leave processes behind.
    '[features]',
    'shell_snapshot = false',
    // Codex 0.171 syncs a plugin marketplace from GitHub at start-up: a run reaches only its model.
    'plugins = false',
    '',
    // Codex's own subagents work in their parent's cwd: they would share the task's worktree.
    '[agents]',
    'enabled = false',
    '',
    ...sandboxLines(tmpDir),
  ];
  let lines: string[];
  if (access.kind === 'offline') {
    const catalog = path.join(codexHome, 'offline-model-catalog.json');
    await writeFile(catalog, `${JSON.stringify(offlineCatalog(), null, 2)}\n`);
    lines = [
      '# Written by codex-orchestrator for one run. The model is the offline stand-in on loopback.',
      `model = ${tomlString(OFFLINE_SLUG)}`,
      `model_catalog_json = ${tomlString(catalog)}`,
      'model_provider = "offline"',
      ...common,
      '[model_providers.offline]',
      'name = "codex-orchestrator offline model (stand-in)"',
      `base_url = ${tomlString(access.baseUrl)}`,
      'wire_api = "responses"',
      'supports_websockets = false',
      'request_max_retries = 0',
      'stream_max_retries = 0',
      '',
    ];
  } else if (access.kind === 'codex-login') {
    const { login } = access;
    await writeLoginCopy(codexHome, login.authText);
    lines = [
      `# Written by codex-orchestrator for one run. Codex signs in as the user (a copy of ${login.authFile}, removed when the run's session ends).`,
      ...(login.model ? [`model = ${tomlString(login.model)}`] : []),
      ...(login.provider ? [`model_provider = ${tomlString(login.provider)}`] : []),
      'cli_auth_credentials_store = "file"',
      ...common,
      ...(login.providerTable.length > 0 ? [...login.providerTable, ''] : []),
    ];
  } else {
    lines = [
      '# Written by codex-orchestrator for one run. The key is read from OPENAI_API_KEY at request time.',
      `model = ${tomlString(access.model)}`,
      'model_provider = "openai-env"',
      ...common,
      '[model_providers.openai-env]',
      'name = "OpenAI (OPENAI_API_KEY)"',
      'base_url = "https://api.openai.com/v1"',
      'env_key = "OPENAI_API_KEY"',
      'wire_api = "responses"',
      '',
    ];
  }
  await writeFile(path.join(codexHome, 'config.toml'), [...lines, ...mcpServerLines(mcpServers)].join('\n'));
}

/** The run's copy of the user's `auth.json`: readable by the user alone, and only while the session lasts. */
async function writeLoginCopy(codexHome: string, text: string): Promise<void> {
  const file = path.join(codexHome, 'auth.json');
  await rm(file, { force: true });
  await writeFile(file, text, { mode: 0o600, flag: 'wx' });
  await chmod(file, 0o600);
}

/** Removes the run's copy of the user's sign-in (a no-op when there is none). */
export async function removeLoginCopy(codexHome: string): Promise<void> {
  await rm(path.join(codexHome, 'auth.json'), { force: true });
}
