#!/usr/bin/env node
// codex-orchestrator benchmark: what a task costs as the repository grows. The same graph of
// one-file builders on a tiny repository and on synthetic large ones (files of 16 KB), agents
// off, against the offline model: mean task time, run wall time and the start of the first task,
// each as a ratio to the tiny repository's, and the bytes the run's processes wrote per task once
// its first worktrees were made. A benchmark, not a test. See bench/README.md.

import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin', 'codex-orchestrator.js');

const USAGE = `usage: npm run bench:worktrees -- [options]

  --files LIST        sizes of the large repositories, in files of 16 KB (default 1000,5000,20000)
  --tasks N           one-file builder tasks per run (default 20)
  --concurrencies L   builder concurrencies (default 4,8)
  --repeat N          runs of each row; the table shows the one with the median mean task (default 1)
  --json FILE         also write every figure as JSON
  -h, --help          this text`;

function parseArgs(argv) {
  const o = { files: [1000, 5000, 20000], tasks: 20, concurrencies: [4, 8], repeat: 1, json: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => argv[++i] ?? fail(`${a} needs a value`);
    const ints = (v) => v.split(',').map((s) => (Number.isInteger(Number(s)) && Number(s) >= 1 ? Number(s) : fail(`${a}: expected positive integers, got "${v}"`)));
    switch (a) {
      case '--files':
        o.files = ints(value());
        break;
      case '--tasks':
        [o.tasks] = ints(value());
        break;
      case '--repeat':
        [o.repeat] = ints(value());
        break;
      case '--concurrencies':
        o.concurrencies = ints(value());
        break;
      case '--json':
        o.json = path.resolve(value());
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
  execFileSync(
    'python3',
    [
      '-c',
      `
import os
for i in range(${files}):
    d = 'd%03d' % (i % 100)
    os.makedirs(d, exist_ok=True)
    open(f'{d}/f{i}.txt', 'w').write(os.urandom(8000).hex())
`,
    ],
    { cwd: repo },
  );
  const lines = [`settings: { agents: false, concurrency: { builder: ${concurrency} } }`, 'tasks:'];
  for (let i = 1; i <= tasks; i++) lines.push(`  - id: t${i}`, '    role: builder', `    prompt: "\`\`\`sh\\necho ${i} > out-${i}.txt\\n\`\`\`"`);
  writeFileSync(path.join(repo, 'graph.yaml'), `${lines.join('\n')}\n`);
  writeFileSync(path.join(repo, '.gitignore'), '.runs/\n');
  git(repo, 'add', '-A');
  // No auto gc after this commit: it would run in the background and make the `gc` below fail ("already running").
  git(repo, '-c', 'gc.auto=0', 'commit', '-q', '-m', 'repository');
  // Packed, as a clone is: 20,000 loose objects would have the first commit of a run start git's auto gc.
  git(repo, 'gc', '-q');
  return repo;
}

/** `write_bytes` of /proc/<pid>/io: what the process (and every child it reaped) made the kernel write. */
function writeBytes(pid) {
  try {
    return Number(/^write_bytes: (\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0; // Ended between listing and reading: its bytes are in its parent's once reaped.
  }
}

/** The live descendants of `root` (from each process's parent in /proc/<pid>/stat). */
function descendants(root) {
  const children = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue;
    }
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
  }
  const out = [];
  for (let todo = [root]; todo.length > 0; ) {
    const pid = todo.pop();
    out.push(pid);
    todo.push(...(children.get(pid) ?? []));
  }
  return out;
}

/**
 * Runs a command as a child subreaper (prctl PR_SET_CHILD_SUBREAPER): every process of its tree,
 * those left by a parent that ended first too, is reaped here, so this process's own io counter
 * ends up holding the whole tree's; written to argv[1] once none is left.
 */
const SUBREAPER = `
import ctypes, os, subprocess, sys
ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)
child = subprocess.Popen(sys.argv[2:])
code = 1
while True:
    try:
        pid, status = os.wait()
    except ChildProcessError:
        break
    if pid == child.pid:
        code = os.waitstatus_to_exitcode(status)
io = open('/proc/self/io').read()
open(sys.argv[1], 'w').write(io)
sys.exit(code)
`;

/**
 * Warm: every worktree of the pool is made. The first tasks to start (as many as the concurrency)
 * each took one of the pool's; the last of their turns to begin (its first Codex event) had the
 * last of them ready. What the tree wrote after the last sample before that moment, per task
 * started after it, is what a later task costs; the first wave's own work after that moment is
 * counted in it too (against the orchestrator, never for it).
 */
function warmPoint(repo, runId, m, concurrency, samples) {
  const first = m.tasks
    .filter((t) => t.startedAt)
    .sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt))
    .slice(0, concurrency);
  const turnBegan = first.map((t) => {
    const file = path.join(repo, '.runs', runId, 'tasks', t.id, 'events.jsonl');
    const line = existsSync(file) ? readFileSync(file, 'utf8').split('\n').find(Boolean) : undefined;
    return line ? Date.parse(JSON.parse(line).ts) : NaN;
  });
  if (turnBegan.some((t) => !Number.isFinite(t))) return undefined;
  const at = Math.max(...turnBegan);
  const sample = samples.filter((s) => s.at <= at).at(-1);
  if (!sample) return undefined;
  return { written: sample.written, later: m.tasks.filter((t) => t.startedAt && Date.parse(t.startedAt) > sample.at).length };
}

