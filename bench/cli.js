#!/usr/bin/env node
// codex-orchestrator benchmark: how fast the CLI answers. Start-up (`--help`, `--version`, a bad
// run id), `poll` of a 1,000-task run, `poll --watch` refreshing it, and `validate` of 1,000- and
// 10,000-task graphs, each as a ratio to `node -e 0` measured in the same run (medians of several
// repetitions). A benchmark, not a test: it prints figures and exits non-zero only when it
// crashes. See bench/README.md.

import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin', 'codex-orchestrator.js');
const DIST = path.join(ROOT, 'dist', 'orchestrator', 'src');
const RUN_ID = '2026-11-21T10-04-05Z-be1c';

const USAGE = `usage: npm run bench:cli -- [options]

  --reps N         repetitions of each start-up figure (default 15; --quick: 7)
  --tasks N        tasks of the run poll reads and of the small graph (default 1000)
  --big N          tasks of the large graph validate reads (default 10000)
  --watch-s S      seconds poll --watch is measured for (default 4; --quick: 2)
  --quick          fewer repetitions
  --json FILE      also write every figure as JSON
  --keep           keep the temporary repository
  -h, --help       this text`;

function parseArgs(argv) {
  const o = { reps: undefined, tasks: 1000, big: 10000, watchS: undefined, quick: false, json: undefined, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => argv[++i] ?? fail(`${a} needs a value`);
    const num = (v) => (Number(v) > 0 ? Number(v) : fail(`${a}: expected a positive number, got "${v}"`));
    switch (a) {
      case '--reps':
        o.reps = Math.round(num(value()));
        break;
      case '--tasks':
        o.tasks = Math.round(num(value()));
        break;
      case '--big':
        o.big = Math.round(num(value()));
        break;
      case '--watch-s':
        o.watchS = num(value());
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
  o.reps ??= o.quick ? 7 : 15;
  o.watchS ??= o.quick ? 2 : 4;
  return o;
}

function fail(message) {
  console.error(`bench:cli: ${message}`);
  process.exit(2);
}

const progress = (text) => process.stderr.write(`${text}\n`);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};
const msf = (ms) => `${ms.toFixed(1)} ms`;

function git(cwd, ...args) {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'b@b', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'b@b' },
  });
}

/** A graph of `n` builders and testers in layers of 20, each depending on two tasks of the layer before. */
function graphYaml(n, name, { broken = false } = {}) {
  const lines = ['version: 1', `name: ${name}`, 'settings:', '  baseRef: HEAD', 'tasks:'];
  for (let i = 0; i < n; i++) {
    const deps = i >= 20 ? [`t${i - 20}`, `t${i - 20 - (i % 20 === 0 ? 0 : 1)}`] : [];
    // The broken graph: one dependency on a misspelt id and a cycle through its last two tasks.
    if (broken && i === Math.floor(n / 2)) deps.push(`t${i - 20}x`);
    if (broken && i === n - 21) deps.push(`t${n - 1}`);
    lines.push(`  - id: t${i}`, `    title: Task ${i}`, `    role: ${i % 5 === 4 ? 'tester' : 'builder'}`);
    lines.push(`    prompt: "Write out/t${i}.txt with its number, ${i}."`);
    if (deps.length > 0) lines.push(`    deps: [${[...new Set(deps)].join(', ')}]`);
  }
  return `${lines.join('\n')}\n`;
}

