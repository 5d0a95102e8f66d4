#!/usr/bin/env node
// codex-orchestrator benchmark: task environments. What `setup` costs per worktree on a real npm
// project of a few hundred packages, with every worktree installing for itself (setupCache: off)
// against one install per run shared by copy (the default) or by hard links. A benchmark, not a
// test: it prints figures and exits non-zero only when it crashes. See bench/README.md.

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin', 'codex-orchestrator.js');

const USAGE = `usage: npm run bench:setup -- [options]

  --tasks N        builder tasks, each in its own worktree (default 8; --quick: 4)
  --concurrency N  builders at once (default 4)
  --modes LIST     setupCache modes to compare (default off,copy,link)
  --quick          fewer tasks
  --json FILE      also write every figure as JSON
  --keep           keep the temporary repository
  -h, --help       this text`;

/** A real project's dependencies: a TypeScript service with its linters and test runner. */
const DEPENDENCIES = { zod: '3.23.8', yaml: '2.5.1', 'p-queue': '8.0.1', express: '4.21.1' };
const DEV_DEPENDENCIES = { typescript: '5.6.3', vitest: '2.1.4', eslint: '9.14.0', prettier: '3.3.3', '@types/node': '20.17.6' };
const SETUP = 'npm ci --prefer-offline --no-audit --no-fund --ignore-scripts';

function parseArgs(argv) {
  const o = { tasks: undefined, concurrency: 4, modes: ['off', 'copy', 'link'], quick: false, json: undefined, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => argv[++i] ?? fail(`${a} needs a value`);
    const int = (v) => (Number.isInteger(Number(v)) && Number(v) >= 1 ? Number(v) : fail(`${a}: expected a positive integer, got "${v}"`));
    switch (a) {
      case '--tasks':
        o.tasks = int(value());
        break;
      case '--concurrency':
        o.concurrency = int(value());
        break;
      case '--modes':
        o.modes = value()
          .split(',')
          .map((m) => (['off', 'copy', 'link'].includes(m) ? m : fail(`--modes: off, copy or link, got "${m}"`)));
        break;
      case '--quick':
        o.quick = true;
        break;
      case '--json':
        o.json = path.resolve(value());
        break;
      case '--keep':
        o.keep = true;
        break;
      case '-h':
      case '--help':
        console.log(USAGE);
        process.exit(0);
        break;
      default:
        fail(`unknown option ${a}\n\n${USAGE}`);
    }
  }
  o.tasks ??= o.quick ? 4 : 8;
  return o;
}

function fail(message) {
  console.error(`bench:setup: ${message}`);
  process.exit(2);
}

const progress = (text) => process.stderr.write(`${text}\n`);
const sec = (ms) => `${(ms / 1000).toFixed(2)} s`;
const msf = (ms) => `${Math.round(ms)} ms`;

