import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { repoWithGraph } from '../helpers/run.js';

// `validate` and `run` say what to add when the repository installs dependencies and the graph has no setup.

const GRAPH = `
settings:
  agents: false
tasks:
  - id: hello
    role: builder
    prompt: "\`\`\`sh\\necho hi > hi.txt\\n\`\`\`"
`;

describe('setup advice', () => {
  it('validate and run name the lockfile and the setup to add; a graph with setup gets no note', async () => {
    const { repo } = repoWithGraph(GRAPH, { 'package.json': '{"name":"p"}\n', 'package-lock.json': '{"lockfileVersion":3,"packages":{}}\n' });
    const note = [
      'note: the repository has package-lock.json, but no task has `setup`: task worktrees are made outside the repository and start without what the checkout installed',
      '  hint: add to the graph\'s settings: setup: ["npm ci --prefer-offline --no-audit"] (see "Task environments" in the README)',
    ].join('\n');
    const validate = await cli(['validate', 'graph.yaml'], repo);
    expect(validate.code).toBe(0);
    expect(validate.stderr).toBe(`graph.yaml: ok, 1 tasks (1 builder, 0 tester, 0 gate)\n${note}\n`);
    const json = await cli(['validate', 'graph.yaml', '--json'], repo);
    expect(JSON.parse(json.stdout).notes).toEqual([note]);
    const run = await cli(['run', 'graph.yaml'], repo);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr.startsWith(`${note}\n`)).toBe(true);

    writeFileSync(path.join(repo, 'graph.yaml'), GRAPH.replace('  agents: false\n', '  agents: false\n  setup: ["true"]\n'));
    const withSetup = await cli(['validate', 'graph.yaml'], repo);
    expect(withSetup.stderr).toBe('graph.yaml: ok, 1 tasks (1 builder, 0 tester, 0 gate)\n');
  });

  it("looks where the tasks work: a lockfile of the repository's root is not advice for tasks in a folder without one", async () => {
    const inFolder = GRAPH.replace('    role: builder\n', '    role: builder\n    cwd: app\n');
    const { repo } = repoWithGraph(inFolder, { 'package-lock.json': '{}\n', 'package.json': '{"name":"p"}\n', 'app/README.md': '# app\n' });
    expect((await cli(['validate', 'graph.yaml'], repo)).stderr).toBe('graph.yaml: ok, 1 tasks (1 builder, 0 tester, 0 gate)\n');
    const { repo: second } = repoWithGraph(inFolder, { 'app/package.json': '{"name":"a"}\n', 'app/pnpm-lock.yaml': 'lockfileVersion: 9\n' });
    expect((await cli(['validate', 'graph.yaml'], second)).stderr).toContain('note: the repository has app/pnpm-lock.yaml, but no task has `setup`');
  });

  it('names a virtualenv in the checkout', async () => {
    const { repo } = repoWithGraph(GRAPH, { '.venv/pyvenv.cfg': 'home = /usr/bin\n', '.gitignore': '.runs/\n.venv/\n' });
    const validate = await cli(['validate', 'graph.yaml'], repo);
    expect(validate.stderr).toContain('note: the repository has a virtualenv (.venv/), but no task has `setup`');
    expect(validate.stderr).toContain('hint: add to the graph\'s settings: setup: ["python3 -m venv .venv && .venv/bin/pip install -e ."]');
  });
});
