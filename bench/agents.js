#!/usr/bin/env node
// codex-orchestrator agent-layer benchmark: what the role agents (@openai/agents on top of Codex)
// cost per task, offline. A 3-task graph (two builders, a tester):
//   1. carried out task by task, once with a bare Codex turn and once through the role agent's
//      codex tool, plus the tester's verdict (`judge`): the layer's cost per turn;
//   2. run whole, through the engine (`executeRun`), with the agents layer on and off (the same
//      graph, `settings.agents`): the run's makespan, each task's time and the agents' tokens.
// A benchmark, not a test: it exits non-zero only when it crashes. See bench/README.md.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const USAGE = `usage: node bench/agents.js [--rounds N] [--latency MS] [--backend codex-mcp|codex-exec] [--no-turns] [--no-runs]

  --rounds N      repetitions of the 3-task graph (default 5); medians are printed
  --latency MS    offline model latency per response (default 0)
  --backend NAME  Codex backend (default codex-mcp)
  --no-turns      skip part 1 (task by task)
  --no-runs       skip part 2 (whole runs with the agents layer on and off)`;

function parseArgs(argv) {
  const o = { rounds: 5, latency: 0, backend: 'codex-mcp', turns: true, runs: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => argv[++i] ?? fail(`${a} needs a value`);
    if (a === '--rounds') o.rounds = Number(value());
    else if (a === '--latency') o.latency = Number(value());
    else if (a === '--backend') o.backend = value();
    else if (a === '--no-turns') o.turns = false;
    else if (a === '--no-runs') o.runs = false;
    else if (a === '-h' || a === '--help') {
      console.log(USAGE);
      process.exit(0);
    } else fail(`unknown option ${a}\n\n${USAGE}`);
  }
  if (!(Number.isInteger(o.rounds) && o.rounds >= 1)) fail('--rounds: a whole number ≥ 1');
  if (!(o.latency >= 0)) fail('--latency: a number of milliseconds ≥ 0');
  if (o.backend !== 'codex-mcp' && o.backend !== 'codex-exec') fail('--backend: codex-mcp or codex-exec');
  return o;
}

function fail(message) {
  console.error(`bench: ${message}`);
  process.exit(2);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const msf = (x) => `${Math.round(x)} ms`;

function table(headers, rows) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (r) => `  ${r.map((v, i) => (i === 0 ? String(v).padEnd(widths[i]) : String(v).padStart(widths[i]))).join('  ')}`;
  return [line(headers), `  ${widths.map((w) => '-'.repeat(w)).join('  ')}`, ...rows.map(line)].join('\n');
}

const fence = (lang, body) => `\`\`\`${lang}\n${body}\n\`\`\``;

/** Two builders that each add a file, and a tester that checks both. */
const TASKS = [
  { id: 'add-a', role: 'builder', prompt: `Add a.txt.\n\n${fence('patch', '*** Begin Patch\n*** Add File: a.txt\n+a\n*** End Patch')}` },
  { id: 'add-b', role: 'builder', prompt: `Add b.txt.\n\n${fence('patch', '*** Begin Patch\n*** Add File: b.txt\n+b\n*** End Patch')}` },
  { id: 'check', role: 'tester', prompt: `Check both files.\n\n${fence('sh', 'cat a.txt b.txt')}` },
];

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (!existsSync(path.join(ROOT, 'dist', 'agents', 'role-turn.js'))) {
    console.error('dist/ is missing: running npm run build …');
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  }
  const imp = (p) => import(pathToFileURL(path.join(ROOT, 'dist', p)).href);
  if (o.turns) await turns(o, imp);
  if (o.runs) await runs(o, imp);
}