function run(cmd, args, cwd, env) {
  return execFileSync(cmd, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function git(cwd, ...args) {
  return run('git', args, cwd, { ...process.env, GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'b@b', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'b@b' });
}

function duBytes(dir) {
  return Number(run('du', ['-sb', dir], ROOT).split('\t')[0]);
}

function graphYaml(o, mode) {
  const tasks = Array.from(
    { length: o.tasks },
    (_, i) => `  - id: b${i + 1}
    role: builder
    prompt: "\`\`\`sh\\necho ${i + 1} > out-${i + 1}.txt\\n\`\`\`"
    verify: ["node -e \\"require('zod'); require('typescript')\\""]`,
  );
  return `name: setup-${mode}
settings:
  agents: false
  concurrency: { builder: ${o.concurrency} }
  setupCache: ${mode}
  setup: ["${SETUP}"]
tasks:
${tasks.join('\n')}
`;
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (!existsSync(path.join(ROOT, 'dist'))) run('npm', ['run', 'build'], ROOT, process.env);
  const base = mkdtempSync(path.join(os.tmpdir(), 'co-bench-setup-'));
  const repo = path.join(base, 'project');
  const env = {
    ...process.env,
    OPENAI_API_KEY: '',
    npm_config_cache: path.join(base, 'npm-cache'),
    npm_config_update_notifier: 'false',
    CODEX_ORCHESTRATOR_WORKTREES: path.join(base, 'worktrees'),
  };
  delete env.CODEX_ORCHESTRATOR_RUNS_DIR;
  try {
    run('mkdir', ['-p', repo], base);
    git(repo, 'init', '-q', '-b', 'main');
    writeFileSync(path.join(repo, 'package.json'), `${JSON.stringify({ name: 'service', private: true, dependencies: DEPENDENCIES, devDependencies: DEV_DEPENDENCIES }, null, 2)}\n`);
    writeFileSync(path.join(repo, '.gitignore'), '.runs/\nnode_modules/\n');
    // One install outside any run fills npm's cache: every mode then installs from it, offline.
    const warm = path.join(base, 'warm');
    run('mkdir', ['-p', warm], base);
    let warmMs;
    for (let attempt = 1; ; attempt++) {
      progress(`bench:setup: resolving the project's dependencies and warming npm's cache (npm registry)…`);
      run('npm', ['install', '--package-lock-only', '--no-audit', '--no-fund', '--ignore-scripts'], repo, env);
      for (const f of ['package.json', 'package-lock.json']) writeFileSync(path.join(warm, f), readFileSync(path.join(repo, f)));
      const t0 = performance.now();
      try {
        run('bash', ['-c', SETUP], warm, env);
        warmMs = performance.now() - t0;
        break;
      } catch (e) {
        // A registry that lists a version it cannot serve yet: resolve again, once.
        if (attempt >= 2) throw e;
        rmSync(path.join(repo, 'package-lock.json'), { force: true });
      }
    }
    const lock = JSON.parse(readFileSync(path.join(repo, 'package-lock.json'), 'utf8'));
    const packages = Object.keys(lock.packages ?? {}).filter((k) => k.startsWith('node_modules/')).length;
    rmSync(path.join(warm, 'node_modules'), { recursive: true, force: true });
    const t1 = performance.now();
    run('bash', ['-c', SETUP], warm, env);
    const oneInstallMs = performance.now() - t1;
    const treeBytes = duBytes(path.join(warm, 'node_modules'));
    for (const mode of o.modes) writeFileSync(path.join(repo, `setup-${mode}.yaml`), graphYaml(o, mode));
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'project');

    const results = [];
    for (const mode of o.modes) {
      progress(`bench:setup: ${o.tasks} builders at concurrency ${o.concurrency}, setupCache: ${mode}…`);
      const started = performance.now();
      const cli = spawnSync(process.execPath, [BIN, 'run', `setup-${mode}.yaml`, '--json'], { cwd: repo, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      const wallMs = performance.now() - started;
      const runs = path.join(repo, '.runs');
      const runId = readdirSync(runs)
        .filter((n) => n !== 'index.json' && !n.startsWith('.'))
        .sort()
        .at(-1);
      const manifest = JSON.parse(readFileSync(path.join(runs, runId, 'manifest.json'), 'utf8'));
      const setups = manifest.tasks.map((t) => t.setup).filter(Boolean);
      const times = setups.map((s) => s.durationMs);
      results.push({
        mode,
        status: manifest.status,
        exitCode: cli.status,
        installs: setups.filter((s) => s.how === 'ran').length,
        shared: setups.filter((s) => s.how === 'copied' || s.how === 'linked').length,
        meanSetupMs: times.reduce((a, b) => a + b, 0) / Math.max(times.length, 1),
        maxSetupMs: Math.max(...times, 0),
        sharedMeanMs: mean(setups.filter((s) => s.how !== 'ran').map((s) => s.durationMs)),
        copyMeanMs: mean(setups.filter((s) => s.how !== 'ran').map((s) => s.durationMs - (s.waitedMs ?? 0))),
        wallMs,
        problems: manifest.tasks.filter((t) => t.status !== 'succeeded').map((t) => `${t.id}: ${t.status}${t.message ? ` (${t.message})` : ''}`),
      });
    }
    report(o, { packages, treeBytes, warmMs, oneInstallMs }, results);
    if (o.json) writeFileSync(o.json, `${JSON.stringify({ options: o, project: { packages, treeBytes, warmMs, oneInstallMs }, results }, null, 2)}\n`);
  } finally {
    if (o.keep) progress(`bench:setup: kept ${base}`);
    else rmSync(base, { recursive: true, force: true });
  }
}

function mean(xs) {
  return xs.length === 0 ? undefined : xs.reduce((a, b) => a + b, 0) / xs.length;
}

function report(o, project, results) {
  const off = results.find((r) => r.mode === 'off');
  const lines = [];
  lines.push(`Task environments: ${o.tasks} builders (one worktree each) at concurrency ${o.concurrency}, setup \`${SETUP}\``);
  lines.push(
    `  project: ${project.packages} packages, node_modules ${(project.treeBytes / 1e6).toFixed(0)} MB; one install from a warm npm cache ${sec(project.oneInstallMs)} (first, cold: ${sec(project.warmMs)})`,
  );
  lines.push('');
  const rows = [['setupCache', 'installs', 'shared', 'setup mean', 'setup max', 'shared one', 'copy itself', 'run wall', 'vs off', 'status']];
  for (const r of results) {
    rows.push([
      r.mode,
      String(r.installs),
      String(r.shared),
      msf(r.meanSetupMs),
      msf(r.maxSetupMs),
      r.sharedMeanMs === undefined ? '-' : msf(r.sharedMeanMs),
      r.copyMeanMs === undefined ? '-' : msf(r.copyMeanMs),
      sec(r.wallMs),
      off && r !== off ? `${(off.meanSetupMs / r.meanSetupMs).toFixed(1)}x less setup` : '-',
      `${r.status}${r.problems.length ? ` (${r.problems.length} task(s) not succeeded)` : ''}`,
    ]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  for (const row of rows) lines.push(`  ${row.map((c, i) => (i === 0 || i === row.length - 1 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')}`);
  lines.push('');
  lines.push('  installs     worktrees whose setup ran its commands; shared: worktrees given a copy (or links) of one of them');
  lines.push("  setup        per worktree: from the attempt's worktree ready to its agent's start (waiting for a shared");
  lines.push('               install included); shared one: the mean of the worktrees that got a copy or links;');
  lines.push('               copy itself: the same without the wait for the first install (`waitedMs`)');
  lines.push("  vs off       mean setup per worktree with every worktree installing, divided by this mode's");
  for (const r of results) for (const p of r.problems) lines.push(`  problem (${r.mode}): ${p}`);
  console.log(lines.join('\n'));
}

main().catch((e) => {
  console.error(`bench:setup: crashed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exit(1);
});
