#!/usr/bin/env node
// codex-orchestrator benchmark: what a task costs as the repository grows. The same graph of
// one-file builders on a tiny repository and on synthetic large ones (files of 16 KB), agents
// off, against the offline model: mean task time, run wall time and the start of the first task,
// each as a ratio to the tiny repository's. A benchmark, not a test. See bench/README.md.

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin', 'codex-orchestrator.js');

const USAGE = `usage: npm run bench:worktrees -- [options]

  --files LIST        sizes of the large repositories, in files of 16 KB (default 1000,5000,20000)
  --tasks N           one-file builder tasks per run (default 20)
  --concurrencies L   builder concurrencies (default 4,8)
  --json FILE         also write every figure as JSON
  -h, --help          this text`;

function parseArgs(argv) {
  const o = { files: [1000, 5000, 20000], tasks: 20, concurrencies: [4, 8], json: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => argv[++i] ?? fail(`${a} needs a value`);
    const ints = (v) => v.split(',').map((s) => (Number.isInteger(Number(s)) && Number(s) >= 1 ? Number(s) : fail(`${a}: expected positive integers, got "${v}"`)));
    switch (a) {
      case '--files': o.files = ints(value()); break;
      case '--tasks': [o.tasks] = ints(value()); break;
      case '--concurrencies': o.concurrencies = ints(value()); break;
      case '--json': o.json = path.resolve(value()); break;
      case '-h': case '--help': console.log(USAGE); process.exit(0); break;
      default: fail(`unknown option ${a}\n\n${USAGE}`);
    }
  }
  return o;
}

function fail(message) {
  console.error(`bench:worktrees: ${message}`);
  process.exit(2);
}

const progress = (text) => process.stderr.write(`${text}\n`);

function git(cwd, ...args) {
  return execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@b', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@b' } });
}

/** A repository of `files` files of 16 KB in 100 folders (plus the graph), committed. */
function makeRepo(base, files, tasks, concurrency) {
  const repo = mkdtempSync(path.join(base, `repo-${files}-`));
  git(repo, 'init', '-q', '-b', 'main');
  execFileSync('python3', ['-c', `
import os
for i in range(${files}):
    d = 'd%03d' % (i % 100)
    os.makedirs(d, exist_ok=True)
    open(f'{d}/f{i}.txt', 'w').write(os.urandom(8000).hex())
`], { cwd: repo });
  const lines = [`settings: { agents: false, concurrency: { builder: ${concurrency} } }`, 'tasks:'];
  for (let i = 1; i <= tasks; i++) lines.push(`  - id: t${i}`, '    role: builder', `    prompt: "\`\`\`sh\\necho ${i} > out-${i}.txt\\n\`\`\`"`);
  writeFileSync(path.join(repo, 'graph.yaml'), `${lines.join('\n')}\n`);
  writeFileSync(path.join(repo, '.gitignore'), '.runs/\n');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'repository');
  return repo;
}

function runOnce(base, files, o, concurrency) {
  const repo = makeRepo(base, files, o.tasks, concurrency);
  const bytes = Number(execFileSync('du', ['-sb', '--exclude=.git', repo], { encoding: 'utf8' }).split('\t')[0]);
  const env = { ...process.env, OPENAI_API_KEY: '', CODEX_ORCHESTRATOR_WORKTREES: path.join(base, `wt-${files}-${concurrency}`) };
  delete env.CODEX_ORCHESTRATOR_RUNS_DIR;
  const started = performance.now();
  const cli = spawnSync(process.execPath, [BIN, 'run', 'graph.yaml', '--json'], { cwd: repo, env, encoding: 'utf8' });
  const wallMs = performance.now() - started;
  const { runId } = JSON.parse(cli.stdout);
  const m = JSON.parse(readFileSync(path.join(repo, '.runs', runId, 'manifest.json'), 'utf8'));
  const durations = m.tasks.map((t) => t.durationMs ?? 0);
  const firstStartMs = Math.min(...m.tasks.map((t) => Date.parse(t.startedAt))) - Date.parse(m.startedAt);
  rmSync(repo, { recursive: true, force: true });
  return {
    files,
    concurrency,
    megabytes: bytes / 1e6,
    status: m.status,
    wallMs,
    meanTaskMs: durations.reduce((a, b) => a + b, 0) / durations.length,
    firstStartMs,
  };
}

function main() {
  const o = parseArgs(process.argv.slice(2));
  const base = mkdtempSync(path.join(os.tmpdir(), 'co-bench-worktrees-'));
  const results = [];
  try {
    for (const concurrency of o.concurrencies) {
      for (const files of [10, ...o.files]) {
        progress(`bench:worktrees: ${o.tasks} tasks on ${files} files at concurrency ${concurrency}…`);
        results.push(runOnce(base, files, o, concurrency));
      }
    }
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
  const lines = [`Worktrees as the repository grows: ${o.tasks} one-file builders, agents off, offline model (no latency)`, ''];
  const head = ['concurrency', 'files', 'size', 'mean task', 'x tiny', 'run wall', 'x tiny', 'first task start', 'x tiny', 'status'];
  const rows = [head];
  for (const r of results) {
    const tiny = results.find((t) => t.concurrency === r.concurrency && t.files === 10);
    rows.push([
      String(r.concurrency),
      String(r.files),
      `${r.megabytes.toFixed(0)} MB`,
      `${Math.round(r.meanTaskMs)} ms`,
      (r.meanTaskMs / tiny.meanTaskMs).toFixed(2),
      `${(r.wallMs / 1000).toFixed(2)} s`,
      (r.wallMs / tiny.wallMs).toFixed(2),
      `${r.firstStartMs} ms`,
      (r.firstStartMs / Math.max(tiny.firstStartMs, 1)).toFixed(2),
      r.status,
    ]);
  }
  const widths = head.map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  for (const row of rows) lines.push(`  ${row.map((c, i) => (i === row.length - 1 ? c : c.padStart(widths[i]))).join('  ')}`);
  lines.push('', '  targets (issue): mean task <= 1.25x the tiny repository\'s; first task start <= 1.5x');
  console.log(lines.join('\n'));
  if (o.json) writeFileSync(o.json, `${JSON.stringify({ options: o, results }, null, 2)}\n`);
}

main();
