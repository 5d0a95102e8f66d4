#!/usr/bin/env node
// codex-orchestrator benchmark: makespan against the DAG lower bound, orchestration overhead per
// task, and the speed-up over a sequential shell loop of `codex exec`, all against the offline
// model server at a fixed latency. A benchmark, not a test: it exits non-zero only when it
// crashes, and prints whether each target is met. See bench/README.md.

import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import YAML from 'yaml';
import { scaleRun } from './scale.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const USAGE = `usage: npm run bench -- [options]

  --latency MS            offline model latency per response (default 300)
  --agents on|off         builders work through their role agents (on, the product's default) or
                          send their prompts straight to Codex (off)
  --backends LIST         Codex backends to run, one set of runs each (default: codex-app-server,
                          codex-exec, and codex-mcp when the installed Codex has \`codex mcp-server\`)
  --concurrencies LIST    builder concurrencies for the full graph (default 1,2,4,8; --quick: 2,8)
  --independent N         independent builder tasks (default 20; --quick: 8)
  --chain N               depth of the chain of builders (default 5; --quick: 3)
  --chain-last            list the chain after the independent tasks in the graph file
                          (default: chain first; the scheduler queues tasks as they become ready)
  --quick                 fewer tasks (8 independent + a 3-deep chain), concurrencies 2,8, no scale run
  --no-loop               skip the sequential \`codex exec\` loop and the speed-up comparison
  --no-xargs              skip the \`xargs -P8 codex exec\` peer
  --scale N               also run an N-task graph at zero latency, agents off, through the CLI
                          (orchestrator CPU outside Codex, poll time, peak RSS; default 1000, --quick: off)
  --no-scale              skip that
  --json FILE             also write every figure (and per-task timings) as JSON
  --keep                  keep the temporary repository (runs, logs, worktree branches)
  -h, --help              this text`;

// ---------------------------------------------------------------------------------------------
// Options

function parseArgs(argv) {
  const o = {
    latency: 300,
    agents: true,
    backends: undefined,
    concurrencies: undefined,
    independent: undefined,
    chain: undefined,
    chainLast: false,
    quick: false,
    loop: true,
    xargs: true,
    scale: undefined,
    json: undefined,
    keep: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) fail(`${a} needs a value`);
      return v;
    };
    const int = (v, min) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < min) fail(`${a}: expected an integer ≥ ${min}, got "${v}"`);
      return n;
    };
    switch (a) {
      case '--latency':
        o.latency = int(value(), 0);
        break;
      case '--agents': {
        const v = value();
        if (v !== 'on' && v !== 'off') fail(`--agents: on or off, got "${v}"`);
        o.agents = v === 'on';
        break;
      }
      case '--concurrencies':
        o.concurrencies = value()
          .split(',')
          .map((s) => int(s.trim(), 1));
        break;
      case '--independent':
        o.independent = int(value(), 1);
        break;
      case '--chain':
        o.chain = int(value(), 0);
        break;
      case '--chain-last':
        o.chainLast = true;
        break;
      case '--quick':
        o.quick = true;
        break;
      case '--no-loop':
        o.loop = false;
        break;
      case '--no-xargs':
        o.xargs = false;
        break;
      case '--scale':
        o.scale = int(value(), 0);
        break;
      case '--no-scale':
        o.scale = 0;
        break;
      case '--backends': {
        o.backends = value()
          .split(',')
          .map((s) => s.trim());
        const bad = o.backends.filter((b) => !BACKENDS.includes(b));
        if (bad.length) fail(`--backends: ${bad.join(', ')}: expected some of ${BACKENDS.join(', ')}`);
        break;
      }
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
  o.independent ??= o.quick ? 8 : 20;
  o.chain ??= o.quick ? 3 : 5;
  o.concurrencies ??= o.quick ? [2, 8] : [1, 2, 4, 8];
  o.scale ??= o.quick ? 0 : 1000;
  if (o.concurrencies.some((c) => c > 64)) fail('--concurrencies: at most 64');
  return o;
}

const BACKENDS = ['codex-app-server', 'codex-exec', 'codex-mcp'];

function fail(message) {
  console.error(`bench: ${message}`);
  process.exit(2);
}

// ---------------------------------------------------------------------------------------------
// Small helpers

const progress = (line) => process.stderr.write(`${line}\n`);
const sum = (xs) => xs.reduce((a, b) => a + b, 0);
/** Mean of the finite values (a figure a task could not give is left out, not counted as 0). */
const mean = (xs) => {
  const f = xs.filter(Number.isFinite);
  return f.length ? sum(f) / f.length : NaN;
};
const median = (xs) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const ms = (iso) => new Date(iso).getTime();
const sec = (x) => `${(x / 1000).toFixed(2)} s`;
const msf = (x) => `${Math.round(x)} ms`;
const shq = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;

function table(headers, rows, align) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const cell = (v, i) => (align?.[i] === 'l' ? String(v).padEnd(widths[i]) : String(v).padStart(widths[i]));
  const line = (r) => `  ${r.map(cell).join('  ')}`.trimEnd();
  return [line(headers), `  ${widths.map((w) => '-'.repeat(w)).join('  ')}`, ...rows.map(line)].join('\n');
}

const GIT_ENV = {
  GIT_AUTHOR_NAME: 'bench',
  GIT_AUTHOR_EMAIL: 'bench@localhost',
  GIT_COMMITTER_NAME: 'bench',
  GIT_COMMITTER_EMAIL: 'bench@localhost',
  GIT_TERMINAL_PROMPT: '0',
};