/** Part 1: each task as a bare Codex turn and through its role agent. */
async function turns(o, imp) {
  const { startOfflineModel } = await imp('orchestrator/src/model-server/server.js');
  const { writeCodexHome } = await imp('orchestrator/src/backends/codex-home.js');
  const { CodexMcpBackend } = await imp('orchestrator/src/backends/codex-mcp.js');
  const { CodexExecBackend } = await imp('orchestrator/src/backends/codex-exec.js');
  const { openAgentRuntime } = await imp('agents/runtime.js');
  const { runRoleTurn } = await imp('agents/role-turn.js');
  const { judge } = await imp('agents/tester.js');

  const tmp = mkdtempSync(path.join(os.tmpdir(), 'co-bench-agents-'));
  const model = await startOfflineModel({ latencyMs: o.latency });
  const codexHome = path.join(tmp, 'codex-home');
  await writeCodexHome(codexHome, { kind: 'offline', baseUrl: model.baseUrl });
  const backend = o.backend === 'codex-mcp' ? new CodexMcpBackend({ codexHome }) : new CodexExecBackend({ codexHome });
  // Time spent inside Codex turns, so the agent layer's own cost can be told from Codex's.
  let inCodex = 0;
  const timed = {
    name: backend.name,
    close: () => backend.close(),
    runTurn: async (request) => {
      const started = performance.now();
      try {
        return await backend.runTurn(request);
      } finally {
        inCodex += performance.now() - started;
      }
    },
  };
  const runtime = await openAgentRuntime({ access: { kind: 'offline', baseUrl: model.baseUrl }, traceFile: path.join(tmp, 'trace.jsonl'), env: {} });
  const timings = new Map(TASKS.map((t) => [t.id, { direct: [], agent: [], own: [], judge: [], requests: [] }]));
  let dirs = 0;
  const fresh = () => {
    const dir = path.join(tmp, `w${++dirs}`);
    execFileSync('mkdir', ['-p', dir]);
    return dir;
  };
  try {
    // One warm-up round: the first Codex start and the first agent run pay one-off costs.
    for (let round = 0; round <= o.rounds; round++) {
      const direct = fresh();
      const agent = fresh();
      for (const task of TASKS) {
        const t = timings.get(task.id);
        const bare = async () => {
          const started = performance.now();
          const turn = await backend.runTurn({ prompt: task.prompt, cwd: direct, timeoutMs: 60_000, signal: new AbortController().signal, onEvent: () => undefined });
          if (turn.status !== 'completed') throw new Error(`direct turn of ${task.id} failed: ${turn.message}`);
          return performance.now() - started;
        };
        const throughAgent = async () => {
          const before = model.responses();
          inCodex = 0;
          const started = performance.now();
          const result = await runRoleTurn(runtime, {
            role: task.role,
            task: { id: task.id, title: task.id, prompt: task.prompt },
            backend: timed,
            cwd: agent,
            timeoutMs: 60_000,
            signal: new AbortController().signal,
            onEvent: () => undefined,
          });
          const total = performance.now() - started;
          if (result.status !== 'completed') throw new Error(`agent turn of ${task.id} failed: ${result.failure.message}`);
          return { total, own: total - inCodex, requests: model.responses() - before, report: result.finalMessage };
        };
        // Alternate the order, so neither side always runs on a warmer machine.
        let directMs;
        let through;
        if (round % 2 === 0) {
          directMs = await bare();
          through = await throughAgent();
        } else {
          through = await throughAgent();
          directMs = await bare();
        }
        const started = performance.now();
        const verdict = await judge(runtime, { task: { id: task.id, title: task.id, prompt: task.prompt }, diff: '', checks: [{ command: 'true', exitCode: 0 }], report: through.report });
        const judgeMs = performance.now() - started;
        if (!verdict.ok) throw new Error(`judge of ${task.id} failed: ${verdict.error.message}`);
        if (round === 0) continue;
        t.direct.push(directMs);
        t.agent.push(through.total);
        t.own.push(through.own);
        t.judge.push(judgeMs);
        t.requests.push(through.requests);
      }
    }
  } finally {
    await runtime.close();
    await backend.close();
    await model.close();
    rmSync(tmp, { recursive: true, force: true });
  }

  const rows = TASKS.map((task) => {
    const t = timings.get(task.id);
    const d = median(t.direct);
    const a = median(t.agent);
    return [`${task.id} (${task.role})`, msf(d), msf(a), msf(median(t.own)), msf(median(t.judge)), String(median(t.requests))];
  });
  const own = TASKS.map((task) => median(timings.get(task.id).own));
  const judges = TASKS.map((task) => median(timings.get(task.id).judge));
  console.log(`agent layer, offline, ${o.backend}, model latency ${o.latency} ms, median of ${o.rounds} round(s) after a warm-up`);
  console.log(table(['task', 'bare Codex turn', 'through the agent', 'agent layer (outside Codex)', 'judge', 'model requests (agent + Codex)'], rows));
  const mean = (xs) => xs.reduce((x, y) => x + y, 0) / xs.length;
  console.log(`\nper task: the agent layer costs ${msf(mean(own))} outside Codex's own turns (2 agent model requests at ${o.latency} ms each included), and a verdict (judge) ${msf(mean(judges))}.`);
}

// ---------------------------------------------------------------------------------------------
// Part 2: whole runs

const GIT_ENV = { GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'bench@localhost', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'bench@localhost' };
const git = (cwd, args) => execFileSync('git', ['-c', 'core.hooksPath=/dev/null', '-c', 'commit.gpgsign=false', ...args], { cwd, env: { ...process.env, ...GIT_ENV }, stdio: 'ignore' });

