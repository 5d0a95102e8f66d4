// The scale part of the benchmark (bench/run.js, section 4): one graph of many independent tasks
// at zero model latency, agents off, run by the real CLI in a process of its own, so that its CPU
// (outside Codex), its peak memory and the time `poll --json` takes on its manifest can be read
// from /proc. Linux only: elsewhere the CPU and memory figures come out as NaN. See bench/README.md.

import { execFile, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const SAMPLE_EVERY_MS = 100;
const POLLS = 5;

/** `/proc/<pid>/stat` after the command name, as numbers (utime is [11]), with the command name. */
function readStat(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
  const f = stat
    .slice(stat.lastIndexOf(')') + 2)
    .split(' ')
    .map(Number);
  return { comm, own: f[11] + f[12], reaped: f[13] + f[14] };
}

function childPids(pid) {
  const pids = [];
  let tids;
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return pids;
  }
  for (const tid of tids) {
    try {
      pids.push(...readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ').filter(Boolean));
    } catch {
      // the thread ended meanwhile
    }
  }
  return pids;
}

/**
 * One look at a process tree, in clock ticks. Every live process counts its own time and what it
 * has reaped, so the sum over the live processes is the whole tree's CPU up to now (a process
 * that ended is in its parent's reaped time). A process counts as Codex when its command name
 * starts with "codex" or an ancestor's does (Codex's sandbox helpers and the commands it runs).
 */
function sampleTree(root) {
  let total = 0;
  let rootOwn = NaN;
  // per outermost Codex process: its time with its descendants' (live ones and reaped ones)
  const codex = new Map();
  const walk = (pid, codexTop) => {
    let s;
    try {
      s = readStat(pid);
    } catch {
      return; // ended meanwhile
    }
    const top = codexTop ?? (s.comm.startsWith('codex') ? pid : undefined);
    total += s.own + s.reaped;
    if (top !== undefined) codex.set(top, (codex.get(top) ?? 0) + s.own + s.reaped);
    if (pid === root) rootOwn = s.own;
    for (const c of childPids(pid)) walk(Number(c), top);
  };
  walk(root, undefined);
  let hwmKiB = NaN;
  let writtenBytes = NaN;
  let diskBytes = NaN;
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${root}/status`, 'utf8'));
    if (m) hwmKiB = Number(m[1]);
    // Bytes the CLI's own process handed to write(2) and friends: its files (manifest, event log, logs) and pipes.
    const io = readFileSync(`/proc/${root}/io`, 'utf8');
    const w = /^wchar:\s+(\d+)/m.exec(io);
    if (w) writtenBytes = Number(w[1]);
    // Of them, what went to files (the page cache and the disk): the manifests, the logs; no pipes or
    // sockets. Both counts take in the children the CLI has reaped (Codex's databases, once it ended).
    const d = /^write_bytes:\s+(\d+)/m.exec(io);
    if (d) diskBytes = Number(d[1]);
  } catch {
    // ended meanwhile
  }
  return { total, codex, rootOwn, hwmKiB, writtenBytes, diskBytes };
}

/** All cores' time (/proc/stat, clock ticks): busy with anything, and in all. */
function machineTicks() {
  try {
    const m = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
    const [user, nice, system, , , irq, softirq, steal] = m;
    return { busy: user + nice + system + irq + softirq + steal, total: m.reduce((a, b) => a + b, 0) };
  } catch {
    return undefined;
  }
}

function ticksPerSecond() {
  return new Promise((resolve) => execFile('getconf', ['CLK_TCK'], (e, out) => resolve(Number(String(out).trim()) || 100)));
}

/** Runs `node bin/codex-orchestrator.js <args>` in `cwd`; resolves with its exit, output and wall time. */
function cli(root, args, { cwd, env, onSpawn }) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [path.join(root, 'bin', 'codex-orchestrator.js'), ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c.toString('utf8')));
    // The run's progress lines: only the end is kept, for the error message.
    child.stderr.on('data', (c) => (stderr = (stderr + c.toString('utf8')).slice(-4000)));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, wallMs: performance.now() - t0 }));
    onSpawn?.(child);
  });
}

/**
 * A fresh repository with one graph of `tasks` independent builders, run once by the CLI
 * (`run --backend codex-app-server --agents off --json`) while its process tree is sampled every
 * 100 ms; then `poll <run-id> --json` five times.
 */
export async function scaleRun({ root, base, tasks, concurrency, env, graphYaml, git, progress }) {
  const backend = 'codex-app-server';
  const repo = path.join(base, 'scale-repo');
  mkdirSync(repo, { recursive: true });
  git(repo, ['init', '-q']);
  writeFileSync(path.join(repo, '.gitignore'), '.runs/\n');
  const graphFile = path.join(repo, 'bench-scale.yaml');
  writeFileSync(graphFile, graphYaml('bench-scale'));
  git(repo, ['add', '-A']);
  git(repo, ['commit', '-q', '-m', 'benchmark repository (scale)']);

  const runEnv = { ...env, GIT_TERMINAL_PROMPT: '0' };
  let last;
  // The last look while Codex still ran: the CLI's own writes, before it reaped Codex's.
  let whileCodex;
  let peakKiB = NaN;
  // The Codex processes' time as last seen alive: the run ends its Codex servers before it exits,
  // and after that their time is in the CLI's own reaped time (so counted outside Codex, not lost).
  const codexSeen = new Map();
  const machine0 = machineTicks();
  let timer;
  const result = await cli(root, ['run', graphFile, '--backend', backend, '--concurrency', String(concurrency), '--agents', 'off', '--json'], {
    cwd: repo,
    env: runEnv,
    onSpawn: (child) => {
      timer = setInterval(() => {
        const s = sampleTree(child.pid);
        if (Number.isFinite(s.rootOwn)) last = s;
        if (Number.isFinite(s.rootOwn) && s.codex.size > 0) whileCodex = s;
        for (const [pid, ticks] of s.codex) codexSeen.set(pid, Math.max(codexSeen.get(pid) ?? 0, ticks));
        if (Number.isFinite(s.hwmKiB)) peakKiB = Number.isFinite(peakKiB) ? Math.max(peakKiB, s.hwmKiB) : s.hwmKiB;
      }, SAMPLE_EVERY_MS);
    },
  });
  clearInterval(timer);
  const machine1 = machineTicks();
  const problems = [];
  let poll;
  try {
    poll = JSON.parse(result.stdout);
  } catch {
    problems.push(`run exited ${result.code} without its JSON: ${result.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  }
  if (poll && poll.status !== 'succeeded') problems.push(`run ${poll.status}: ${poll.message ?? ''}`);
  if (poll && poll.counts?.succeeded !== tasks) problems.push(`${poll.counts?.succeeded} of ${tasks} tasks succeeded`);

  const pollTimes = [];
  if (poll?.runId) {
    for (let i = 0; i < POLLS; i++) {
      const p = await cli(root, ['poll', poll.runId, '--json'], { cwd: repo, env: runEnv });
      if (p.code !== 0) problems.push(`poll exited ${p.code}`);
      pollTimes.push(p.wallMs);
    }
  }
  // What a bare Node start-up costs here, to read the poll times against.
  const nodeStart = [];
  for (let i = 0; i < POLLS; i++) {
    const t0 = performance.now();
    await new Promise((resolve) => execFile(process.execPath, ['-e', '0'], () => resolve()));
    nodeStart.push(performance.now() - t0);
  }
  progress(`    ${(result.wallMs / 1000).toFixed(1)} s (${poll?.status ?? 'no result'}); poll ${pollTimes.map((t) => Math.round(t)).join(', ')} ms`);
  const sorted = [...pollTimes].sort((a, b) => a - b);
  const toMs = 1000 / (await ticksPerSecond());
  const codexTicks = [...codexSeen.values()].reduce((a, b) => a + b, 0);
  let manifestBytes = NaN;
  let eventLogBytes = NaN;
  try {
    manifestBytes = statSync(poll.manifest).size;
    eventLogBytes = statSync(path.join(path.dirname(poll.manifest), 'events.ndjson')).size;
  } catch {
    // no run
  }
  return {
    backend,
    tasks,
    concurrency,
    runId: poll?.runId,
    status: poll?.status,
    wallMs: result.wallMs,
    makespanMs: poll?.durationMs ?? NaN,
    treeCpuMs: last ? last.total * toMs : NaN,
    codexCpuMs: last ? codexTicks * toMs : NaN,
    codexProcesses: codexSeen.size,
    outsideCodexCpuMs: last ? (last.total - codexTicks) * toMs : NaN,
    nodeCpuMs: last ? last.rootOwn * toMs : NaN,
    peakRssKiB: peakKiB,
    // share of all cores' time: the CLI's tree, and anything at all (other load shows as the gap)
    ownShare: last && machine1 ? last.total / (machine1.total - machine0.total) : NaN,
    machineShare: machine0 && machine1 ? (machine1.busy - machine0.busy) / (machine1.total - machine0.total) : NaN,
    manifestBytes,
    eventLogBytes,
    writtenBytes: whileCodex ? whileCodex.writtenBytes : NaN,
    diskBytes: whileCodex ? whileCodex.diskBytes : NaN,
    poll: { timesMs: pollTimes, medianMs: sorted[sorted.length >> 1] ?? NaN, maxMs: sorted.at(-1) ?? NaN },
    nodeStartMs: [...nodeStart].sort((a, b) => a - b)[nodeStart.length >> 1],
    problems,
  };
}
