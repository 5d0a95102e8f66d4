import { existsSync } from 'node:fs';
import path from 'node:path';
import { isInside } from './worktree-root.js';

/**
 * The environment a task's setup and verify commands run with: the run's, without what points
 * into the user's checkout, with the worktree's own tools first.
 *
 * A shell the user started in the checkout often has its environment active: a virtualenv made
 * there (`VIRTUAL_ENV`, its `bin/` on `PATH`, where an editable install resolves the package to
 * the checkout's source), `node_modules/.bin` on `PATH`, `NODE_PATH` or `PYTHONPATH` entries.
 * Inherited as they are, `python` or `jest` in a worktree would run the checkout's code, not the
 * task's. Those entries are dropped; the worktree's `.venv` and `node_modules/.bin` (in the task's
 * `cwd` and at the worktree's root), when setup made them, come first instead.
 */
export function taskCommandEnv(base: NodeJS.ProcessEnv, o: { readonly repoRoot: string; readonly worktree: string; readonly cwd: string }): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...checkoutFreeEnv(base, o.repoRoot) };
  const places = [...new Set([o.cwd, o.worktree])];
  const venv = places.map((p) => path.join(p, '.venv')).find((v) => existsSync(path.join(v, 'pyvenv.cfg')));
  const bins = [...(venv ? [path.join(venv, 'bin')] : []), ...places.map((p) => path.join(p, 'node_modules', '.bin')).filter((b) => existsSync(b))];
  if (venv) env['VIRTUAL_ENV'] = venv;
  if (bins.length > 0) env['PATH'] = [...bins, ...split(env['PATH'])].join(path.delimiter);
  return env;
}

/** `base` without the entries of `PATH`, `NODE_PATH` and `PYTHONPATH` inside `repoRoot`, nor a virtualenv (or Python home) there. */
export function checkoutFreeEnv(base: NodeJS.ProcessEnv, repoRoot: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  for (const name of ['PATH', 'NODE_PATH', 'PYTHONPATH']) {
    const value = env[name];
    if (value === undefined) continue;
    const kept = split(value).filter((entry) => !(path.isAbsolute(entry) && isInside(entry, repoRoot)));
    if (kept.length === split(value).length) continue;
    if (kept.length > 0 || name === 'PATH') env[name] = kept.join(path.delimiter);
    else delete env[name];
  }
  for (const name of ['VIRTUAL_ENV', 'PYTHONHOME', 'CONDA_PREFIX']) {
    const value = env[name];
    if (value !== undefined && path.isAbsolute(value) && isInside(value, repoRoot)) delete env[name];
  }
  return env;
}

function split(value: string | undefined): string[] {
  return (value ?? '').split(path.delimiter).filter((e) => e !== '');
}