/**
 * Two runs of the graph on one repository: the first (no worktree kept from an earlier run: every
 * worktree of its first wave is a full checkout) and the next, after a commit changing one file
 * (its first wave takes the worktrees the first run kept, `settings.keptWorktrees`).
 */
async function runPair(base, files, o, concurrency) {
  const repo = makeRepo(base, files, o.tasks, concurrency);
  const bytes = Number(execFileSync('du', ['-sb', '--exclude=.git', repo], { encoding: 'utf8' }).split('\t')[0]);
  const env = { ...process.env, OPENAI_API_KEY: '', CODEX_ORCHESTRATOR_WORKTREES: path.join(base, `wt-${files}-${concurrency}`) };
  delete env.CODEX_ORCHESTRATOR_RUNS_DIR;
  try {
    const first = await runOnce(base, repo, env, `${files}-${concurrency}-first`, concurrency);
    writeFileSync(path.join(repo, 'graph.yaml'), `${readFileSync(path.join(repo, 'graph.yaml'), 'utf8')}# the next run\n`);
    git(repo, '-c', 'gc.auto=0', 'commit', '-qam', 'the next run');
    const next = await runOnce(base, repo, env, `${files}-${concurrency}-next`, concurrency);
    return [first, next].map((r, i) => ({ files, concurrency, run: i === 0 ? 'first' : 'next', megabytes: bytes / 1e6, repoBytes: bytes, ...r }));
  } finally {
    rmSync(repo, { recursive: true, force: true });
  }
}

async function runOnce(base, repo, env, name, concurrency) {
  // The whole run's bytes come from a subreaper around the CLI; while it runs, the live tree's
  // counters (each holding the children it reaped) are summed.
  const ioFile = path.join(base, `io-${name}`);
  const started = performance.now();
  const cli = spawn('python3', ['-c', SUBREAPER, ioFile, process.execPath, BIN, 'run', 'graph.yaml', '--json'], { cwd: repo, env, stdio: ['ignore', 'pipe', 'ignore'] });
  let stdout = '';
  cli.stdout.on('data', (d) => (stdout += d));
  // The live tree's bytes written, sampled: the warm point is found after the run (below).
  const samples = [];
  const poll = setInterval(() => {
    samples.push({ at: Date.now(), written: descendants(cli.pid).reduce((sum, pid) => sum + writeBytes(pid), 0) });
  }, 50);
  await new Promise((resolve) => cli.on('close', resolve));
  clearInterval(poll);
  const wallMs = performance.now() - started;
  const writtenTotal = Number(/^write_bytes: (\d+)$/m.exec(readFileSync(ioFile, 'utf8'))?.[1]);
  const { runId } = JSON.parse(stdout);
  const m = JSON.parse(readFileSync(path.join(repo, '.runs', runId, 'manifest.json'), 'utf8'));
  const durations = m.tasks.map((t) => t.durationMs ?? 0);
  const firstStartMs = Math.min(...m.tasks.map((t) => Date.parse(t.startedAt))) - Date.parse(m.startedAt);
  const warm = warmPoint(repo, runId, m, concurrency, samples);
  const later = warm ? warm.later : 0;
  return {
    status: m.status,
    wallMs,
    meanTaskMs: durations.reduce((a, b) => a + b, 0) / durations.length,
    firstStartMs,
    writtenTotal,
    tasks: m.tasks.length,
    writtenPerTaskWarm: warm && later > 0 ? (writtenTotal - warm.written) / later : undefined,
    tasksAfterWarm: later,
  };
}

