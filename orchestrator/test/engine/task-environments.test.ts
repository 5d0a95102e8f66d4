import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isInside } from '../../src/workspace/worktree-root.js';
import { cli, startCli } from '../helpers/cli.js';
import { processesWith } from '../helpers/processes.js';
import { addFile, readRunFile, replaceLine, repoWithGraph, runGraph, task } from '../helpers/run.js';
import { git, tempDir } from '../helpers/temp.js';

// Task environments with real package managers (npm, Debian's python3 with venv and setuptools,
// offline), real Codex and the offline stand-in: a tester tests the code of its own worktree,
// with its dependencies set up there, never the user's checkout and what is installed in it.

const PYTHON = '/usr/bin/python3';

/** npm's cache for a test (setup runs outside the sandbox: it would be the user's `~/.npm`). */
function npmEnv(): NodeJS.ProcessEnv {
  return { npm_config_cache: path.join(tempDir('co-npm-'), 'cache'), npm_config_update_notifier: 'false' };
}

/** An npm-workspaces monorepo: `b` requires `a`; `npm install` done in the checkout, as users do. */
function monorepo(graphYaml: string): ReturnType<typeof repoWithGraph> {
  const made = repoWithGraph(graphYaml, {
    '.gitignore': '.runs/\nnode_modules/\n',
    'package.json': '{"name":"mono","private":true,"workspaces":["packages/*"]}\n',
    'packages/a/package.json': '{"name":"a","version":"1.0.0","main":"index.js"}\n',
    'packages/a/index.js': "module.exports = () => 'old';\n",
    'packages/b/package.json': '{"name":"b","version":"1.0.0","dependencies":{"a":"1.0.0"}}\n',
    'packages/b/test.js': "const a = require('a');\nconsole.log('a() = ' + a());\nprocess.exit(a() === 'new' ? 0 : 1);\n",
  });
  execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund'], { cwd: made.repo, env: { ...process.env, ...npmEnv() }, stdio: 'ignore' });
  git(made.repo, 'add', 'package-lock.json');
  git(made.repo, 'commit', '-q', '-m', 'lockfile');
  return made;
}

