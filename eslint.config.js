// ESLint: typescript-eslint's recommended rules (without type information, so a run stays quick)
// and the import layering of ARCHITECTURE.md written as rules.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const SRC = 'orchestrator/src';

// The folders of orchestrator/src (and the top-level agents/) and what each may import. `core/`
// is below everything and may be imported by all; it is left out of the lists. A folder not in a
// list is forbidden to it. `views/`, `control/` and `mcp/` do not exist yet; their rules apply as
// soon as they do.
const LAYERS = {
  core: { may: [], why: 'core/ is below everything: ids, results, events, abort signals, processes' },
  graph: { may: [], why: 'graph/ is the validated graph; the scheduler, engine, store, review and CLI build on it' },
  roles: { may: ['graph'], why: 'roles/ is plain data and rules about the graph (verdicts, triage, instructions)' },
  planning: { may: ['graph'], why: 'planning/ builds graphs; it knows the graph and nothing that runs one' },
  scheduler: { may: ['graph'], why: 'scheduler/ decides what runs when; the engine drives it, never the other way' },
  store: { may: [], why: 'store/ is the run files; everything that writes or reads a run builds on it' },
  workspace: { may: ['store'], why: 'workspace/ is git and worktrees; the engine drives it' },
  backends: { may: ['store'], why: 'backends/ is Codex behind AgentBackend; the engine and agents/ use it' },
  review: { may: ['graph', 'store'], why: 'review/ reads the graph and the store; the engine and the CLI use it' },
  'model-server': { may: ['roles'], why: 'model-server/ is the offline stand-in; it knows only the roles it answers for' },
  agents: { may: ['graph', 'roles', 'planning', 'backends'], why: 'agents/ is the role agents on backends, roles and planning' },
  engine: {
    may: ['graph', 'roles', 'planning', 'scheduler', 'store', 'workspace', 'backends', 'review', 'model-server', 'agents'],
    why: 'engine/ runs a graph; the CLI (and views/, control/) are above it',
  },
  // Read models of a run: the store and what it refers to; the engine through its public entry.
  views: {
    may: ['graph', 'roles', 'planning', 'scheduler', 'store', 'workspace', 'backends', 'review', 'model-server', 'agents', 'engine'],
    why: 'views/ is read models; the CLI shows them, commands that change a run live in control/',
  },
  // Commands that change a run; they may use views/.
  control: {
    may: ['graph', 'roles', 'planning', 'scheduler', 'store', 'workspace', 'backends', 'review', 'model-server', 'agents', 'engine', 'views'],
    why: 'control/ is the commands that change a run; the CLI calls them',
  },
  // A read-only assessment of another repository: it builds on nothing of the run's machinery.
  migrate: { may: [], why: 'migrate/ reads a repository and plans its migration; the CLI shows it' },
  mcp: {
    may: ['graph', 'roles', 'planning', 'scheduler', 'store', 'workspace', 'backends', 'review', 'model-server', 'agents', 'engine', 'views', 'control'],
    why: 'mcp/ serves the orchestrator over MCP; the CLI starts it',
  },
  cli: {
    may: ['graph', 'roles', 'planning', 'scheduler', 'store', 'workspace', 'backends', 'review', 'model-server', 'agents', 'engine', 'views', 'control', 'mcp', 'migrate'],
    why: 'cli/ is the top: argv, output, exit codes',
  },
};

/** Where a folder's files are. */
const filesOf = (layer) => (layer === 'agents' ? ['agents/**/*.{ts,js}'] : [`${SRC}/${layer}/**/*.{ts,js}`]);

/** An import of `target` from `layer`, forbidden because `target` is not in its list. */
function layerRestriction(layer, target) {
  const instead =
    target === 'cli'
      ? 'nothing but cli/ imports cli/: move what you need out of cli/ into the layer that owns it'
      : `move the code you need down into a layer ${layer}/ may import (${['core', ...LAYERS[layer].may].join(', ')}), or have the caller pass it in`;
  return {
    group: target === 'agents' ? ['**/agents/**'] : [`**/${target}`, `**/${target}/**`],
    message: `Layering: ${layer}/ must not import ${target}/ (${LAYERS[layer].why}). Instead, ${instead}. Rules: eslint.config.js, ARCHITECTURE.md.`,
  };
}

/** The engine's rooms are private to it: views/ and control/ use engine/index.ts only. */
const engineRooms = (layer) => ({
  group: ['**/engine/*', '!**/engine/index.js', '**/engine/*/**'],
  message: `Layering: ${layer}/ reaches the engine only through its public entry. Instead, import from engine/index.js (add the export there if it is missing), never engine/run, engine/attempt, engine/session or engine/live. Rules: eslint.config.js, ARCHITECTURE.md.`,
});

