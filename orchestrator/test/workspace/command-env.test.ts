import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { checkoutFreeEnv, taskCommandEnv } from '../../src/workspace/command-env.js';
import { isDependencyFile } from '../../src/workspace/environment.js';
import { tempDir } from '../helpers/temp.js';

it('drops what points into the checkout (an active virtualenv, its bins, NODE_PATH/PYTHONPATH entries) and keeps the rest', () => {
  const env = checkoutFreeEnv(
    {
      PATH: '/repo/.venv/bin:/usr/bin:/repo/node_modules/.bin:/bin',
      VIRTUAL_ENV: '/repo/.venv',
      NODE_PATH: '/repo/lib',
      PYTHONPATH: '/repo/src:/opt/py',
      HOME: '/home/u',
    },
    '/repo',
  );
  expect(env).toEqual({ PATH: '/usr/bin:/bin', PYTHONPATH: '/opt/py', HOME: '/home/u' });
  // A virtualenv outside the checkout (the user's tools) stays, and so does a folder that only starts alike.
  expect(checkoutFreeEnv({ PATH: '/repo-tools/bin:/venvs/t/bin', VIRTUAL_ENV: '/venvs/t' }, '/repo')).toEqual({ PATH: '/repo-tools/bin:/venvs/t/bin', VIRTUAL_ENV: '/venvs/t' });
});

it("puts the worktree's own virtualenv and node_modules/.bin first", () => {
  const worktree = tempDir();
  const cwd = path.join(worktree, 'app');
  mkdirSync(path.join(worktree, '.venv', 'bin'), { recursive: true });
  writeFileSync(path.join(worktree, '.venv', 'pyvenv.cfg'), 'home = /usr/bin\n');
  mkdirSync(path.join(cwd, 'node_modules', '.bin'), { recursive: true });
  const env = taskCommandEnv({ PATH: '/repo/.venv/bin:/usr/bin', VIRTUAL_ENV: '/repo/.venv' }, { repoRoot: '/repo', worktree, cwd });
  expect(env['VIRTUAL_ENV']).toBe(path.join(worktree, '.venv'));
  expect(env['PATH']).toBe([path.join(worktree, '.venv', 'bin'), path.join(cwd, 'node_modules', '.bin'), '/usr/bin'].join(':'));
});

it('keys setup on lockfiles and manifests anywhere in the tree', () => {
  for (const f of ['package-lock.json', 'packages/a/package.json', 'uv.lock', 'requirements-dev.txt', 'go.sum', 'Cargo.lock', 'pnpm-lock.yaml']) expect(isDependencyFile(f), f).toBe(true);
  for (const f of ['index.js', 'src/package.ts', 'README.md', 'requirements.md']) expect(isDependencyFile(f), f).toBe(false);
});