/** A finished run of `n` tasks (every task succeeded with one attempt, checks and artifacts), written by the store's own writer. */
async function writeRun(runsDir, n, graphFile) {
  const { RunWriter } = await import(pathToFileURL(path.join(DIST, 'store', 'run-writer.js')).href);
  const { countTasks } = await import(pathToFileURL(path.join(DIST, 'store', 'manifest.js')).href);
  const at = (s) => new Date(Date.parse('2026-11-21T10:04:05.000Z') + s * 1000).toISOString();
  const usage = { input: 1200, cachedInput: 800, output: 300, reasoning: 50, total: 1500 };
  const artifact = (id, file) => ({ path: `tasks/${id}/${file}`, sha256: 'c'.repeat(64), bytes: 1234 });
  const tasks = Array.from({ length: n }, (_, i) => {
    const id = `t${i}`;
    return {
      id,
      title: `Task ${i}`,
      role: i % 5 === 4 ? 'tester' : 'builder',
      deps: i >= 20 ? [`t${i - 20}`] : [],
      status: 'succeeded',
      attempts: [{ n: 1, status: 'succeeded', startedAt: at(i), finishedAt: at(i + 2), threadId: `thread-${i}`, usage, codexUsage: usage }],
      threadId: `thread-${i}`,
      startedAt: at(i),
      finishedAt: at(i + 2),
      durationMs: 2000,
      workMs: 2000,
      waitMs: 0,
      branch: `codex-orchestrator/${RUN_ID}/${id}`,
      baseCommit: 'b'.repeat(40),
      resultCommit: 'd'.repeat(40),
      usage,
      codexUsage: usage,
      diffStat: { files: 1, insertions: 1, deletions: 0 },
      checks: [{ command: 'npm test', exitCode: 0, signal: null, timedOut: false, durationMs: 812, outputPath: `tasks/${id}/checks/1.log` }],
      artifacts: { events: artifact(id, 'events.jsonl'), log: artifact(id, 'log.txt'), diff: artifact(id, 'diff.patch'), checks: artifact(id, 'checks.json') },
    };
  });
  const total = (k) => tasks.reduce((s, t) => s + t.usage[k], 0);
  const runUsage = { input: total('input'), cachedInput: total('cachedInput'), output: total('output'), reasoning: total('reasoning'), total: total('total') };
  const manifest = {
    schemaVersion: 1,
    runId: RUN_ID,
    status: 'succeeded',
    message: `${n} succeeded`,
    graph: { path: graphFile, sha256: 'a'.repeat(64), name: 'bench', copy: 'graph.yaml' },
    repo: { root: path.dirname(runsDir), baseRef: 'HEAD', baseCommit: 'b'.repeat(40) },
    settings: { backend: 'codex-mcp', concurrency: { builder: 8, tester: 4 }, agents: false },
    model: { kind: 'offline', name: 'offline-scripted' },
    tools: { orchestrator: '0.1.0', codex: '0.153.4', node: process.version },
    process: { pid: process.pid, hostname: os.hostname() },
    startedAt: at(0),
    finishedAt: at(n + 2),
    heartbeatAt: at(n + 2),
    durationMs: (n + 2) * 1000,
    counts: countTasks(tasks),
    usage: runUsage,
    codexUsage: runUsage,
    runnerLog: 'runner.log',
    tasks,
  };
  const runDir = path.join(runsDir, RUN_ID);
  const created = await RunWriter.create(runsDir, runDir, manifest, readFileSync(graphFile, 'utf8'));
  if (!created.ok) throw new Error(`could not write the run: ${JSON.stringify(created.error)}`);
  await created.value.flush();
  created.value.close();
  return { runDir, bytes: statSync(path.join(runDir, 'manifest.json')).size };
}

/** Wall time of one process, in ms; the process must exit with `code`. */
function timeOnce(args, cwd, code) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd, stdio: ['ignore', 'ignore', 'ignore'] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== code) throw new Error(`${args.join(' ')} exited ${r.status}, expected ${code}`);
  return ms;
}

/**
 * Medians of each command's wall time, the commands taking turns within each repetition (so a
 * busy moment of the machine falls on all of them alike), after one warm-up round.
 */
function timeAll(commands, reps, cwd) {
  const times = commands.map(() => []);
  for (let r = -1; r < reps; r++) {
    commands.forEach((c, i) => {
      const ms = timeOnce(c.args, cwd, c.code);
      if (r >= 0) times[i].push(ms);
    });
  }
  return times.map(median);
}