// Vendor SDKs are imported only at the edge, behind a narrow interface. `allowed`: the folders
// (a trailing `/`) and files, relative to orchestrator/src (or `agents/`), that may import one.
const VENDORS = [
  {
    packages: ['@modelcontextprotocol/sdk', '@modelcontextprotocol/sdk/**'],
    allowed: ['backends/codex-mcp.ts', 'mcp/'],
    message: 'Vendor edge: the MCP SDK is imported only in backends/codex-mcp.ts (and a future mcp/). Instead, use the AgentBackend interface (backends/backend.ts).',
  },
  {
    packages: ['@openai/agents', '@openai/agents/**', '@openai/agents-*', '@openai/agents-*/**'],
    allowed: ['agents/'],
    message:
      'Vendor edge: @openai/agents is imported only in the top-level agents/. Instead, use what agents/index.ts exports (the engine loads it with a dynamic import, only when the agents layer is on).',
  },
  {
    packages: ['p-queue'],
    allowed: ['scheduler/'],
    message: 'Vendor edge: p-queue is imported only in scheduler/. Instead, let the scheduler run the work (schedule()).',
  },
  {
    packages: ['proper-lockfile'],
    allowed: ['store/'],
    message: 'Vendor edge: proper-lockfile is imported only in store/ (the run index). Instead, use the store (store/run-lock.ts is the run lock).',
  },
];

const where = (layer, path) => (layer === 'agents' ? `agents/${path}` : `${SRC}/${layer}/${path}`);
const sourceOf = (allowed) => (allowed === 'agents/' ? 'agents/**/*.{ts,js}' : allowed.endsWith('/') ? `${SRC}/${allowed}**/*.{ts,js}` : `${SRC}/${allowed}`);

/**
 * One config block per folder (ESLint does not merge a rule's options across blocks: the last
 * block that matches a file wins, so each block carries all of its folder's restrictions), and one
 * per file a vendor SDK is allowed in.
 */
function layeringBlocks() {
  const blocks = [];
  for (const [layer, { may }] of Object.entries(LAYERS)) {
    const layerPatterns = Object.keys(LAYERS)
      .filter((target) => target !== layer && target !== 'core' && !may.includes(target))
      .map((target) => layerRestriction(layer, target));
    if (layer === 'views' || layer === 'control') layerPatterns.push(engineRooms(layer));
    const vendorPatterns = (allowedHere) => VENDORS.filter((v) => !allowedHere(v)).map((v) => ({ group: v.packages, message: v.message }));
    const rule = (patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });

    const inLayer = (allowed) => allowed === `${layer}/` || (layer === 'agents' && allowed === 'agents/');
    // Files of this folder that a vendor is allowed in, one by one.
    const vendorFiles = VENDORS.flatMap((v) => v.allowed).filter((a) => !a.endsWith('/') && a.startsWith(`${layer}/`));
    blocks.push({
      name: `layering/${layer}`,
      files: filesOf(layer),
      ignores: vendorFiles.map((f) => sourceOf(f)),
      rules: rule([...layerPatterns, ...vendorPatterns((v) => v.allowed.some(inLayer))]),
    });
    for (const file of vendorFiles) {
      blocks.push({
        name: `layering/${file}`,
        files: [where(layer, file.slice(layer.length + 1))],
        rules: rule([...layerPatterns, ...vendorPatterns((v) => v.allowed.some(inLayer) || v.allowed.includes(file))]),
      });
    }
  }
  return blocks;
}

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'node_modules/',
      '.runs/',
      // The runs' private Codex homes (kept with --keep-worktrees) and the project's keys.
      '.codex-orchestrator/',
      // Generated by Codex (`codex app-server generate-ts`), kept by scripts/codex-protocol-types.mjs.
      `${SRC}/backends/app-server-protocol/`,
      // The demo's project, copied into test repositories; not the orchestrator's code.
      'examples/',
      // Small trees of other stacks' projects that `migrate assess` is tested on; not the orchestrator's code.
      'orchestrator/test/fixtures/assess/',
    ],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: globals.node },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // Dropping keys by destructuring with a rest (`const { $id: _id, ...rest } = o`) is deliberate.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
      // The code matches control characters on purpose: ANSI escapes, unprintable bytes in ids and messages.
      'no-control-regex': 'off',
    },
  },
  {
    files: ['orchestrator/test/**/*.ts'],
    // Tests break JSON documents key by key to see them refused; `Record<string, any>` is how they reach in.
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  ...layeringBlocks(),
);
