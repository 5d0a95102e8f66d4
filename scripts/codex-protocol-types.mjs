#!/usr/bin/env node
// The `codex app-server` protocol types the codex-app-server backend is checked against, made by
// Codex itself (`codex app-server generate-ts --experimental`): only the types the backend sends
// and reads, and what they refer to, are kept, under
// orchestrator/src/backends/app-server-protocol/ (with the Codex version that made them).
//
//   node scripts/codex-protocol-types.mjs            regenerate them from the installed Codex
//   node scripts/codex-protocol-types.mjs --check    exit 1 and show the diff when the installed
//                                                    Codex (or --codex PATH) makes other types
//   --codex PATH                                     another Codex executable (e.g. a newer release)
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'orchestrator/src/backends/app-server-protocol');

/** What the backend sends and reads (`backends/codex-app-server.ts`, `app-server-events.ts`). */
const ROOTS = [
  'InitializeParams',
  'InitializeResponse',
  'v2/SandboxPolicy',
  'v2/ThreadStartParams',
  'v2/ThreadStartResponse',
  'v2/ThreadResumeParams',
  'v2/ThreadResumeResponse',
  'v2/TurnStartParams',
  'v2/TurnStartResponse',
  'v2/TurnInterruptParams',
  'v2/ThreadBackgroundTerminalsCleanParams',
  'v2/ItemStartedNotification',
  'v2/ItemCompletedNotification',
  'v2/CommandExecutionOutputDeltaNotification',
  'v2/TurnDiffUpdatedNotification',
  'v2/ThreadTokenUsageUpdatedNotification',
  'v2/TurnCompletedNotification',
  'v2/ErrorNotification',
  'v2/CommandExecutionRequestApprovalParams',
  'v2/FileChangeRequestApprovalParams',
];

function parseArgs(argv) {
  const o = { check: false, codex: undefined };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--check') o.check = true;
    else if (argv[i] === '--codex') o.codex = argv[++i];
    else if (argv[i] === '-h' || argv[i] === '--help') {
      console.log('usage: node scripts/codex-protocol-types.mjs [--check] [--codex PATH]');
      process.exit(0);
    } else {
      console.error(`error: unknown option ${argv[i]}\n  hint: node scripts/codex-protocol-types.mjs --help`);
      process.exit(2);
    }
  }
  return o;
}

/** The installed Codex's native binary (as `backends/codex-binary.ts` finds it), or `--codex`. */
async function codexCommand(override) {
  if (override) return path.resolve(override);
  const { codexBinary } = await import(path.join(ROOT, 'dist/orchestrator/src/backends/codex-binary.js')).catch(() => {
    console.error('error: dist/ is missing\n  hint: npm run build');
    process.exit(2);
  });
  const bin = codexBinary();
  return { command: bin.command, prefix: bin.prefixArgs, env: bin.env };
}

function run(codex, args) {
  const c = typeof codex === 'string' ? { command: codex, prefix: [], env: {} } : codex;
  const home = mkdtempSync(path.join(os.tmpdir(), 'co-protocol-home-'));
  try {
    // Codex's own notes on stderr (helper binaries under a temporary CODEX_HOME) are not ours to print.
    return execFileSync(c.command, [...c.prefix, ...args], { env: { ...process.env, ...c.env, CODEX_HOME: home }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

/** `root` and every file it imports, by relative path without `.ts`. */
function closure(dir, roots) {
  const seen = new Set();
  const queue = [...roots];
  while (queue.length > 0) {
    const rel = queue.shift();
    if (seen.has(rel)) continue;
    const file = path.join(dir, `${rel}.ts`);
    if (!existsSync(file)) throw new Error(`Codex made no ${rel}.ts: this release's protocol differs (update ROOTS in this script)`);
    seen.add(rel);
    for (const m of readFileSync(file, 'utf8').matchAll(/from "(\.{1,2}\/[^"]+)"/g)) {
      queue.push(path.posix.normalize(path.posix.join(path.posix.dirname(rel), m[1])));
    }
  }
  return [...seen].sort();
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const codex = await codexCommand(o.codex);
  const version = /(\d+\.\d+\.\d+\S*)/.exec(run(codex, ['--version']))?.[1] ?? 'unknown';
  const generated = mkdtempSync(path.join(os.tmpdir(), 'co-protocol-'));
  const made = mkdtempSync(path.join(os.tmpdir(), 'co-protocol-kept-'));
  try {
    run(codex, ['app-server', 'generate-ts', '--experimental', '--out', generated]);
    const files = closure(generated, ROOTS);
    for (const rel of files) {
      const text = readFileSync(path.join(generated, `${rel}.ts`), 'utf8')
        // This package resolves modules as Node does: relative imports name their file.
        .replace(/from "(\.{1,2}\/[^"]+)"/g, 'from "$1.js"');
      mkdirSync(path.dirname(path.join(made, rel)), { recursive: true });
      writeFileSync(path.join(made, `${rel}.ts`), text);
    }
    const index = [
      `// The codex app-server protocol types the codex-app-server backend uses, made by Codex ${version}`,
      '// (`codex app-server generate-ts --experimental`) and kept by scripts/codex-protocol-types.mjs.',
      '// Do not edit: run `node scripts/codex-protocol-types.mjs` to make them again.',
      `export const CODEX_PROTOCOL_VERSION = ${JSON.stringify(version)};`,
      ...ROOTS.map((r) => `export type { ${path.posix.basename(r)} } from './${r}.js';`),
      '',
    ].join('\n');
    writeFileSync(path.join(made, 'index.ts'), index);
    if (o.check) {
      const diff = spawnSync('git', ['diff', '--no-index', '--stat', '--', OUT, made], { encoding: 'utf8' });
      const full = spawnSync('git', ['diff', '--no-index', '--', OUT, made], { encoding: 'utf8' });
      if (diff.status === 0) {
        console.log(`the kept protocol types are those of Codex ${version}`);
        return;
      }
      process.stdout.write(full.stdout.replaceAll(made, 'app-server-protocol (new)').replaceAll(OUT, 'app-server-protocol'));
      console.error(`Codex ${version} makes other protocol types than the kept ones (${diff.stdout.trim().split('\n').at(-1)?.trim()})`);
      process.exitCode = 1;
      return;
    }
    rmSync(OUT, { recursive: true, force: true });
    cpSync(made, OUT, { recursive: true });
    console.log(`kept ${files.length} protocol type files of Codex ${version} in ${path.relative(ROOT, OUT)}`);
  } finally {
    rmSync(generated, { recursive: true, force: true });
    rmSync(made, { recursive: true, force: true });
  }
}

await main();