/** A next run's pool is warm from its start: its whole run's bytes per task. */
function warmFigure(r) {
  return r.run === 'next' ? r.writtenTotal / r.tasks : r.writtenPerTaskWarm;
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (!existsSync('/proc/self/io')) fail('needs Linux (/proc/<pid>/io) for the bytes written');
  const base = mkdtempSync(path.join(os.tmpdir(), 'co-bench-worktrees-'));
  const all = [];
  try {
    for (let n = 1; n <= o.repeat; n++) {
      for (const concurrency of o.concurrencies) {
        for (const files of [10, ...o.files]) {
          progress(`bench:worktrees: ${o.tasks} tasks on ${files} files at concurrency ${concurrency}, two runs${o.repeat > 1 ? ` (${n} of ${o.repeat})` : ''}…`);
          all.push(...(await runPair(base, files, o, concurrency)));
        }
      }
    }
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
  // Each row: the repetition with the median mean task (the lower middle one of an even count).
  const results = [];
  for (const r of all) {
    if (results.some((x) => x.files === r.files && x.concurrency === r.concurrency && x.run === r.run)) continue;
    const same = all.filter((x) => x.files === r.files && x.concurrency === r.concurrency && x.run === r.run).sort((a, b) => a.meanTaskMs - b.meanTaskMs);
    results.push({ ...same[Math.floor((same.length - 1) / 2)], meanTaskRangeMs: [same[0].meanTaskMs, same.at(-1).meanTaskMs] });
  }
  const tinyOf = (r) => results.find((t) => t.concurrency === r.concurrency && t.files === 10 && t.run === r.run);
  const lines = [`Worktrees as the repository grows: ${o.tasks} one-file builders, agents off, offline model (no latency)`, ''];
  const head = [
    'concurrency',
    'files',
    'size',
    'run',
    'mean task',
    ...(o.repeat > 1 ? ['range'] : []),
    'x tiny',
    'run wall',
    'x tiny',
    'first task start',
    'x tiny',
    'written/task (warm)',
    'over tiny',
    '% of repo',
    'status',
  ];
  const rows = [head];
  for (const r of results) {
    const tiny = tinyOf(r);
    rows.push([
      String(r.concurrency),
      String(r.files),
      `${r.megabytes.toFixed(0)} MB`,
      r.run,
      `${Math.round(r.meanTaskMs)} ms`,
      ...(o.repeat > 1 ? [`${Math.round(r.meanTaskRangeMs[0])}-${Math.round(r.meanTaskRangeMs[1])}`] : []),
      (r.meanTaskMs / tiny.meanTaskMs).toFixed(2),
      `${(r.wallMs / 1000).toFixed(2)} s`,
      (r.wallMs / tiny.wallMs).toFixed(2),
      `${r.firstStartMs} ms`,
      (r.firstStartMs / Math.max(tiny.firstStartMs, 1)).toFixed(2),
      warmFigure(r) === undefined ? 'n/a' : `${(warmFigure(r) / 1e6).toFixed(2)} MB`,
      warmFigure(r) === undefined || warmFigure(tiny) === undefined || r.files === 10 ? '-' : `${((warmFigure(r) - warmFigure(tiny)) / 1e6).toFixed(2)} MB`,
      warmFigure(r) === undefined || r.files === 10 ? '-' : `${((100 * warmFigure(r)) / r.repoBytes).toFixed(1)}%`,
      r.status,
    ]);
  }
  const widths = head.map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  for (const row of rows) lines.push(`  ${row.map((c, i) => (i === row.length - 1 ? c : c.padStart(widths[i]))).join('  ')}`);
  lines.push(
    '',
    ...(o.repeat > 1 ? [`  each row: the median of ${o.repeat} runs by mean task; range: the lowest and highest mean task of them`] : []),
    '  run: first, with no worktree kept from an earlier run (its first wave checks the repository out); next, the run after it on the same repository, one commit later (it takes the worktrees the first one kept); each compared with the same run on the tiny repository',
    "  written/task (warm): write_bytes of the run's process tree (/proc/<pid>/io) per task once the pool was warm: in a first run, after the pool's worktrees were all made (the first wave's turns had begun), per task started after it (n/a: every task had started before the pool was whole); in a next run, the whole run's, per task",
    "    over tiny: less the same figure on the tiny repository (the run's own records: logs, manifests, Codex's session files)",
    "  targets (issue): mean task <= 1.25x the tiny repository's; first task start <= 1.5x; written per task (warm) <= 5% of the repository",
  );
  for (const r of results.filter((x) => x.files !== 10)) {
    const tiny = tinyOf(r);
    const met = (ok) => (ok ? 'met' : 'NOT met');
    lines.push(
      `  ${r.files} files, concurrency ${r.concurrency}, ${r.run} run: mean task ${met(r.meanTaskMs <= 1.25 * tiny.meanTaskMs)}; first start ${met(r.firstStartMs <= 1.5 * Math.max(tiny.firstStartMs, 1))}; written ${warmFigure(r) === undefined ? 'n/a' : met(warmFigure(r) <= 0.05 * r.repoBytes)}`,
    );
  }
  console.log(lines.join('\n'));
  if (o.json) writeFileSync(o.json, `${JSON.stringify({ options: o, results, all }, null, 2)}\n`);
}

await main();
