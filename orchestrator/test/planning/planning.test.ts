import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/core/package-info.js';
import { loadGraph } from '../../src/graph/load.js';
import { checkPlannedGraph } from '../../src/planning/check-plan.js';
import { planPaths, slugify, titleOf } from '../../src/planning/plan-files.js';
import { instantiate, listPatterns, loadPattern, patternDirs } from '../../src/planning/patterns.js';
import { tempDir, tempRepo, writeFiles } from '../helpers/temp.js';

describe('planning files', () => {
  it('makes slugs and titles from descriptions', () => {
    expect(slugify('Add a shout(name) function!')).toBe('add-a-shout-name-function');
    expect(slugify('Égalité des chances, über alles')).toBe('egalite-des-chances-uber-alles');
    expect(slugify('One two three four five six seven eight nine ten')).toBe('one-two-three-four-five-six-seven-eight');
    expect(slugify('???')).toBe('plan');
    expect(titleOf('  First line\nsecond line')).toBe('First line');
    expect(titleOf('A very long first line that goes on and on well past the sixty characters allowed')).toBe('A very long first line that goes on and on well past the…');
  });

  it('puts the graph under tasks/ or at --out, the checklist beside it, linked from the project root', () => {
    const root = '/p';
    expect(planPaths(root, 'Add shout', undefined, '/p/sub')).toEqual({
      ok: true,
      value: { slug: 'add-shout', graphFile: '/p/tasks/add-shout.yaml', checklistFile: '/p/tasks/tasks-add-shout.md', checklistRef: 'tasks/tasks-add-shout.md', graphRef: 'tasks/add-shout.yaml' },
    });
    expect(planPaths(root, 'x', 'plans/mine.yml', '/p/sub')).toMatchObject({ ok: true, value: { slug: 'mine', graphFile: '/p/sub/plans/mine.yml', checklistRef: 'sub/plans/tasks-mine.md' } });
    expect(planPaths(root, 'x', 'mine.json', '/p')).toMatchObject({ ok: false });
    expect(planPaths(root, 'x', '/elsewhere/mine.yaml', '/p')).toMatchObject({ ok: false });
  });
});

describe('checking a planned graph', () => {
  it('checks its folders and scripts in the repository, as validate does, but not the checklist plan is about to write', async () => {
    const repo = tempRepo({ 'README.md': '# test\n', 'app/package.json': '{ "scripts": { "test": "node --test" } }\n' });
    const paths = planPaths(repo, 'Add shout', undefined, repo);
    if (!paths.ok) throw new Error(paths.error);
    const context = { paths: paths.value, description: 'Add shout', header: ['Planned.'], displayRoot: repo, verify: [] };
    const planned = (cwd: string): unknown => ({ tasks: [{ id: 'build', role: 'builder', prompt: 'Build it', cwd, verify: ['npm test'] }] });
    expect((await checkPlannedGraph(planned('app'), context)).ok).toBe(true);
    expect(await checkPlannedGraph(planned('src'), context)).toEqual({
      ok: false,
      error: {
        problems: `tasks/add-shout.yaml:9:10: error: cwd "src" of task "build" does not exist in the base commit (HEAD)
    9 |     cwd: src
      |          ^^^
  hint: the path is relative to the repository root; tasks start from the base commit, so create the folder and commit it, or fix the path

1 problem in tasks/add-shout.yaml`,
      },
    });
  });
});

describe('workflow patterns', () => {
  it('ships patterns that validate as graphs', async () => {
    const shipped = await listPatterns([path.join(packageRoot(), 'patterns')]);
    expect(shipped).toContain('feature');
    for (const name of shipped) {
      const loaded = await loadGraph(path.join(packageRoot(), 'patterns', `${name}.yaml`));
      expect(loaded.ok, name).toBe(true);
    }
  });

  it('prefers the project’s own pattern, and reports an unknown or invalid one', async () => {
    const project = tempDir();
    writeFiles(project, {
      'patterns/feature.yaml': 'tasks:\n  - {id: only, role: builder, prompt: "Do {{description}} ({{slug}}, {{other}})"}\n',
      'patterns/broken.yaml': 'tasks:\n  - {id: a, role: builder}\n',
    });
    const dirs = patternDirs(project);
    const own = await loadPattern('feature', dirs);
    if (!own.ok) throw new Error(JSON.stringify(own.error));
    expect(own.value.file).toBe(path.join(project, 'patterns', 'feature.yaml'));
    expect(instantiate(own.value.data, { description: 'it', title: 'It', slug: 'it' })).toEqual({ tasks: [{ id: 'only', role: 'builder', prompt: 'Do it (it, {{other}})' }] });
    expect(await loadPattern('missing', dirs)).toMatchObject({ ok: false, error: { reason: 'pattern-not-found', available: ['broken', 'feature', 'migration'] } });
    expect(await loadPattern('../feature', dirs)).toMatchObject({ ok: false, error: { reason: 'pattern-not-found' } });
    const broken = await loadPattern('broken', dirs);
    expect(broken.ok ? undefined : broken.error.reason).toBe('pattern-invalid');
  });
});
