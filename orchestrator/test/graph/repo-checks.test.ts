import { rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCheckedGraph } from '../../src/control/graph-checks.js';
import { renderGraphLoadFailure } from '../../src/graph/render.js';
import { git, tempDir, tempRepo, writeFiles } from '../helpers/temp.js';
import { lines } from './helpers.js';

// What a graph refers to outside its file (the repository at the base commit, checklists) is
// checked before a run, with the analyzer's problems, and reported the same way.

const CHECKLIST = lines('# Work', '', '- [ ] build: Build it', '- [ ] build: Build it again', '- [ ] test-app: Test the app', '- [x] docs: Document it');

/** A repository with `app/package.json` and a checklist committed; runs would live in `<repo>/.runs`. */
function project(extra: Record<string, string> = {}): string {
  return tempRepo({
    'README.md': '# test\n',
    'app/package.json': JSON.stringify({ name: 'app', scripts: { test: 'node --test', 'lint:js': 'eslint .', build: 'tsc' } }),
    'tasks/tasks-work.md': CHECKLIST,
    ...extra,
  });
}

/** Writes `tasks/<name>` and renders why it is rejected (paths relative to the repository). */
async function rejected(repo: string, name: string, source: string): Promise<string> {
  writeFiles(repo, { [`tasks/${name}`]: source });
  const loaded = await loadCheckedGraph(path.join(repo, 'tasks', name), repo);
  if (loaded.ok) throw new Error(`expected tasks/${name} to be rejected`);
  return renderGraphLoadFailure(loaded.error, { cwd: repo });
}

async function accepted(repo: string, name: string, source: string): Promise<void> {
  writeFiles(repo, { [`tasks/${name}`]: source });
  const loaded = await loadCheckedGraph(path.join(repo, 'tasks', name), repo);
  if (!loaded.ok) throw new Error(renderGraphLoadFailure(loaded.error, { cwd: repo }));
}