function git(cwd, args) {
  return execFileSync('git', ['-c', 'core.hooksPath=/dev/null', '-c', 'commit.gpgsign=false', ...args], {
    cwd,
    env: { ...process.env, ...GIT_ENV },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}

/**
 * CPU counters (Linux), in clock ticks: this process with every child it has reaped (git, the
 * Codex processes and, through Codex, their own children), and the whole machine (/proc/stat),
 * to see whether something else was competing. Undefined where /proc is missing.
 */
function cpuSample() {
  try {
    const f = statFields('self');
    const self = f[11] + f[12]; // utime, stime
    const own = self + f[13] + f[14] + liveChildTicks(); // + cutime, cstime, + children still running
    const m = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
    const [user, nice, system, , , irq, softirq, steal] = m;
    return { self, own, machineBusy: user + nice + system + irq + softirq + steal, machineTotal: sum(m), at: performance.now() };
  } catch {
    return undefined;
  }
}

/** The fields of `/proc/<pid>/stat` after the command name, as numbers (utime is [11]). */
function statFields(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat
    .slice(stat.lastIndexOf(')') + 2)
    .split(' ')
    .map(Number);
}

/**
 * CPU of this process's children that are still running, with what they reaped: the helper that
 * starts the engine's git commands lives as long as this process, so its time (and its git
 * children's) is not in cutime yet.
 */
function liveChildTicks() {
  let ticks = 0;
  for (const tid of readdirSync('/proc/self/task')) {
    let children;
    try {
      children = readFileSync(`/proc/self/task/${tid}/children`, 'utf8');
    } catch {
      continue;
    }
    for (const pid of children.split(' ').filter(Boolean)) {
      try {
        const f = statFields(pid);
        ticks += f[11] + f[12] + f[13] + f[14];
      } catch {
        // Ended meanwhile: its time is in our cutime now.
      }
    }
  }
  return ticks;
}

let clockTicks;
function ticksPerSecond() {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/**
 * CPU between two samples: cpuMs = CPU time of our process tree, selfCpuMs = of this Node process
 * alone (engine and offline model server); ownShare = that over all cores'
 * time; machineShare = share of all cores busy with anything (ours or not).
 */
function cpuBetween(a, b) {
  if (!a || !b || b.machineTotal <= a.machineTotal) return { cpuMs: NaN, selfCpuMs: NaN, ownShare: NaN, machineShare: NaN };
  const cores = os.cpus().length;
  const cpuMs = ((b.own - a.own) / ticksPerSecond()) * 1000;
  const selfCpuMs = ((b.self - a.self) / ticksPerSecond()) * 1000;
  return { cpuMs, selfCpuMs, ownShare: cpuMs / ((b.at - a.at) * cores), machineShare: (b.machineBusy - a.machineBusy) / (b.machineTotal - a.machineTotal) };
}

/** The environment for everything the bench starts: never a real model, whatever the shell has. */
function offlineEnv() {
  const env = { ...process.env };
  delete env.OPENAI_API_KEY;
  delete env.CODEX_ORCHESTRATOR_OFFLINE_LATENCY_MS;
  return env;
}

// ---------------------------------------------------------------------------------------------
// The workload

/** One patch block adding a small unique file and one trivial shell block: 3 model responses. */
function promptFor(id) {
  return [
    `Add the file out/${id}.txt and show it.`,
    '',
    '```patch',
    '*** Begin Patch',
    `*** Add File: out/${id}.txt`,
    `+${id}: a small file added by the benchmark.`,
    '*** End Patch',
    '```',
    '',
    '```sh',
    `cat out/${id}.txt`,
    '```',
    '',
  ].join('\n');
}
const RESPONSES_PER_TASK = 3; // patch step, shell step, final summary

const independentIds = (n) => Array.from({ length: n }, (_, i) => `ind-${String(i + 1).padStart(2, '0')}`);
const chainIds = (n) => Array.from({ length: n }, (_, i) => `chain-${i + 1}`);

function graphYaml(name, { independent, chain, chainLast, agents }) {
  const ind = independentIds(independent).map((id) => ({ id, title: `Independent builder ${id}`, role: 'builder', prompt: promptFor(id) }));
  const ch = chainIds(chain).map((id, i, all) => ({ id, title: `Chain builder ${i + 1} of ${all.length}`, role: 'builder', deps: i ? [all[i - 1]] : [], prompt: promptFor(id) }));
  const doc = {
    version: 1,
    name,
    description: 'Generated by bench/run.js: independent builders plus a chain of builders, each one patch and one shell step.',
    // The backend is given per run (executeRun's \`backend\`): one graph serves every backend.
    settings: { timeout: '5m', retries: 0, agents },
    tasks: chainLast ? [...ind, ...ch] : [...ch, ...ind],
  };
  return YAML.stringify(doc, { lineWidth: 0 });
}

// ---------------------------------------------------------------------------------------------
// Measurements

/** Time inside the Codex turn, from the task's events.jsonl: first and last event `ts`. */
function turnWindow(eventsFile) {
  if (!existsSync(eventsFile)) return undefined;
  const lines = readFileSync(eventsFile, 'utf8').split('\n').filter(Boolean);
  if (!lines.length) return undefined;
  const records = lines.map((l) => JSON.parse(l));
  const first = ms(records[0].ts);
  const last = ms(records.at(-1).ts);
  // One usage report per model response from codex mcp-server (token_count) and codex app-server
  // (thread/tokenUsage/updated); \`codex exec --json\` reports usage once per turn, so there the
  // responses are not counted (undefined).
  const exec = records.some((r) => r.source === 'codex-exec');
  const responses = exec ? undefined : records.filter((r) => r.raw?.type === 'token_count' || r.raw?.method === 'thread/tokenUsage/updated').length;
  // The end of the turn: task_complete (mcp-server), turn/completed (app-server), turn.completed (exec).
  const completed = records.some((r) => r.raw?.type === 'task_complete' || r.raw?.method === 'turn/completed' || r.raw?.type === 'turn.completed');
  return { first, last, responses, completed };
}

/**
 * Time each task waited on the role agents' model (their requests, not Codex's), from the run's
 * trace.jsonl: the \`response\` spans of the traces named for the task. Model time like Codex's
 * own, so not overhead. Empty without the agents layer.
 */
function agentModelTime(runDir) {
  const file = path.join(runDir, 'trace.jsonl');
  const byTask = new Map();
  if (!existsSync(file)) return byTask;
  const records = readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
  const taskOf = new Map(records.filter((r) => r.type === 'trace' && typeof r.data?.task === 'string').map((r) => [r.traceId, r.data.task]));
  for (const r of records) {
    const task = taskOf.get(r.traceId);
    if (r.type !== 'response' || task === undefined || !r.startedAt || !r.endedAt) continue;
    const t = byTask.get(task) ?? { ms: 0, requests: 0, spans: [] };
    t.ms += ms(r.endedAt) - ms(r.startedAt);
    t.requests++;
    t.spans.push({ start: ms(r.startedAt), end: ms(r.endedAt) });
    byTask.set(task, t);
  }
  return byTask;
}

/**
 * When Codex created each thread, from the \`session_meta\` line its rollout files start with
 * (<CODEX_HOME>/sessions/…/rollout-…-<thread id>.jsonl). A Codex detail, so optional: undefined
 * when the files or the field are not there.
 */
function codexSessionStarts(codexHome) {
  const starts = new Map();
  const walk = (dir) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.startsWith('rollout-') && e.name.endsWith('.jsonl')) {
        try {
          const first = JSON.parse(readFileSync(p, 'utf8').split('\n', 1)[0]);
          const id = first?.payload?.id ?? first?.payload?.session_id;
          const ts = first?.payload?.timestamp;
          if (first?.type === 'session_meta' && typeof id === 'string' && typeof ts === 'string') starts.set(id, ms(ts));
        } catch {
          // not the format we know: leave it out
        }
      }
    }
  };
  walk(path.join(codexHome, 'sessions'));
  return starts;
}

