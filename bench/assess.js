#!/usr/bin/env node
// codex-orchestrator benchmark: `migrate assess` on a synthetic repository of 5,000 files (mixed
// languages, a few manifests, CI, containers, Kubernetes, docs, images), run by the real CLI with
// --json several times: min, median and max wall time against the target (under 2 s). A
// benchmark, not a test: it prints figures and exits non-zero only when it crashes. See bench/README.md.

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin', 'codex-orchestrator.js');
const TARGET_MS = 2000;

const USAGE = `usage: npm run bench:assess -- [options]

  --files N        files in the synthetic repository (default 5000)
  --runs N         runs of migrate assess --json (default 5)
  --json FILE      also write every figure as JSON
  --keep           keep the temporary repository
  -h, --help       this text`;

function parseArgs(argv) {
  const o = { files: 5000, runs: 5, json: undefined, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => argv[++i] ?? fail(`${a} needs a value`);
    const int = (v) => (Number.isInteger(Number(v)) && Number(v) >= 1 ? Number(v) : fail(`${a}: expected a positive integer, got "${v}"`));
    switch (a) {
      case '--files':
        o.files = int(value());
        break;
      case '--runs':
        o.runs = int(value());
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
  return o;
}

function fail(message) {
  console.error(`bench:assess: ${message}`);
  process.exit(2);
}

const progress = (text) => process.stderr.write(`${text}\n`);
const sec = (ms) => `${(ms / 1000).toFixed(2)} s`;

function git(cwd, ...args) {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'b@b', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'b@b' },
  });
}