describe('task environments', () => {
  it('npm workspaces: worktrees outside the checkout, each set up; the tester tests the builder’s code, a new dependency gets a setup of its own', async () => {
    const { repo, graph, runsDir } = monorepo(`
settings:
  agents: false
  setup: ["npm ci --offline --no-audit --no-fund"]
tasks:
  - id: change-a
    role: builder
    prompt: |
      a returns new.
${replaceLine('packages/a/index.js', "module.exports = () => 'old';", "module.exports = () => 'new';")}
  - id: test-b
    role: tester
    deps: [change-a]
    prompt: "\`\`\`sh\\nnode packages/b/test.js\\n\`\`\`"
    verify: ["node packages/b/test.js"]
  - id: test-b-bare
    title: the same test in a worktree without setup
    role: tester
    deps: [change-a]
    setup: []
    prompt: "\`\`\`sh\\necho bare\\n\`\`\`"
    verify: ["node packages/b/test.js"]
    maxFixAttempts: 0
  - id: add-c
    role: builder
    prompt: |
      A package c that b depends on.
${addFile('packages/c/package.json', '{"name":"c","version":"1.0.0","main":"index.js"}')}
${addFile('packages/c/index.js', "module.exports = () => 'c is here';")}
${replaceLine('packages/b/package.json', '{"name":"b","version":"1.0.0","dependencies":{"a":"1.0.0"}}', '{"name":"b","version":"1.0.0","dependencies":{"a":"1.0.0","c":"1.0.0"}}')}
      \`\`\`sh
      npm install --offline --no-audit --no-fund --cache "$TMPDIR/npm-cache"
      \`\`\`
  - id: use-c
    role: tester
    deps: [add-c]
    prompt: "\`\`\`sh\\necho using c\\n\`\`\`"
    verify: ["node -e \\"console.log(require('c')())\\""]
`);
    const { manifest, runDir } = await runGraph(graph, runsDir, { env: npmEnv() });

    expect(manifest.tasks.map((t) => [t.id, t.status, t.reason ?? null])).toEqual([
      ['change-a', 'succeeded', null],
      ['test-b', 'succeeded', null],
      ['test-b-bare', 'failed', 'verify-failed'],
      ['add-c', 'succeeded', null],
      ['use-c', 'succeeded', null],
    ]);
    // The worktrees were made outside the repository, and are gone after the run.
    const worktrees = manifest.repo.worktrees ?? '';
    expect(path.isAbsolute(worktrees)).toBe(true);
    expect(isInside(worktrees, repo)).toBe(false);
    expect(existsSync(worktrees)).toBe(false);
    // The tester ran b against the builder's a: its worktree's own node_modules, set up.
    const testB = task(manifest, 'test-b');
    expect(readRunFile(runDir, testB.checks?.[0]?.outputPath ?? '')).toBe('a() = new\n');
    // Without setup nothing of the checkout is found (the checkout's node_modules/a is its own, old, a).
    expect(readRunFile(runDir, task(manifest, 'test-b-bare').checks?.[0]?.outputPath ?? '')).toContain("Cannot find module 'a'");
    expect(task(manifest, 'test-b-bare').setup).toBeUndefined();
    // One install for the four worktrees whose dependency files are the base's; the new package's got its own.
    // (A worktree an attempt is done with is parked and taken by the next: then its setup is reused.)
    const hows = Object.fromEntries(manifest.tasks.filter((t) => t.setup).map((t) => [t.id, t.setup?.how]));
    expect(Object.values(hows).filter((h) => h === 'ran')).toHaveLength(2);
    expect(hows['use-c']).toBe('ran');
    const sameKey = [hows['change-a'], hows['add-c'], hows['test-b']];
    expect(sameKey.filter((h) => h === 'ran')).toHaveLength(1);
    expect(sameKey.filter((h) => h !== 'ran' && h !== 'copied' && h !== 'reused')).toEqual([]);
    expect(task(manifest, 'use-c').setup?.key).not.toBe(testB.setup?.key);
    expect(testB.setup?.outputs).toEqual(['node_modules']);
    expect(readRunFile(runDir, task(manifest, 'use-c').checks?.[0]?.outputPath ?? '')).toBe('c is here\n');
    // Setup's output is in its own file and in the task's log; what it installed is in no commit.
    const useC = task(manifest, 'use-c');
    expect(readRunFile(runDir, useC.setup?.commands?.[0]?.outputPath ?? '')).toContain('added 3 packages');
    expect(readRunFile(runDir, 'tasks/use-c/log.txt')).toMatch(
      /== setup ==\n[\s\S]*added 3 packages[\s\S]*# \$ npm ci --offline --no-audit --no-fund: exit 0 in \d+ ms \(output: tasks\/use-c\/setup\/1\.log\)/,
    );
    expect(git(repo, 'ls-tree', '-r', '--name-only', `codex-orchestrator/${manifest.runId}`)).not.toContain('node_modules');
    expect(readRunFile(runDir, task(manifest, 'add-c').artifacts.diff?.path ?? '')).toContain('+++ b/package-lock.json');
    // The user's checkout is as it was: its own node_modules untouched.
    expect(readFileSync(path.join(repo, 'node_modules/a/index.js'), 'utf8')).toBe("module.exports = () => 'old';\n");
    expect(existsSync(path.join(repo, 'node_modules/c'))).toBe(false);
    expect(git(repo, 'status', '--porcelain')).toBe('');
  });

  it('Python: an editable install in the checkout’s active virtualenv does not leak; the tester imports its worktree’s code', async () => {
    const { repo, graph, runsDir } = repoWithGraph(
      `
settings:
  agents: false
  setup:
    - ${PYTHON} -m venv --system-site-packages .venv
    - .venv/bin/pip install -q --no-index --no-build-isolation -e .
tasks:
  - id: change
    role: builder
    prompt: |
      f returns new.
${replaceLine('src/mypkg/__init__.py', "def f(): return 'old'", "def f(): return 'new'")}
  - id: check
    role: tester
    deps: [change]
    prompt: "\`\`\`sh\\necho checking\\n\`\`\`"
    verify: ["python -c 'import mypkg; print(mypkg.f())' | tee out.txt && grep -qx new out.txt"]
`,
      {
        '.gitignore': '.runs/\n.venv/\nout.txt\n',
        'pyproject.toml':
          '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n\n[project]\nname = "mypkg"\nversion = "0.1.0"\n\n[tool.setuptools.packages.find]\nwhere = ["src"]\n',
        'src/mypkg/__init__.py': "def f(): return 'old'\n",
      },
    );
    // The user's checkout has its virtualenv, with the package installed editable, and active.
    execFileSync('bash', ['-c', `${PYTHON} -m venv --system-site-packages .venv && .venv/bin/pip install -q --no-index --no-build-isolation -e .`], { cwd: repo, stdio: 'ignore' });
    const venv = path.join(repo, '.venv');
    const active = { VIRTUAL_ENV: venv, PATH: `${path.join(venv, 'bin')}${path.delimiter}${process.env['PATH'] ?? ''}` };
    expect(execFileSync('python', ['-c', 'import mypkg; print(mypkg.f())'], { cwd: repo, env: { ...process.env, ...active }, encoding: 'utf8' })).toBe('old\n');

    const { manifest, runDir } = await runGraph(graph, runsDir, { env: active });

    expect(manifest.tasks.map((t) => [t.id, t.status, t.reason ?? null])).toEqual([
      ['change', 'succeeded', null],
      ['check', 'succeeded', null],
    ]);
    expect(readRunFile(runDir, task(manifest, 'check').checks?.[0]?.outputPath ?? '')).toBe('new\n');
    // A virtualenv names its own folder: it is not copied to other worktrees, each runs its setup.
    for (const id of ['change', 'check']) {
      const setup = task(manifest, id).setup;
      expect(setup?.how).toBe('ran');
      expect(setup?.outputs).toEqual(['.venv']);
      expect(setup?.notShared).toMatch(/^\.venv\/.* names this worktree's path$/);
    }
    expect(git(repo, 'ls-tree', '-r', '--name-only', `codex-orchestrator/${manifest.runId}`)).not.toContain('.venv');
  });

  it('shares one setup between worktrees with the same dependency files (or not, with setupCache: off); a fix reuses its worktree’s', async () => {
    const counter = path.join(tempDir(), 'setups.txt');
    const graphOf = (cache: string): string => `
settings:
  agents: false
  setupCache: ${cache}
  setup: ["echo run >> ${counter} && mkdir -p deps && echo installed > deps/mark"]
tasks:
${['one', 'two', 'three']
  .map(
    (id) => `  - id: ${id}
    role: builder
    prompt: "\`\`\`sh\\necho ${id} > ${id}.txt\\n\`\`\`"
    verify: ["test -f deps/mark"]`,
  )
  .join('\n')}
  - id: fixed
    role: builder
    prompt: "\`\`\`sh\\necho first > first.txt\\n\`\`\`"
    verify: ["test -f deps/mark && test -f second.txt"]
    fix: |
      Write the second file.
      \`\`\`sh
      echo second > second.txt
      \`\`\`
`;
    const shared = repoWithGraph(graphOf('copy'), { '.gitignore': '.runs/\ndeps/\n' });
    const { manifest } = await runGraph(shared.graph, shared.runsDir);
    expect(manifest.tasks.map((t) => [t.id, t.status])).toEqual([
      ['one', 'succeeded'],
      ['two', 'succeeded'],
      ['three', 'succeeded'],
      ['fixed', 'succeeded'],
    ]);
    expect(readFileSync(counter, 'utf8')).toBe('run\n');
    const firsts = ['one', 'two', 'three'].map((id) => task(manifest, id).setup?.how);
    expect(firsts.filter((h) => h === 'copied').length).toBeGreaterThanOrEqual(2);
    expect(firsts.filter((h) => h !== 'copied' && h !== 'ran')).toEqual([]);
    const fixed = task(manifest, 'fixed');
    expect(fixed.attempts.map((a) => [a.n, a.status, a.followUp?.from ?? null])).toEqual([
      [1, 'failed', null],
      [2, 'succeeded', 'fix'],
    ]);
    expect(fixed.setup?.how).toBe('reused');

    writeFileSync(counter, '');
    const off = repoWithGraph(graphOf('off'), { '.gitignore': '.runs/\ndeps/\n' });
    const second = await runGraph(off.graph, off.runsDir);
    expect(second.manifest.status).toBe('succeeded');
    expect(readFileSync(counter, 'utf8')).toBe('run\nrun\nrun\nrun\n');
    expect(second.manifest.tasks.map((t) => t.setup?.how).sort()).toEqual(['ran', 'ran', 'ran', 'reused']);
  });

  it('a failing or timed-out setup fails its task (setup-failed) before the agent starts; its dependents are skipped', async () => {
    const { repo, graph, runsDir } = repoWithGraph(`
settings:
  agents: false
  setupTimeout: 1s
tasks:
  - id: broken
    role: builder
    setup: ["echo installing; echo 'no such package' >&2; exit 3", "echo never"]
    prompt: "\`\`\`sh\\necho work > work.txt\\n\`\`\`"
  - id: after
    role: tester
    deps: [broken]
    prompt: "\`\`\`sh\\necho after\\n\`\`\`"
  - id: slow
    role: builder
    setup: ["sleep 30"]
    prompt: "\`\`\`sh\\necho work > work.txt\\n\`\`\`"
`);
    const { manifest, runDir } = await runGraph(graph, runsDir);

    expect(manifest.status).toBe('failed');
    const broken = task(manifest, 'broken');
    expect(broken).toMatchObject({
      status: 'failed',
      reason: 'setup-failed',
      message: "setup failed: `echo installing; echo 'no such package' >&2; exit 3` exited 3 (output in tasks/broken/setup/1.log); the agent did not start",
    });
    expect(broken.setup?.commands?.map((c) => c.command)).toEqual(["echo installing; echo 'no such package' >&2; exit 3"]);
    expect(readRunFile(runDir, 'tasks/broken/setup/1.log')).toBe('installing\nno such package\n');
    expect(readRunFile(runDir, 'tasks/broken/log.txt')).toContain('installing\nno such package\n');
    expect(readRunFile(runDir, 'tasks/broken/log.txt')).not.toContain('== prompt ==');
    expect(broken.threadId).toBeUndefined();
    expect(broken.triage?.nextStep).toContain(`codex-orchestrator retry ${manifest.runId} --task broken --reload`);
    expect(task(manifest, 'after')).toMatchObject({ status: 'skipped', reason: 'dependency-failed' });
    expect(task(manifest, 'slow')).toMatchObject({
      status: 'failed',
      reason: 'setup-failed',
      message: 'setup timed out after 1s in `sleep 30` (output in tasks/slow/setup/1.log); raise settings.setupTimeout, or make setup faster',
    });
    expect(task(manifest, 'slow').setup?.commands?.[0]).toMatchObject({ timedOut: true, exitCode: null });
    expect(git(repo, 'status', '--porcelain')).toBe('');
  });

  it("a setup longer than the task's timeout is not counted in it (it has its own)", async () => {
    const { graph, runsDir } = repoWithGraph(`
settings:
  agents: false
tasks:
  - id: patient
    role: builder
    timeout: 3s
    setup: ["sleep 4"]
    prompt: "\`\`\`sh\\necho done > done.txt\\n\`\`\`"
`);
    const { manifest } = await runGraph(graph, runsDir);
    expect(task(manifest, 'patient')).toMatchObject({ status: 'succeeded' });
    expect(task(manifest, 'patient').setup?.durationMs).toBeGreaterThanOrEqual(4000);
  });

  it('kill -9 during a setup, then resume: the setup’s commands end, the task sets up again and succeeds', async () => {
    const marker = `setup-marker-${process.pid}-${Date.now()}`;
    const state = tempDir();
    const { repo } = repoWithGraph(
      `
settings:
  agents: false
tasks:
  - id: make
    role: builder
    setup: ["echo started >> ${state}/setups; if [ ! -f ${state}/second ]; then touch ${state}/second; sleep 60 # ${marker}\\nfi; mkdir -p deps && echo ok > deps/mark"]
    prompt: "\`\`\`sh\\ncat deps/mark > out.txt\\n\`\`\`"
`,
      { '.gitignore': '.runs/\ndeps/\n' },
    );
    const { child, done } = startCli(['run', 'graph.yaml', '--json'], repo);
    await expect.poll(() => processesWith(marker).length, { timeout: 90_000, interval: 100 }).toBeGreaterThan(0);
    child.kill('SIGKILL');
    await done;

    const runId = readdirSync(path.join(repo, '.runs')).find((n) => n !== 'index.json' && !n.startsWith('.')) ?? '';
    const resumed = await cli(['resume', runId, '--json'], repo);
    expect(resumed.code).toBe(0);
    expect(processesWith(marker)).toEqual([]);
    const manifest = JSON.parse(readFileSync(path.join(repo, '.runs', runId, 'manifest.json'), 'utf8'));
    const make = manifest.tasks[0];
    expect(make.attempts.map((a: { status: string }) => a.status)).toEqual(['interrupted', 'succeeded']);
    expect(make.setup.how).toBe('ran');
    expect(readFileSync(path.join(state, 'setups'), 'utf8')).toBe('started\nstarted\n');
    expect(git(repo, 'show', `codex-orchestrator/${runId}:out.txt`)).toBe('ok');
  });
});