/** Wall time and peak RSS (KB, from GNU time) of one process. */
function timeWithRss(args, cwd, code) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== code) throw new Error(`${args.join(' ')} exited ${r.status}, expected ${code}:\n${r.stderr}`);
  const rssKb = Number(r.stderr.trim().split('\n').at(-1));
  return { ms, rssMb: rssKb / 1024, stderr: r.stderr };
}

/** CPU time (ms) of a live process, from /proc. */
function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
}

/**
 * CPU per refresh of `poll --watch` on a run that stays `running` and does not change: the CPU
 * the process used over a window after its first refresh, divided by the refreshes in it. A
 * refresh starts `interval` after the previous one ended, so the window held (wall − CPU) /
 * interval of them.
 */
async function watchCpu(cwd, runsDir, seconds, intervalS) {
  const child = spawn(process.execPath, [BIN, 'poll', RUN_ID, '--watch', '--interval', String(intervalS), '--runs-dir', runsDir], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  try {
    // The first refresh has printed the table.
    const deadline = Date.now() + 30_000;
    while (!stderr.includes('manifest:')) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`poll --watch did not print its table:\n${stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 300));
    const c0 = cpuMs(child.pid);
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const c1 = cpuMs(child.pid);
    const wall = performance.now() - t0;
    const cpu = c1 - c0;
    const refreshes = Math.max(1, (wall - cpu) / (intervalS * 1000));
    return { cpuPerRefreshMs: cpu / refreshes, refreshes: Math.round(refreshes) };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
  }
}

/** A running copy of the run: its orchestrator (this process) alive on this host, its heartbeat fresh. */
function runningCopy(runsDir, runDir, watchRunsDir) {
  const m = JSON.parse(readFileSync(path.join(runDir, 'manifest.json'), 'utf8'));
  m.status = 'running';
  delete m.finishedAt;
  delete m.durationMs;
  m.heartbeatAt = new Date().toISOString();
  m.process = { pid: process.pid, hostname: os.hostname() };
  const dir = path.join(watchRunsDir, RUN_ID);
  execFileSync('cp', ['-r', runDir, dir]);
  writeFileSync(path.join(dir, 'manifest.json'), `${JSON.stringify(m, null, 2)}\n`);
  return dir;
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (!existsSync(path.join(DIST, 'cli', 'main.js'))) {
    progress('bench:cli: dist/ is missing; running npm run build');
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'co-bench-cli-'));
  const repo = path.join(dir, 'repo');
  try {
    execFileSync('mkdir', ['-p', repo]);
    git(repo, 'init', '-q', '-b', 'main');
    writeFileSync(path.join(repo, '.gitignore'), '.runs/\n');
    writeFileSync(path.join(repo, 'small.yaml'), graphYaml(o.tasks, 'small'));
    writeFileSync(path.join(repo, 'big.yaml'), graphYaml(o.big, 'big'));
    writeFileSync(path.join(repo, 'big-broken.yaml'), graphYaml(o.big, 'big-broken', { broken: true }));
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'graphs');
    const runsDir = path.join(repo, '.runs');
    progress(`bench:cli: writing a ${o.tasks}-task run`);
    const run = await writeRun(runsDir, o.tasks, path.join(repo, 'small.yaml'));

    progress(`bench:cli: start-up and poll, ${o.reps} repetitions each`);
    const commands = [
      { name: 'node -e 0', args: ['-e', '0'], code: 0 },
      { name: '--help', args: [BIN, '--help'], code: 0, target: 1.3 },
      { name: '--version', args: [BIN, '--version'], code: 0, target: 1.3 },
      { name: 'poll no-such-run', args: [BIN, 'poll', 'no-such-run'], code: 2, target: 1.3 },
      { name: `poll --json (${o.tasks} tasks)`, args: [BIN, 'poll', RUN_ID, '--json'], code: 0, target: 2 },
      { name: `poll (${o.tasks} tasks, table)`, args: [BIN, 'poll', RUN_ID], code: 0 },
    ];
    const medians = timeAll(commands, o.reps, repo);
    const nodeMs = medians[0];

    progress(`bench:cli: poll --watch for ${o.watchS} s`);
    const watchRuns = path.join(dir, 'watch-runs');
    execFileSync('mkdir', ['-p', watchRuns]);
    runningCopy(runsDir, run.runDir, watchRuns);
    const watch = await watchCpu(repo, watchRuns, o.watchS, 0.05);

    progress('bench:cli: validate');
    const validateReps = Math.max(3, Math.round(o.reps / 3));
    const v = (file, code) => {
      const results = Array.from({ length: validateReps }, () => timeWithRss([BIN, 'validate', file], repo, code));
      return { ms: median(results.map((r) => r.ms)), rssMb: median(results.map((r) => r.rssMb)), stderr: results[0].stderr };
    };
    const small = v('small.yaml', 0);
    const big = v('big.yaml', 0);
    const broken = v('big-broken.yaml', 2);
    const brokenLines = broken.stderr.split('\n').filter((l) => /^(error|\S+:\d+:\d+)/.test(l));

    const rows = [
      ...commands.map((c, i) => ({
        figure: c.name,
        value: msf(medians[i]),
        ratio: medians[i] / nodeMs,
        target: c.target === undefined ? '' : `≤ ${c.target}×`,
        met: c.target === undefined ? null : medians[i] / nodeMs <= c.target,
      })),
      { figure: `poll --watch (${o.tasks} tasks), CPU per refresh`, value: msf(watch.cpuPerRefreshMs), ratio: null, target: '≤ 20 ms', met: watch.cpuPerRefreshMs <= 20 },
      { figure: `validate (${o.tasks} tasks)`, value: msf(small.ms), ratio: small.ms / nodeMs, target: '≤ 400 ms', met: small.ms <= 400 },
      { figure: `validate (${o.big} tasks)`, value: `${msf(big.ms)}, ${big.rssMb.toFixed(0)} MB`, ratio: big.ms / nodeMs, target: '≤ 3 s, ≤ 300 MB', met: big.ms <= 3000 && big.rssMb <= 300 },
      {
        figure: `validate (${o.big} tasks, 2 errors)`,
        value: `${msf(broken.ms)}, ${broken.rssMb.toFixed(0)} MB`,
        ratio: broken.ms / nodeMs,
        target: '≤ 3 s, ≤ 300 MB',
        met: broken.ms <= 3000 && broken.rssMb <= 300,
      },
    ];
    const out = [];
    out.push(`CLI response times (medians of ${o.reps}; validate: of ${validateReps}); node ${process.version}, ${os.cpus().length} cores`);
    out.push(`manifest of the ${o.tasks}-task run: ${(run.bytes / 1024).toFixed(0)} KB; poll --watch: ${watch.refreshes} refreshes at 50 ms`);
    out.push('');
    const w = [Math.max(...rows.map((r) => r.figure.length)), 22, 8, 18];
    const line = (cells) =>
      cells
        .map((c, i) => String(c).padEnd(w[i] ?? 0))
        .join('  ')
        .trimEnd();
    out.push(line(['figure', 'median', 'x node', 'target', 'met']));
    for (const r of rows) out.push(line([r.figure, r.value, r.ratio === null ? '-' : `${r.ratio.toFixed(2)}×`, r.target, r.met === null ? '' : r.met ? 'yes' : 'NO']));
    out.push('');
    out.push(`errors of the broken ${o.big}-task graph (first lines):`);
    out.push(...brokenLines.slice(0, 4).map((l) => `  ${l}`));
    console.log(out.join('\n'));
    if (o.json) writeFileSync(o.json, `${JSON.stringify({ nodeMs, rows, watch, manifestBytes: run.bytes, brokenErrors: brokenLines }, null, 2)}\n`);
  } finally {
    if (o.keep) progress(`bench:cli: kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