/** Longest dependency chain, summing task durations. */
function criticalPath(tasks) {
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const memo = new Map();
  const finish = (t) => {
    if (memo.has(t.id)) return memo.get(t.id);
    const v = t.durationMs + Math.max(0, ...t.deps.map((d) => finish(byId.get(d))));
    memo.set(t.id, v);
    return v;
  };
  return Math.max(...tasks.map(finish));
}

function analyseRun(manifest, runsDir, concurrency, codexHome) {
  const runDir = path.join(runsDir, manifest.runId);
  const sessions = codexSessionStarts(codexHome);
  const agentModel = agentModelTime(runDir);
  const tasks = manifest.tasks.map((t) => {
    const attempt = t.attempts.at(-1);
    const w = turnWindow(path.join(runDir, 'tasks', t.id, 'events.jsonl'));
    const turnMs = w ? w.last - w.first : 0;
    const agent = agentModel.get(t.id) ?? { ms: 0, requests: 0, spans: [] };
    // The agent's requests before Codex's first event and after its last, for the split below.
    const agentBefore = w ? sum(agent.spans.filter((x) => x.end <= w.first).map((x) => x.end - x.start)) : 0;
    const agentAfter = w ? sum(agent.spans.filter((x) => x.start >= w.last).map((x) => x.end - x.start)) : 0;
    const session = t.threadId ? sessions.get(t.threadId) : undefined;
    return {
      id: t.id,
      deps: t.deps,
      status: t.status,
      reason: t.reason,
      message: t.message,
      attempts: t.attempts.length,
      startedAt: t.startedAt ? ms(t.startedAt) : NaN,
      finishedAt: t.finishedAt ? ms(t.finishedAt) : NaN,
      // a task that never ran (skipped, cancelled) counts as 0 work
      durationMs: t.durationMs ?? 0,
      turnMs,
      agentModelMs: agent.ms,
      agentRequests: agent.requests,
      overheadMs: (t.durationMs ?? 0) - turnMs - agent.ms,
      preMs: w && attempt ? w.first - ms(attempt.startedAt) - agentBefore : NaN,
      postMs: w && attempt?.finishedAt ? ms(attempt.finishedAt) - w.last - agentAfter : NaN,
      // pre split at the moment Codex created the thread (when its rollout file says so)
      beforeSessionMs: w && session !== undefined ? session - ms(attempt.startedAt) - agentBefore : NaN,
      sessionStartMs: w && session !== undefined ? w.first - session : NaN,
      responses: w ? w.responses : 0,
      completed: w?.completed ?? false,
    };
  });
  const work = sum(tasks.map((t) => t.durationMs));
  const cp = criticalPath(tasks);
  const lowerBound = Math.max(cp, work / concurrency);
  const firstStart = Math.min(...tasks.map((t) => t.startedAt).filter(Number.isFinite));
  const lastFinish = Math.max(...tasks.map((t) => t.finishedAt).filter(Number.isFinite));
  return {
    runId: manifest.runId,
    status: manifest.status,
    concurrency,
    tasks,
    makespanMs: manifest.durationMs,
    criticalPathMs: cp,
    workMs: work,
    workPerSlotMs: work / concurrency,
    lowerBoundMs: lowerBound,
    ratio: manifest.durationMs / lowerBound,
    meanTaskMs: mean(tasks.map((t) => t.durationMs)),
    meanTurnMs: mean(tasks.map((t) => t.turnMs)),
    meanAgentModelMs: mean(tasks.map((t) => t.agentModelMs)),
    agents: manifest.settings.agents === true,
    overheadPerTaskMs: sum(tasks.map((t) => t.overheadMs)) / tasks.length,
    medianOverheadMs: median(tasks.map((t) => t.overheadMs)),
    maxOverheadMs: Math.max(...tasks.map((t) => t.overheadMs)),
    meanPreMs: mean(tasks.map((t) => t.preMs)),
    meanPostMs: mean(tasks.map((t) => t.postMs)),
    meanBeforeSessionMs: mean(tasks.map((t) => t.beforeSessionMs)),
    meanSessionStartMs: mean(tasks.map((t) => t.sessionStartMs)),
    setupMs: firstStart - ms(manifest.startedAt),
    wrapUpMs: ms(manifest.finishedAt) - lastFinish,
    integrated: manifest.integration?.merged?.length ?? 0,
    problems: [
      ...(manifest.status === 'succeeded' ? [] : [`run ${manifest.status}: ${manifest.message ?? ''}`]),
      ...tasks.filter((t) => t.status !== 'succeeded').map((t) => `task ${t.id} ${t.status}${t.reason ? ` (${t.reason})` : ''}${t.message ? `: ${t.message}` : ''}`),
      ...tasks.filter((t) => t.attempts > 1).map((t) => `task ${t.id} took ${t.attempts} attempts`),
      ...tasks
        .filter((t) => t.status === 'succeeded' && t.responses !== undefined && t.responses !== RESPONSES_PER_TASK)
        .map((t) => `task ${t.id}: ${t.responses} model responses, expected ${RESPONSES_PER_TASK}`),
      ...tasks.filter((t) => t.status === 'succeeded' && !t.completed).map((t) => `task ${t.id}: no task_complete event`),
    ],
  };
}