/** A small deterministic generator: the same repository on every run of the bench. */
function random(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** The manifests, CI, containers and Kubernetes files a service monorepo carries: what the detector reads. */
const FIXED = {
  'package.json': JSON.stringify(
    { name: 'mono', private: true, workspaces: ['web'], scripts: { test: 'vitest run', build: 'tsc -b', lint: 'eslint .' }, devDependencies: { vitest: '1', typescript: '5', eslint: '9' } },
    null,
    2,
  ),
  'package-lock.json': '{"lockfileVersion":3}\n',
  'web/package.json': JSON.stringify({ name: 'web', dependencies: { next: '14', react: '18', 'react-dom': '18', '@prisma/client': '5' }, devDependencies: { prisma: '5' } }, null, 2),
  'web/prisma/schema.prisma': 'datasource db {\n  provider = "postgresql"\n  url = env("DATABASE_URL")\n}\n',
  'services/py/pyproject.toml': '[project]\nname = "worker"\ndependencies = [\n  "fastapi",\n  "sqlalchemy",\n  "alembic",\n  "redis",\n]\n\n[tool.pytest.ini_options]\naddopts = "-q"\n',
  'services/go/go.mod': 'module example.com/svc\n\ngo 1.22\n\nrequire (\n\tgithub.com/gin-gonic/gin v1.10.0\n\tgithub.com/jackc/pgx/v5 v5.6.0\n)\n',
  'tools/rs/Cargo.toml': '[package]\nname = "tool"\nversion = "0.1.0"\n\n[dependencies]\nserde = "1"\n',
  Dockerfile: 'FROM node:20-alpine\nWORKDIR /app\nCOPY . .\nRUN npm ci\n',
  'docker-compose.yml': 'services:\n  db:\n    image: postgres:16\n  cache:\n    image: redis:7\n',
  '.github/workflows/ci.yml': 'name: ci\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npm ci\n      - run: npm test\n',
  'deploy/k8s/deployment.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n',
  Makefile: 'test:\n\tnpm test\n',
  'README.md': '# mono\n',
};

/** The share of each kind of file in the rest of the tree (source by language, tests, docs, data, images). */
const KINDS = [
  { share: 0.3, dir: 'web/src', ext: '.ts', line: (i) => `export const value${i} = compute(${i}, 'a string of some length');` },
  { share: 0.1, dir: 'web/src', ext: '.test.ts', line: (i) => `it('case ${i}', () => expect(value${i}).toBeDefined());` },
  { share: 0.18, dir: 'services/py/worker', ext: '.py', line: (i) => `def handler_${i}(event):\n    return process(event, ${i})` },
  { share: 0.04, dir: 'services/py/tests', ext: '.py', prefix: 'test_', line: (i) => `def test_${i}():\n    assert handler(${i})` },
  { share: 0.14, dir: 'services/go/internal', ext: '.go', line: (i) => `func Handle${i}(ctx context.Context) error { return do(ctx, ${i}) }` },
  { share: 0.04, dir: 'tools/rs/src', ext: '.rs', line: (i) => `pub fn f${i}(x: u32) -> u32 { x + ${i} }` },
  { share: 0.08, dir: 'docs', ext: '.md', line: (i) => `Paragraph ${i} of the documentation, with words.` },
  { share: 0.07, dir: 'data', ext: '.json', line: (i) => `{"id": ${i}, "name": "item ${i}"}` },
  { share: 0.05, dir: 'assets', ext: '.png', binary: true },
];

/** Writes the synthetic repository and commits it (so git's facts are part of what is measured). */
function makeRepo(dir, files) {
  const rnd = random(5000);
  let written = 0;
  let bytes = 0;
  const write = (rel, content) => {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), content);
    written++;
    bytes += Buffer.byteLength(content);
  };
  for (const [rel, text] of Object.entries(FIXED)) write(rel, text);
  const rest = files - written;
  let made = 0;
  KINDS.forEach((kind, k) => {
    const count = k === KINDS.length - 1 ? rest - made : Math.round(rest * kind.share);
    for (let i = 0; i < count; i++) {
      // Folders of 50 files, as a real tree spreads them.
      const rel = `${kind.dir}/m${Math.floor(i / 50)}/${kind.prefix ?? ''}f${i}${kind.ext}`;
      if (kind.binary) {
        const buf = Buffer.alloc(2000 + Math.floor(rnd() * 30000));
        for (let b = 0; b < buf.length; b += 97) buf[b] = Math.floor(rnd() * 256);
        write(rel, buf);
      } else {
        const lines = 20 + Math.floor(rnd() * 180);
        write(rel, `${Array.from({ length: lines }, (_, n) => kind.line(i * 1000 + n)).join('\n')}\n`);
      }
    }
    made += count;
  });
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '-A');
  git(dir, '-c', 'gc.auto=0', 'commit', '-q', '-m', 'synthetic repository');
  return { files: written, bytes };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function main() {
  const o = parseArgs(process.argv.slice(2));
  if (!existsSync(path.join(ROOT, 'dist'))) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  const base = mkdtempSync(path.join(os.tmpdir(), 'co-bench-assess-'));
  const repo = path.join(base, 'repo');
  mkdirSync(repo);
  try {
    progress(`bench:assess: writing a synthetic repository of ${o.files} files in ${repo}`);
    const made = makeRepo(repo, o.files);
    const runs = [];
    for (let i = 0; i < o.runs; i++) {
      const started = performance.now();
      const r = spawnSync(process.execPath, [BIN, 'migrate', 'assess', '--path', repo, '--output', path.join(base, 'report.md'), '--json'], {
        cwd: base,
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      });
      const wallMs = performance.now() - started;
      if (r.status !== 0) throw new Error(`migrate assess exited ${r.status}: ${r.stderr}`);
      const doc = JSON.parse(r.stdout);
      if (doc.detection.scale.files !== made.files) throw new Error(`the assessment counted ${doc.detection.scale.files} files, the bench wrote ${made.files}`);
      const inside = /assessed in (\d+\.\d+) s/.exec(r.stderr);
      runs.push({ wallMs, assessMs: inside ? Number(inside[1]) * 1000 : null, lines: doc.detection.scale.sourceLines });
      progress(`  run ${i + 1}: ${sec(wallMs)}`);
    }
    const walls = runs.map((r) => r.wallMs);
    const figures = {
      files: made.files,
      bytes: made.bytes,
      sourceLines: runs[0].lines,
      cores: os.availableParallelism(),
      runs: runs.length,
      minMs: Math.min(...walls),
      medianMs: median(walls),
      maxMs: Math.max(...walls),
      assessMedianMs: median(runs.map((r) => r.assessMs ?? 0)),
      targetMs: TARGET_MS,
      met: Math.max(...walls) < TARGET_MS,
    };
    console.log(
      [
        `migrate assess --json on ${figures.files} files (${(figures.bytes / 1024 / 1024).toFixed(1)} MB, ${figures.sourceLines.toLocaleString('en-US')} source lines), ${figures.runs} runs, ${figures.cores} cores:`,
        `  wall time  min ${sec(figures.minMs)}  median ${sec(figures.medianMs)}  max ${sec(figures.maxMs)}  (the process: start-up, scan, git, report, JSON)`,
        `  assessment median ${sec(figures.assessMedianMs)}  (scan to document, as the command reports it)`,
        `  target: under ${sec(TARGET_MS)} every run: ${figures.met ? 'met' : 'NOT met'}`,
      ].join('\n'),
    );
    if (o.json) writeFileSync(o.json, `${JSON.stringify({ ...figures, runs: runs }, null, 2)}\n`);
  } finally {
    if (o.keep) progress(`kept: ${base}`);
    else rmSync(base, { recursive: true, force: true });
  }
}

try {
  main();
} catch (e) {
  console.error(`bench:assess: crashed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exit(1);
}