/** The 3-task graph as a graph file: the tester depends on both builders and checks their files. */
function graphYaml(agents) {
  const lines = ['version: 1', 'name: bench-agents', 'settings:', '  backend: codex-mcp', '  timeout: 5m', `  agents: ${agents}`, 'tasks:'];
  for (const t of TASKS) {
    lines.push(`  - id: ${t.id}`, `    role: ${t.role}`);
    if (t.role === 'tester') lines.push('    deps: [add-a, add-b]', '    verify: ["test -f a.txt && test -f b.txt"]');
    lines.push('    prompt: |', ...t.prompt.split('\n').map((l) => `      ${l}`));
  }
  return `${lines.join('\n')}\n`;
}

async function runs(o, imp) {
  const { executeRun } = await imp('orchestrator/src/engine/run/execute.js');
  const { loadGraph } = await imp('orchestrator/src/graph/load.js');
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'co-bench-agent-runs-'));
  const env = { ...process.env };
  delete env.OPENAI_API_KEY;
  delete env.CODEX_ORCHESTRATOR_OFFLINE_LATENCY_MS;
  const results = { on: [], off: [] };
  try {
    const repo = path.join(tmp, 'repo');
    execFileSync('mkdir', ['-p', repo]);
    git(repo, ['init', '-q']);
    writeFileSync(path.join(repo, '.gitignore'), '.runs/\n.codex-orchestrator/\n');
    writeFileSync(path.join(repo, 'on.yaml'), graphYaml(true));
    writeFileSync(path.join(repo, 'off.yaml'), graphYaml(false));
    git(repo, ['add', '-A']);
    git(repo, ['commit', '-q', '-m', 'bench']);
    const once = async (mode) => {
      const loaded = await loadGraph(path.join(repo, `${mode}.yaml`));
      if (!loaded.ok) throw new Error(`graph: ${JSON.stringify(loaded.error)}`);
      const r = await executeRun({
        graph: loaded.value,
        runsDir: path.join(repo, '.runs'),
        signal: new AbortController().signal,
        env,
        offlineLatencyMs: o.latency,
        codexHome: path.join(tmp, `home-${mode}-${results[mode].length}`),
      });
      if (!r.ok) throw new Error(`run did not start: ${JSON.stringify(r.error)}`);
      if (r.value.status !== 'succeeded') throw new Error(`run ${mode} ${r.value.status}: ${r.value.message}`);
      return r.value;
    };
    // A warm-up run of each, then alternating rounds.
    for (let round = 0; round <= o.rounds; round++) {
      for (const mode of round % 2 === 0 ? ['on', 'off'] : ['off', 'on']) {
        const m = await once(mode);
        if (round > 0) results[mode].push(m);
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const per = (mode, f) => median(results[mode].map(f));
  const taskOf = (m, id) => m.tasks.find((t) => t.id === id);
  console.log(`\nwhole runs through the engine, offline, codex-mcp, model latency ${o.latency} ms, median of ${o.rounds} run(s) each after a warm-up`);
  console.log(
    table(
      ['', 'run (makespan)', ...TASKS.map((t) => `${t.id} (${t.role})`), 'tokens: Codex', 'tokens: agents'],
      ['off', 'on'].map((mode) => [
        `agents ${mode}`,
        msf(per(mode, (m) => m.durationMs)),
        ...TASKS.map((t) => msf(per(mode, (m) => taskOf(m, t.id).durationMs))),
        String(Math.round(per(mode, (m) => m.codexUsage?.total ?? m.usage.total))),
        String(Math.round(per(mode, (m) => m.agentUsage?.total ?? 0))),
      ]),
    ),
  );
  const added = TASKS.map((t) => per('on', (m) => taskOf(m, t.id).durationMs) - per('off', (m) => taskOf(m, t.id).durationMs));
  const mean = (xs) => xs.reduce((x, y) => x + y, 0) / xs.length;
  const agentTokens = per('on', (m) => m.agentUsage?.total ?? 0) / TASKS.length;
  console.log(
    `\nper task, the agents layer adds ${msf(mean(added))} (builders ${msf(mean(added.slice(0, 2)))}, the judged tester ${msf(added[2])}) and ${Math.round(agentTokens)} agent tokens; ` +
      `the 3-task run takes ${msf(per('on', (m) => m.durationMs))} with it and ${msf(per('off', (m) => m.durationMs))} without.`,
  );
}

main().catch((e) => {
  console.error(e?.stack ?? String(e));
  process.exit(1);
});