let orchestrated = 0;

async function orchestrate(mods, { repo, graphFile, backend, concurrency, latency, label }) {
  const loaded = await mods.loadGraph(graphFile);
  if (!loaded.ok) throw new Error(`could not load ${graphFile}: ${JSON.stringify(loaded.error)}`);
  const runsDir = path.join(repo, '.runs');
  // Each run gets a CODEX_HOME of its own in the bench's folder, where the bench reads Codex's
  // session files (and which goes with that folder).
  const codexHome = path.join(path.dirname(repo), 'codex-homes', String(++orchestrated));
  progress(`  ${label}: ${backend}, concurrency ${concurrency}, ${loaded.value.tasks.length} tasks …`);
  const controller = new AbortController();
  const stop = () => controller.abort(new mods.TaggedAbort({ kind: 'stop', signal: 'SIGINT' }));
  process.once('SIGINT', stop);
  const t0 = performance.now();
  const cpu0 = cpuSample();
  let result;
  try {
    result = await mods.executeRun({
      graph: loaded.value,
      runsDir,
      backend,
      signal: controller.signal,
      env: offlineEnv(),
      concurrency: { builder: concurrency, tester: concurrency },
      offlineLatencyMs: latency,
      codexHome,
    });
  } finally {
    process.removeListener('SIGINT', stop);
  }
  if (!result.ok) throw new Error(`run did not start: ${JSON.stringify(result.error)}`);
  if (controller.signal.aborted) throw new Error('interrupted');
  const cpu1 = cpuSample();
  const analysed = analyseRun(result.value, runsDir, concurrency, codexHome);
  analysed.wallMs = performance.now() - t0;
  analysed.backend = backend;
  Object.assign(analysed, cpuBetween(cpu0, cpu1));
  progress(`    ${sec(analysed.makespanMs)} (${analysed.status})`);
  return analysed;
}

/**
 * The same tasks as plain `codex exec` processes, each in its own empty directory (created before
 * the clock starts), with a private CODEX_HOME pointing at an offline model server of their own:
 * one after another in a bash loop (`parallel` 1), or `parallel` at a time by a real
 * `xargs -P<parallel>` process, the naive parallel peer of the orchestrator.
 */