describe('graph file errors: the repository and checklists', () => {
  it('reports every wrong folder, script, checklist and instructions file at once, with the structural problems', async () => {
    const repo = project();
    writeFiles(repo, { 'local/notes.txt': 'not committed\n' });
    const source = lines(
      'tasks:',
      '  - id: build',
      '    role: builder',
      '    prompt: Build it',
      '    cwd: ap',
      '    checklist: tasks/tasks-work.md#build',
      '  - id: lint',
      '    role: builder',
      '    prompt: Lint it',
      '    cwd: app/',
      '    instructionsFile: ../roles/missing.md',
      '    verify:',
      '      - npm run lint && npm test',
      '      - CI=1 npm run-script biuld',
      '      - pnpm run lint:js',
      '    checklist: tasks/tasks-work.md#test-ap',
      '  - id: docs',
      '    role: builder',
      '    prompt: Document it',
      '    cwd: README.md',
      '    checklist: tasks/missing.md#docs',
      '  - id: local',
      '    role: tester',
      '    prompt: Check it',
      '    cwd: local',
      '  - id: sign-off',
      '    role: gate',
      '    deps: [lnt]',
      '    checklist: tasks/tasks-work.md',
    );
    expect(await rejected(repo, 'work.yaml', source)).toBe(`tasks/work.yaml:5:10: error: cwd "ap" of task "build" does not exist in the base commit (HEAD)
    5 |     cwd: ap
      |          ^^
  hint: did you mean "app"? the path is relative to the repository root

tasks/work.yaml:6:16: error: 2 items of tasks/tasks-work.md match "build" (the checklist of task "build")
    6 |     checklist: tasks/tasks-work.md#build
      |                ^^^^^^^^^^^^^^^^^^^^^^^^^
  hint: make the item keys unique, or use a longer key in the task's checklist reference
  note: tasks/tasks-work.md:3:1: matches: [ ] build: Build it
  note: tasks/tasks-work.md:4:1: matches: [ ] build: Build it again

tasks/work.yaml:11:23: error: instructions file "../roles/missing.md" of task "lint" does not exist (looked for ${path.join(repo, 'roles', 'missing.md')})
   11 |     instructionsFile: ../roles/missing.md
      |                       ^^^^^^^^^^^^^^^^^^^
  hint: the path is relative to the graph file; create the file or fix the path

tasks/work.yaml:13:9: error: verify command of task "lint" runs "npm run lint", but app/package.json has no script "lint" in the base commit (HEAD)
   13 |       - npm run lint && npm test
      |         ^^^^^^^^^^^^^^^^^^^^^^^^
  hint: its scripts are: test, lint:js, build; add the script and commit it, or fix the command

tasks/work.yaml:14:9: error: verify command of task "lint" runs "npm run-script biuld", but app/package.json has no script "biuld" in the base commit (HEAD)
   14 |       - CI=1 npm run-script biuld
      |         ^^^^^^^^^^^^^^^^^^^^^^^^^
  hint: did you mean "build"? its scripts are: test, lint:js, build; add the script and commit it, or fix the command

tasks/work.yaml:16:16: error: no item of tasks/tasks-work.md matches "test-ap" (the checklist of task "lint")
   16 |     checklist: tasks/tasks-work.md#test-ap
      |                ^^^^^^^^^^^^^^^^^^^^^^^^^^^
  hint: did you mean "test-app"? an item matches when its text starts with "test-ap" followed by ":", a space or the end of the line (case-sensitive)
  note: tasks/tasks-work.md:5:1: an item: [ ] test-app: Test the app

tasks/work.yaml:20:10: error: cwd "README.md" of task "docs" is a file in the base commit (HEAD), not a folder
   20 |     cwd: README.md
      |          ^^^^^^^^^
  hint: cwd names the folder the agent and the verify commands work in

tasks/work.yaml:21:16: error: checklist tasks/missing.md of task "docs" does not exist (looked for ${path.join(repo, 'tasks', 'missing.md')})
   21 |     checklist: tasks/missing.md#docs
      |                ^^^^^^^^^^^^^^^^^^^^^
  hint: the path is relative to the project root, the folder that holds the runs folder; create the file or fix the path

tasks/work.yaml:25:10: error: cwd "local" of task "local" does not exist in the base commit (HEAD)
   25 |     cwd: local
      |          ^^^^^
  hint: the path is relative to the repository root; tasks start from the base commit, so create the folder and commit it, or fix the path

tasks/work.yaml:28:12: error: unknown dependency "lnt" in task "sign-off"
   28 |     deps: [lnt]
      |            ^^^
  hint: did you mean "lint"?

tasks/work.yaml:29:16: error: checklist reference "tasks/tasks-work.md" of task "sign-off" is not usable: it has no "#<item>" part
   29 |     checklist: tasks/tasks-work.md
      |                ^^^^^^^^^^^^^^^^^^^
  hint: write it as path/to/tasks-x.md#item-key, the path relative to the project root

11 problems in tasks/work.yaml`);
  });

  it('reads folders and scripts at the base commit, not in the working tree', async () => {
    const repo = project();
    git(repo, 'branch', 'before-api');
    writeFiles(repo, { 'api/package.json': JSON.stringify({ scripts: { test: 'node --test' } }) });
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'api');
    // Removed from the working tree only: tasks start from the commit, which has it.
    rmSync(path.join(repo, 'api'), { recursive: true });
    const graph = lines('tasks:', '  - id: api', '    role: builder', '    prompt: Work on the API', '    cwd: api', '    verify: [npm test]');
    await accepted(repo, 'api.yaml', graph);
    expect(
      await rejected(repo, 'old.yaml', lines('settings:', '  baseRef: before-api') + graph),
    ).toBe(`tasks/old.yaml:7:10: error: cwd "api" of task "api" does not exist in the base commit (before-api)
    7 |     cwd: api
      |          ^^^
  hint: did you mean "app"? the path is relative to the repository root

1 problem in tasks/old.yaml`);
  });

  it('reports a base ref that names no commit, and then checks no folder', async () => {
    const repo = project();
    const root = git(repo, 'rev-parse', '--show-toplevel');
    expect(
      await rejected(repo, 'ref.yaml', lines('settings:', '  baseRef: relase', 'tasks:', '  - {id: a, role: builder, prompt: A, cwd: nowhere, checklist: tasks/tasks-work.md#nope}')),
    ).toBe(`tasks/ref.yaml:2:12: error: settings.baseRef "relase" names no commit in ${root}
    2 |   baseRef: relase
      |            ^^^^^^
  hint: give a branch, tag or commit that exists there (git branch, git tag and git log list them)

tasks/ref.yaml:4:64: error: no item of tasks/tasks-work.md matches "nope" (the checklist of task "a")
    4 |   - {id: a, role: builder, prompt: A, cwd: nowhere, checklist: tasks/tasks-work.md#nope}
      |                                                                ^^^^^^^^^^^^^^^^^^^^^^^^
  hint: an item matches when its text starts with "nope" followed by ":", a space or the end of the line (case-sensitive)
  note: tasks/tasks-work.md:3:1: an item: [ ] build: Build it
  note: tasks/tasks-work.md:4:1: an item: [ ] build: Build it again
  note: tasks/tasks-work.md:5:1: an item: [ ] test-app: Test the app
  note: tasks/tasks-work.md:6:1: an item: [x] docs: Document it

2 problems in tasks/ref.yaml`);

    const empty = tempDir();
    git(empty, 'init', '-q', '-b', 'main');
    writeFiles(empty, { 'graph.yaml': lines('name: first', 'tasks:', '  - {id: a, role: builder, prompt: A}') });
    const loaded = await loadCheckedGraph(path.join(empty, 'graph.yaml'), empty);
    expect(
      loaded.ok ? 'accepted' : renderGraphLoadFailure(loaded.error, { cwd: empty }),
    ).toBe(`graph.yaml:1:1: error: the base ref "HEAD" (the default) names no commit in ${git(empty, 'rev-parse', '--show-toplevel')}
    1 | name: first
      | ^^^^
  hint: HEAD needs at least one commit: commit the project first, or set settings.baseRef to a branch, tag or commit

1 problem in graph.yaml`);
  });

  it('reports a cwd that is a link or a submodule, and a settings.repo that is no repository', async () => {
    const repo = project();
    symlinkSync('app', path.join(repo, 'linked'));
    const commit = git(repo, 'rev-parse', 'HEAD');
    git(repo, 'update-index', '--add', '--cacheinfo', `160000,${commit},vendor/lib`);
    git(repo, 'add', 'linked');
    git(repo, 'commit', '-q', '-m', 'link and submodule');
    expect(
      await rejected(repo, 'odd.yaml', lines('tasks:', '  - {id: a, role: builder, prompt: A, cwd: linked}', '  - {id: b, role: builder, prompt: B, cwd: vendor/lib}')),
    ).toBe(`tasks/odd.yaml:2:44: error: cwd "linked" of task "a" is a symbolic link in the base commit (HEAD), not a folder
    2 |   - {id: a, role: builder, prompt: A, cwd: linked}
      |                                            ^^^^^^
  hint: cwd names the folder the agent and the verify commands work in; name the folder the link points to

tasks/odd.yaml:3:44: error: cwd "vendor/lib" of task "b" is a submodule in the base commit (HEAD); a task's worktree does not check submodules out
    3 |   - {id: b, role: builder, prompt: B, cwd: vendor/lib}
      |                                            ^^^^^^^^^^
  hint: work in a folder of this repository, or point settings.repo at the submodule's own repository

2 problems in tasks/odd.yaml`);
    const missing = path.join(repo, 'missing');
    expect(
      await rejected(repo, 'missing.yaml', lines('settings: {repo: ../missing}', 'tasks:', '  - {id: a, role: builder, prompt: A}')),
    ).toBe(`tasks/missing.yaml:1:18: error: settings.repo "../missing" does not exist (looked for ${missing})
    1 | settings: {repo: ../missing}
      |                  ^^^^^^^^^^
  hint: tasks run in git worktrees; give the folder of a git repository, relative to the graph file

1 problem in tasks/missing.yaml`);
    const plain = tempDir();
    const relative = path.relative(path.join(repo, 'tasks'), plain);
    const report = await rejected(repo, 'plain.yaml', lines(`settings: {repo: ${relative}}`, 'tasks:', '  - {id: a, role: builder, prompt: A}'));
    expect(report.split('\n')[0]).toBe(`tasks/plain.yaml:1:18: error: settings.repo "${relative}" is not inside a git repository (looked in ${plain})`);
  });

  it('leaves scripts alone when nothing is clear: no package.json in the folder, a yarn call that may run a dependency', async () => {
    const repo = project({ 'web/package.json': JSON.stringify({ scripts: {}, devDependencies: { eslint: '^9' } }), 'docs/guide.md': '# Guide\n' });
    await accepted(
      repo,
      'fine.yaml',
      lines(
        'tasks:',
        '  - id: docs',
        '    role: builder',
        '    prompt: Write the docs',
        '    cwd: docs',
        '    verify: [npm run spellcheck]',
        '  - id: web',
        '    role: tester',
        '    prompt: Check it',
        '    cwd: ./web/',
        '    checklist: tasks/tasks-work.md#docs',
        '    verify: [yarn run eslint, npm run lint --if-present, cd ../app && npm run anything]',
      ),
    );
    expect(
      await rejected(repo, 'yarn.yaml', lines('tasks:', '  - {id: w, role: tester, prompt: W, cwd: web, verify: [yarn test]}')),
    ).toBe(`tasks/yarn.yaml:2:57: error: verify command of task "w" runs "yarn test", but web/package.json has no script "test" in the base commit (HEAD)
    2 |   - {id: w, role: tester, prompt: W, cwd: web, verify: [yarn test]}
      |                                                         ^^^^^^^^^
  hint: it has no "scripts"; add the script and commit it, or fix the command

1 problem in tasks/yarn.yaml`);
  });
});