async function codexExecPeer(mods, { base, ids, latency, parallel }) {
  const name = parallel > 1 ? `xargs-p${parallel}` : 'loop';
  const server = await mods.startOfflineModel({ latencyMs: latency });
  try {
    const codexHome = path.join(base, `${name}-codex-home`);
    await mods.writeCodexHome(codexHome, { kind: 'offline', baseUrl: server.baseUrl });
    const promptDir = path.join(base, `${name}-prompts`);
    const workDir = path.join(base, `${name}-work`);
    mkdirSync(promptDir, { recursive: true });
    for (const id of ids) {
      writeFileSync(path.join(promptDir, `${id}.txt`), promptFor(id));
      mkdirSync(path.join(workDir, id), { recursive: true });
    }
    const bin = mods.codexBinary();
    const codex = [bin.command, ...bin.prefixArgs].map(shq).join(' ');
    const one = (id) => `${codex} exec --json --skip-git-repo-check -s workspace-write -C ${shq(workDir)}/${id} "$(cat ${shq(promptDir)}/${id}.txt)" </dev/null >/dev/null`;
    // The loop: one bash process running the tasks in turn. The peer: xargs reads the ids on its
    // stdin and starts one `bash -c` (which execs codex) per id, at most `parallel` at once.
    const [command, args, input] =
      parallel > 1
        ? ['xargs', ['-P', String(parallel), '-n', '1', 'bash', '-c', `exec ${one('"$1"')}`, 'bench-task'], `${ids.join('\n')}\n`]
        : ['bash', ['-c', [`for id in ${ids.map(shq).join(' ')}; do`, `  ${one('"$id"')}`, 'done'].join('\n')], undefined];
    progress(parallel > 1 ? `  xargs -P${parallel} codex exec: ${ids.length} tasks …` : `  sequential codex exec loop: ${ids.length} tasks …`);
    const t0 = performance.now();
    const cpu0 = cpuSample();
    const { code, stderr } = await new Promise((resolve, reject) => {
      const child = spawn(command, args, { env: mods.codexEnv(codexHome, offlineEnv()), stdio: [input === undefined ? 'ignore' : 'pipe', 'ignore', 'pipe'] });
      let err = '';
      child.stderr.on('data', (c) => (err += c.toString('utf8')));
      child.on('error', reject);
      child.on('close', (c) => resolve({ code: c, stderr: err }));
      if (input !== undefined) child.stdin.end(input);
    });
    const totalMs = performance.now() - t0;
    const cpu = cpuBetween(cpu0, cpuSample());
    const missing = ids.filter((id) => !existsSync(path.join(workDir, id, 'out', `${id}.txt`)));
    const responses = server.responses();
    const problems = [
      ...(code === 0 ? [] : [`${command} exited ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`]),
      ...(missing.length ? [`${missing.length} task(s) did not create their file: ${missing.slice(0, 5).join(', ')}`] : []),
      ...(responses !== ids.length * RESPONSES_PER_TASK ? [`${responses} model responses, expected ${ids.length * RESPONSES_PER_TASK}`] : []),
    ];
    progress(`    ${sec(totalMs)}`);
    return { tasks: ids.length, parallel, totalMs, perTaskMs: totalMs / ids.length, responses, problems, ...cpu };
  } finally {
    await server.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Main

async function loadModules() {
  if (!existsSync(path.join(ROOT, 'dist', 'orchestrator', 'src', 'engine', 'engine.js'))) {
    progress('dist/ is missing: running npm run build …');
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  }
  const imp = (p) => import(pathToFileURL(path.join(ROOT, 'dist', 'orchestrator', 'src', p)).href);
  const [engine, load, server, home, binary, abort] = await Promise.all([
    imp('engine/run/execute.js'),
    imp('graph/load.js'),
    imp('model-server/server.js'),
    imp('backends/codex-home.js'),
    imp('backends/codex-binary.js'),
    imp('core/abort.js'),
  ]);
  return {
    executeRun: engine.executeRun,
    loadGraph: load.loadGraph,
    startOfflineModel: server.startOfflineModel,
    writeCodexHome: home.writeCodexHome,
    codexBinary: binary.codexBinary,
    codexEnv: binary.codexEnv,
    codexVersion: binary.codexVersion,
    hasMcpServer: binary.hasMcpServer,
    MCP_SERVER_REMOVED_IN: binary.MCP_SERVER_REMOVED_IN,
    TaggedAbort: abort.TaggedAbort,
  };
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const mods = await loadModules();
  const benchStart = performance.now();

  const cpus = os.cpus();
  const machine = {
    platform: `${process.platform} ${process.arch}`,
    cores: cpus.length,
    cpuModel: cpus[0]?.model?.trim() ?? 'unknown',
    memoryGiB: os.totalmem() / 2 ** 30,
    node: process.version,
    codex: await mods.codexVersion(),
  };
  const compareAt = o.concurrencies.includes(8) ? 8 : Math.max(...o.concurrencies);
  // codex-mcp needs \`codex mcp-server\`, which Codex dropped in 0.154.0: left out (and said so) on
  // a Codex without it.
  const mcp = mods.hasMcpServer(machine.codex);
  const wanted = o.backends ?? BACKENDS;
  const skipped = wanted.includes('codex-mcp') && !mcp ? [{ backend: 'codex-mcp', why: `codex ${machine.codex} has no \`codex mcp-server\` (removed in ${mods.MCP_SERVER_REMOVED_IN})` }] : [];
  const backends = wanted.filter((b) => b !== 'codex-mcp' || mcp);
  if (!backends.length) fail('no backend to run');

  const base = mkdtempSync(path.join(os.tmpdir(), 'codex-orchestrator-bench-'));
  const repo = path.join(base, 'repo');
  const cleanup = () => {
    if (!o.keep) rmSync(base, { recursive: true, force: true });
  };
  progress(`bench: temporary repository ${repo}`);

  try {
    // A fresh repository holding both graphs, with the runs folder ignored.
    mkdirSync(repo, { recursive: true });
    git(repo, ['init', '-q']);
    writeFileSync(path.join(repo, 'README.md'), '# benchmark repository\n\nGenerated by codex-orchestrator bench/run.js.\n');
    writeFileSync(path.join(repo, '.gitignore'), '.runs/\n');
    const fullGraph = path.join(repo, 'bench-full.yaml');
    const indGraph = path.join(repo, 'bench-independent.yaml');
    writeFileSync(fullGraph, graphYaml('bench-full', { independent: o.independent, chain: o.chain, chainLast: o.chainLast, agents: o.agents }));
    writeFileSync(indGraph, graphYaml('bench-independent', { independent: o.independent, chain: 0, chainLast: false, agents: o.agents }));
    git(repo, ['add', '-A']);
    git(repo, ['commit', '-q', '-m', 'benchmark repository']);

    const results = [];
    for (const backend of backends) {
      progress(`bench: ${backend}: full graph (${o.independent} independent + ${o.chain}-deep chain) at latency ${o.latency} ms`);
      const runs = [];
      for (const c of o.concurrencies) {
        runs.push(await orchestrate(mods, { repo, graphFile: fullGraph, backend, concurrency: c, latency: o.latency, label: 'full graph' }));
      }
      let orchestrated;
      if (o.loop || o.xargs) {
        progress(`bench: ${backend}: the ${o.independent} independent tasks alone at concurrency ${compareAt}`);
        orchestrated = await orchestrate(mods, { repo, graphFile: indGraph, backend, concurrency: compareAt, latency: o.latency, label: 'independent-only graph' });
      }
      results.push({ backend, runs, orchestrated });
    }

    const ids = independentIds(o.independent);
    const peers = {};
    if (o.loop) {
      progress(`bench: the ${o.independent} independent tasks as a sequential codex exec loop`);
      peers.loop = await codexExecPeer(mods, { base, ids, latency: o.latency, parallel: 1 });
    }
    if (o.xargs) {
      progress(`bench: the ${o.independent} independent tasks through xargs -P${compareAt} codex exec`);
      peers.xargs = await codexExecPeer(mods, { base, ids, latency: o.latency, parallel: compareAt });
    }
    for (const r of results) {
      if (!r.orchestrated) continue;
      r.vsXargs = peers.xargs ? r.orchestrated.wallMs / peers.xargs.totalMs : undefined;
      r.speedup = peers.loop ? peers.loop.totalMs / r.orchestrated.wallMs : undefined;
    }

    let scale;
    if (o.scale > 0) {
      progress(`bench: ${o.scale}-task graph, zero latency, agents off, through the CLI (codex-app-server, concurrency 8)`);
      scale = await scaleRun({
        root: ROOT,
        base,
        tasks: o.scale,
        concurrency: 8,
        env: offlineEnv(),
        graphYaml: (name) => graphYaml(name, { independent: o.scale, chain: 0, chainLast: false, agents: false }),
        git,
        progress,
      });
    }

    report(o, machine, { results, skipped, compareAt, peers, scale }, performance.now() - benchStart);
  } finally {
    cleanup();
    if (o.keep) progress(`bench: kept ${base}`);
  }
}

function report(o, machine, { results, skipped, compareAt, peers, scale }, benchMs) {
  const total = o.independent + o.chain;
  const floor = RESPONSES_PER_TASK * o.latency;
  const runs = results.flatMap((r) => r.runs);
  const out = [];
  out.push('');
  out.push('codex-orchestrator benchmark');
  out.push('============================');
  out.push(`machine:   ${machine.platform}, ${machine.cores} cores (${machine.cpuModel}), ${machine.memoryGiB.toFixed(1)} GiB RAM`);
  out.push(`tools:     node ${machine.node}, codex ${machine.codex} (pinned @openai/codex); backends ${results.map((r) => r.backend).join(', ')}`);
  for (const s of skipped) out.push(`           ${s.backend} left out: ${s.why}`);
  out.push(`model:     offline model server, ${o.latency} ms latency per response`);
  out.push(
    o.agents
      ? 'agents:    on (the default): each builder works through its role agent, whose model calls the codex tool (2 agent requests per task)'
      : "agents:    off (--agents off): each task's prompt goes straight to Codex",
  );
  out.push(`workload:  ${o.independent} independent builders + a ${o.chain}-deep chain of builders = ${total} tasks (chain listed ${o.chainLast ? 'last' : 'first'} in the graph file);`);
  out.push(`           each task = 1 patch step + 1 shell step + final answer = ${RESPONSES_PER_TASK} model responses = ${floor} ms of pure model latency`);
  out.push('');
  const num = (x, f) => (Number.isFinite(x) ? f(x) : 'n/a');
  const pct = (x) => num(x, (v) => `${Math.round(v * 100)}%`);
  const x2 = (x) => num(x, (v) => `${v.toFixed(2)}x`);
  out.push(`1. Makespan against the DAG lower bound: full ${total}-task graph (figures from each run's manifest)`);
  out.push(
    table(
      ['backend', 'conc', 'makespan', 'crit.path', 'work/conc', 'lower bd', 'ratio', 'overhead/task', 'CPU/task', 'setup', 'wrap-up'],
      runs.map((r) => [
        r.backend,
        r.concurrency,
        sec(r.makespanMs),
        sec(r.criticalPathMs),
        sec(r.workPerSlotMs),
        sec(r.lowerBoundMs),
        r.ratio.toFixed(2),
        msf(r.overheadPerTaskMs),
        num(r.cpuMs / r.tasks.length, msf),
        msf(r.setupMs),
        msf(r.wrapUpMs),
      ]),
      ['l'],
    ),
  );
  out.push('');
  out.push("  makespan      the manifest's durationMs: run start (before Codex starts) to run end (after the integration branch).");
  out.push("  crit.path     longest dependency chain, summing the same run's task durationMs.");
  out.push("  work/conc     sum of the same run's task durationMs / builder concurrency.");
  out.push('  lower bd      max(crit.path, work/conc): no schedule of these task durations can finish sooner.');
  out.push('  ratio         makespan / lower bd. The makespan also holds run setup and wrap-up, which no task covers.');
  out.push('  overhead/task sum over tasks of (task durationMs - time inside the Codex turn - time waiting on the role');
  out.push("                agent's model) / tasks, where a task's durationMs runs from its attempt start to its end (queue");
  out.push("                wait excluded), the time inside the Codex turn = last event ts - first event ts of the task's");
  out.push('                events.jsonl (so model latency and everything Codex does between its first and last event are');
  out.push("                not overhead), and the agent's model time = its response spans in trace.jsonl (agents on).");
  out.push("  CPU/task      CPU time of the bench's process tree during the run (/proc: the engine, the model server, git,");
  out.push('                every Codex process and what Codex ran), / tasks. See table 2.');
  out.push('  setup         run start to first task start (offline model server, starting the Codex servers, manifest, checkout check).');
  out.push('  wrap-up       last task end to run end (integration branch merging every task, worktree prune, manifest).');
  out.push('');
  out.push("2. Where a task's time goes (means over the tasks of each run above)");
  out.push(
    table(
      ['backend', 'conc', 'task', 'codex turn', 'model', 'agent model', 'overhead', 'med', 'max', '= before session', '+ session start', '+ after turn', 'CPU/task', '(node)', 'ours', 'machine'],
      runs.map((r) => [
        r.backend,
        r.concurrency,
        msf(r.meanTaskMs),
        msf(r.meanTurnMs),
        msf(floor),
        r.agents ? msf(r.meanAgentModelMs) : '-',
        msf(r.overheadPerTaskMs),
        msf(r.medianOverheadMs),
        msf(r.maxOverheadMs),
        num(r.meanBeforeSessionMs, msf),
        num(r.meanSessionStartMs, msf),
        num(r.meanPostMs, msf),
        num(r.cpuMs / r.tasks.length, msf),
        num(r.selfCpuMs / r.tasks.length, msf),
        pct(r.ownShare),
        pct(r.machineShare),
      ]),
      ['l'],
    ),
  );
  out.push('');
  out.push(`  model           pure model latency inside a turn: ${RESPONSES_PER_TASK} responses x ${o.latency} ms. The rest of the turn is Codex.`);
  out.push('  agent model     time the role agent waited on its own model (its requests before and after the codex tool');
  out.push('                  call; trace.jsonl response spans); - without the agents layer.');
  out.push('  overhead        as in table 1; med/max: median and largest per-task value. It splits into:');
  out.push("  before session  attempt start to the moment Codex created the thread (session_meta timestamp in Codex's");
  out.push("                  rollout file): git worktree, the agent layer, the backend's call into Codex and any");
  out.push("                  queueing in Codex (without the agent's own model requests, counted under agent model).");
  out.push("  session start   thread created to its first event (Codex's own start-up of the thread).");
  out.push('  after turn      last Codex event to attempt end: the agent layer, git add/commit, diff, diff.patch, log');
  out.push("                  close, artifact digests (again without the agent's model requests). (Parking the worktree");
  out.push('                  comes after the attempt end: in the makespan, in no task.)');
  out.push('  CPU/task        CPU time of the bench process tree during the run (this process and every process it');
  out.push('                  reaped: git, codex, and what codex ran; plus its children still running), / tasks; from');
  out.push("                  /proc/self/stat and /proc/<child>/stat. (node): of which the bench's own Node process: the");
  out.push('                  engine, its manifest and log writes, and the model server.');
  out.push(`  ours, machine   share of all ${machine.cores} cores' time used by the bench's process tree / by anything (/proc/stat).`);
  out.push('                  Near 100% means the cores, not the schedule, are the limit; machine > ours means other load.');
  out.push('');

  const problems = runs.flatMap((r) => r.problems.map((p) => `${r.backend}, concurrency ${r.concurrency}: ${p}`));
  for (const r of results) if (r.orchestrated) problems.push(...r.orchestrated.problems.map((p) => `${r.backend}, independent-only graph: ${p}`));
  if (peers.loop) problems.push(...peers.loop.problems.map((p) => `sequential loop: ${p}`));
  if (peers.xargs) problems.push(...peers.xargs.problems.map((p) => `xargs -P${peers.xargs.parallel}: ${p}`));
  const compared = results.filter((r) => r.orchestrated);
  if (compared.length && (peers.loop || peers.xargs)) {
    out.push(`3. The same ${o.independent} independent tasks: sequential codex exec loop, xargs -P${compareAt} codex exec, orchestrator at concurrency ${compareAt}`);
    const peerRow = (name, p, details) => [name, sec(p.totalMs), msf(p.perTaskMs), num(p.cpuMs / p.tasks, msf), '-', '-', '-', pct(p.ownShare), pct(p.machineShare), details];
    out.push(
      table(
        ['', 'wall', 'per task', 'CPU/task', '/ xargs', 'seq /', 'lower bd ratio', 'ours', 'machine', 'details'],
        [
          ...(peers.loop ? [peerRow('sequential `codex exec` loop', peers.loop, `bash loop, one codex exec at a time; ${peers.loop.responses} model responses`)] : []),
          ...(peers.xargs ? [peerRow(`xargs -P${peers.xargs.parallel} codex exec`, peers.xargs, `plain directories, no git; ${peers.xargs.responses} model responses`)] : []),
          ...compared.map((r) => [
            `orchestrator, ${r.backend}`,
            sec(r.orchestrated.wallMs),
            msf(r.orchestrated.wallMs / o.independent),
            num(r.orchestrated.cpuMs / r.orchestrated.tasks.length, msf),
            x2(r.vsXargs),
            x2(r.speedup),
            r.orchestrated.ratio.toFixed(2),
            pct(r.orchestrated.ownShare),
            pct(r.orchestrated.machineShare),
            `makespan ${sec(r.orchestrated.makespanMs)}, lower bd ${sec(r.orchestrated.lowerBoundMs)}, overhead/task ${msf(r.orchestrated.overheadPerTaskMs)}`,
          ]),
        ],
        ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l'],
      ),
    );
    out.push('  wall          loop and xargs: from starting bash / xargs to its exit; orchestrator: the executeRun call, from');
    out.push("                loading the graph to the run's end (worktrees, manifests, diffs and the integration branch included).");
    out.push('  / xargs       orchestrator wall / xargs wall (below 1: the orchestrator is faster).');
    out.push('  seq /         sequential loop wall / orchestrator wall (the speed-up over the loop).');
    out.push("  lower bd ratio the independent-only run's makespan / its DAG lower bound.");
    out.push('  Each side has an offline model server of its own at the same latency, and a CODEX_HOME of its own.');
    out.push('');
  }

  if (scale) {
    problems.push(...scale.problems.map((p) => `${scale.tasks}-task graph: ${p}`));
    out.push(`4. ${scale.tasks} independent tasks, zero model latency, agents off, through the CLI (${scale.backend}, concurrency ${scale.concurrency})`);
    out.push(
      table(
        [
          'run wall',
          'makespan',
          'tree CPU/task',
          'Codex CPU/task',
          'outside Codex/task',
          'node alone/task',
          'peak RSS (node)',
          'poll --json (median / max of 5)',
          'bare node start',
          'manifest',
          'event log/task',
          'written/task',
          'to files/task',
        ],
        [
          [
            sec(scale.wallMs),
            num(scale.makespanMs, sec),
            num(scale.treeCpuMs / scale.tasks, msf),
            num(scale.codexCpuMs / scale.tasks, msf),
            num(scale.outsideCodexCpuMs / scale.tasks, (v) => `${v.toFixed(1)} ms`),
            num(scale.nodeCpuMs / scale.tasks, (v) => `${v.toFixed(1)} ms`),
            num(scale.peakRssKiB, (v) => `${(v / 1024).toFixed(0)} MB`),
            `${msf(scale.poll.medianMs)} / ${msf(scale.poll.maxMs)}`,
            num(scale.nodeStartMs, msf),
            num(scale.manifestBytes, (v) => `${(v / 1024).toFixed(0)} KB`),
            num(scale.eventLogBytes / scale.tasks, (v) => `${(v / 1024).toFixed(1)} KB`),
            num(scale.writtenBytes / scale.tasks, (v) => `${(v / 1024).toFixed(0)} KB`),
            num(scale.diskBytes / scale.tasks, (v) => `${(v / 1024).toFixed(0)} KB`),
          ],
        ],
      ),
    );
    out.push("  run wall           `codex-orchestrator run` started to exited; makespan: the manifest's durationMs.");
    out.push('  tree CPU           the CLI process and all its descendants, from /proc/<pid>/stat of each (utime + stime');
    out.push('                     + cutime + cstime), sampled every 100 ms; the last sample before the CLI exits counts.');
    out.push('  Codex CPU          of which the Codex processes (their command name starts with "codex"; with what they');
    out.push('                     reaped: the sandbox helpers and commands Codex ran).');
    out.push('  outside Codex      tree CPU - Codex CPU: the engine, the in-process offline model server, git, the helper.');
    out.push("  node alone         the CLI's own Node process (utime + stime): the engine and the offline model server.");
    out.push("  peak RSS           VmHWM of the CLI's Node process (/proc/<pid>/status), the last sample before it exits.");
    out.push('  poll --json        wall time of `codex-orchestrator poll <run-id> --json` (a fresh Node process) after the run;');
    out.push('                     bare node start: `node -e 0`, the part of it no CLI can save.');
    out.push("  event log          events.ndjson's size at the end, per task (the run's source of truth; the manifest is folded from it).");
    out.push("  written            bytes the CLI's Node process wrote (/proc/<pid>/io wchar: manifests, event log, task logs, pipes");
    out.push("                     and sockets: Codex's JSON-RPC, the offline model's answers, the git helper), per task; to files:");
    out.push('                     of them, what went to files (write_bytes: manifests, logs). Both as last seen while Codex ran');
    out.push("                     (the counts take in a child once it is reaped: Codex's own databases would follow). Linear in");
    out.push('                     the tasks when it stays about the same per task at 100 and 1,000 tasks (--scale N).');
    out.push(`  cores: the CLI's tree used ${pct(scale.ownShare)} of all cores' time during the run, anything at all ${pct(scale.machineShare)} (/proc/stat).`);
    out.push(`  ${scale.codexProcesses} Codex process(es) were seen; their time after the last look (every 100 ms) counts outside Codex.`);
    out.push('');
  }

  const caveat = (...rs) => (rs.some((r) => r?.problems.length) ? ' (a task failed in this run: see Problems)' : '');
  const targets = [];
  for (const r of results) {
    const b = r.backend;
    if (r.vsXargs !== undefined)
      targets.push([`${b}: orchestrator wall <= 0.75x xargs -P${compareAt} codex exec`, r.vsXargs <= 0.75, `${r.vsXargs.toFixed(2)}x${caveat(r.orchestrated, peers.xargs)}`]);
    if (r.speedup !== undefined) targets.push([`${b}: >= 5x faster than the sequential codex exec loop`, r.speedup >= 5, `${r.speedup.toFixed(2)}x${caveat(r.orchestrated, peers.loop)}`]);
    const at = r.runs.find((x) => x.concurrency === 8);
    if (at) targets.push([`${b}: makespan <= 1.15x the DAG lower bound at concurrency 8 (full graph)`, at.ratio <= 1.15, `${at.ratio.toFixed(2)}x${caveat(at)}`]);
    for (const x of r.runs.filter((x) => x.concurrency <= machine.cores)) {
      targets.push([`${b}: overhead <= 100 ms per task at concurrency ${x.concurrency} (<= ${machine.cores} cores)`, x.overheadPerTaskMs <= 100, `${x.overheadPerTaskMs.toFixed(1)} ms${caveat(x)}`]);
    }
  }
  if (scale) {
    const perTask = scale.outsideCodexCpuMs / scale.tasks;
    targets.push([`${scale.tasks} tasks: orchestrator CPU outside Codex <= 20 ms per task`, perTask <= 20, `${perTask.toFixed(1)} ms${caveat(scale)}`]);
    targets.push([`${scale.tasks} tasks: poll --json <= 100 ms`, scale.poll.medianMs <= 100, `${Math.round(scale.poll.medianMs)} ms (median)`]);
    targets.push([`${scale.tasks} tasks: orchestrator peak RSS <= 300 MB`, scale.peakRssKiB / 1024 <= 300, `${(scale.peakRssKiB / 1024).toFixed(0)} MB`]);
  }
  out.push('Targets');
  for (const [name, met, value] of targets) out.push(`  [${met ? '   met   ' : ' NOT met '}] ${name}: ${value}`);
  const busy = [
    ...runs.map((r) => [`${r.backend} concurrency ${r.concurrency} run`, r]),
    ...compared.map((r) => [`${r.backend} independent-only run`, r.orchestrated]),
    ...(peers.loop ? [['sequential loop', peers.loop]] : []),
    ...(peers.xargs ? [['xargs peer', peers.xargs]] : []),
    ...(scale ? [[`${scale.tasks}-task scale run`, scale]] : []),
  ];
  const noisy = busy.filter(([, r]) => r.machineShare - r.ownShare > 0.15);
  if (noisy.length) {
    out.push('');
    out.push('Note: other processes on this machine used a good share of the cores during:');
    for (const [name, r] of noisy) out.push(`  - ${name}: ${pct(r.machineShare - r.ownShare)} of all cores besides the bench's ${pct(r.ownShare)}`);
    out.push('  Times are slowed where the cores were full (machine near 100%); best run on a quiet machine.');
  }
  if (problems.length) {
    out.push('');
    out.push('Problems (figures above may not mean much):');
    for (const p of problems) out.push(`  - ${p}`);
  }
  out.push('');
  out.push(`bench took ${sec(benchMs)}${o.quick ? ' (--quick)' : ''}`);
  console.log(out.join('\n'));

  if (o.json) {
    const json = { options: o, machine, skippedBackends: skipped, backends: results, peers, scale, targets: targets.map(([name, met, value]) => ({ name, met, value })), problems, benchMs };
    writeFileSync(o.json, `${JSON.stringify(json, null, 2)}\n`);
    progress(`bench: figures written to ${o.json}`);
  }
}

main().catch((e) => {
  console.error(`bench: crashed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exit(1);
});
