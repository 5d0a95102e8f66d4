import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { err, ok, type Result } from '../core/result.js';
import type { Diagnostic } from '../core/source-position.js';
import { execCommand, type ExecResult } from '../core/spawner.js';
import type { GraphCheck, GraphReferences, Located, TaskReferences } from './references.js';
import { closest } from './suggest.js';
import { scriptCalls, type ScriptCall } from './verify-scripts.js';

/**
 * Checks a graph against its repository at the base commit, where every task starts: that
 * `settings.baseRef` names a commit, that each `cwd` is a folder there, and that the package
 * scripts verify commands run (`npm test`, `npm run lint`) are in the `package.json` of the task's
 * folder there. Uncommitted files are not part of a run, so the working tree is not looked at.
 *
 * A few git processes whatever the graph's size: the root, the base commit, one `ls-tree` of
 * every folder and `package.json` named, one read per `package.json` needed; one more listing of
 * the commit's folders only to suggest a name for a folder that is missing.
 *
 * A graph whose folder is not in a repository (and that names none in `settings.repo`) is not
 * checked here: `run` says that itself, and the file can be checked on its own.
 */
export const checkRepository: GraphCheck = async (refs) => {
  // A graph not yet written (a plan being checked) may name a folder that is still to be made.
  const root = await repositoryRoot(refs.repo === undefined ? existingAncestor(refs.repoDir) : refs.repoDir);
  if (root === undefined) return refs.repo === undefined ? [] : [notARepository(refs.repo, refs.repoDir)];
  const commit = await resolveCommit(root, refs.baseRef.value);
  if (commit === undefined) return [badBaseRef(refs, root)];
  const at = `in the base commit (${refs.baseRef.value})`;

  const calls = refs.tasks.map((task) => task.verify.map((command) => ({ command, calls: scriptCalls(command.value) })));
  const paths = new Set<string>();
  refs.tasks.forEach((task, i) => {
    if (task.cwd !== undefined) paths.add(task.cwd.value);
    if (calls[i]!.some((c) => c.calls.length > 0)) paths.add(packageJsonOf(task));
  });
  const entries = await treeEntries(root, commit, [...paths]);
  if (!entries.ok) {
    return [{ position: refs.baseRef.position, message: `cannot read the base commit (${refs.baseRef.value}) of ${root}: ${entries.error}`, hint: 'check the repository with git fsck' }];
  }

  const out: Diagnostic[] = [];
  const missing: { task: TaskReferences; cwd: Located<string> }[] = [];
  const usable: number[] = [];
  refs.tasks.forEach((task, i) => {
    const cwd = task.cwd;
    const entry = cwd === undefined ? undefined : entries.value.get(cwd.value);
    if (cwd === undefined || entry?.type === 'tree') usable.push(i);
    else if (entry === undefined) missing.push({ task, cwd });
    else out.push(notAFolder(task, cwd, entry, at));
  });
  if (missing.length > 0) {
    const folders = await allFolders(root, commit);
    for (const { task, cwd } of missing) {
      const guess = folders === undefined ? undefined : closest(cwd.value, folders);
      out.push({
        position: cwd.position,
        message: `cwd ${JSON.stringify(cwd.value)} of ${task.name} does not exist ${at}`,
        hint:
          guess !== undefined
            ? `did you mean ${JSON.stringify(guess)}? the path is relative to the repository root`
            : 'the path is relative to the repository root; tasks start from the base commit, so create the folder and commit it, or fix the path',
      });
    }
  }

  const packages = new Map<string, Promise<PackageScripts | undefined>>();
  for (const i of usable) {
    const task = refs.tasks[i]!;
    const file = packageJsonOf(task);
    const entry = entries.value.get(file);
    const commands = calls[i]!.filter((c) => c.calls.length > 0);
    // No package.json in the task's folder: the tool looks further up, so nothing is clear here.
    if (commands.length === 0 || entry?.type !== 'blob') continue;
    let read = packages.get(entry.object);
    if (read === undefined) packages.set(entry.object, (read = packageScripts(root, entry.object)));
    const scripts = await read;
    if (scripts === undefined) continue;
    for (const { command, calls: found } of commands) {
      for (const call of found) {
        if (scripts.names.includes(call.script) || (call.tool === 'yarn' && call.script !== 'test' && scripts.hasDependencies)) continue;
        out.push(missingScript(task, command, call, file, scripts.names, at));
      }
    }
  }
  return out;
};

function packageJsonOf(task: TaskReferences): string {
  return task.cwd === undefined ? 'package.json' : `${task.cwd.value}/package.json`;
}

/** One entry of a tree, as `git ls-tree` lists it. */
interface TreeEntry {
  readonly mode: string;
  /** `tree` (a folder), `blob` (a file, or a link with mode 120000), `commit` (a submodule). */
  readonly type: string;
  readonly object: string;
}

function notAFolder(task: TaskReferences, cwd: Located<string>, entry: TreeEntry, at: string): Diagnostic {
  const shown = `cwd ${JSON.stringify(cwd.value)} of ${task.name}`;
  if (entry.type === 'commit') {
    return {
      position: cwd.position,
      message: `${shown} is a submodule ${at}; a task's worktree does not check submodules out`,
      hint: "work in a folder of this repository, or point settings.repo at the submodule's own repository",
    };
  }
  const what = entry.mode === '120000' ? 'a symbolic link' : 'a file';
  return {
    position: cwd.position,
    message: `${shown} is ${what} ${at}, not a folder`,
    hint: `cwd names the folder the agent and the verify commands work in${entry.mode === '120000' ? '; name the folder the link points to' : ''}`,
  };
}

function notARepository(repo: Located<string>, dir: string): Diagnostic {
  return {
    position: repo.position,
    message: existsSync(dir)
      ? `settings.repo ${JSON.stringify(repo.value)} is not inside a git repository (looked in ${dir})`
      : `settings.repo ${JSON.stringify(repo.value)} does not exist (looked for ${dir})`,
    hint: 'tasks run in git worktrees; give the folder of a git repository, relative to the graph file',
  };
}

function badBaseRef(refs: GraphReferences, root: string): Diagnostic {
  const ref = refs.baseRef;
  return ref.written
    ? {
        position: ref.position,
        message: `settings.baseRef ${JSON.stringify(ref.value)} names no commit in ${root}`,
        hint: 'give a branch, tag or commit that exists there (git branch, git tag and git log list them)',
      }
    : {
        position: ref.position,
        message: `the base ref "HEAD" (the default) names no commit in ${root}`,
        hint: 'HEAD needs at least one commit: commit the project first, or set settings.baseRef to a branch, tag or commit',
      };
}

/** Script names shown in a hint; the rest are counted. */
const SHOWN_SCRIPTS = 20;

function missingScript(task: TaskReferences, command: Located<string>, call: ScriptCall, file: string, names: readonly string[], at: string): Diagnostic {
  const guess = closest(call.script, names);
  const list =
    names.length === 0 ? 'it has no "scripts"' : `its scripts are: ${names.slice(0, SHOWN_SCRIPTS).join(', ')}${names.length > SHOWN_SCRIPTS ? ` and ${names.length - SHOWN_SCRIPTS} more` : ''}`;
  return {
    position: command.position,
    message: `verify command of ${task.name} runs "${call.text}", but ${file} has no script ${JSON.stringify(call.script)} ${at}`,
    hint: `${guess !== undefined ? `did you mean ${JSON.stringify(guess)}? ` : ''}${list}; add the script and commit it, or fix the command`,
  };
}

interface PackageScripts {
  readonly names: readonly string[];
  /** Whether it declares dependencies: `yarn run x` also runs a dependency's program `x`. */
  readonly hasDependencies: boolean;
}

/** The scripts of a committed `package.json`; undefined when it is not a JSON object (the tool will say so itself). */
async function packageScripts(root: string, object: string): Promise<PackageScripts | undefined> {
  const result = await git(root, ['cat-file', 'blob', object]);
  if (result.code !== 0) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(result.stdout);
  } catch {
    return undefined;
  }
  if (!isObject(data)) return undefined;
  const scripts = data['scripts'];
  const deps = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'].map((k) => data[k]);
  return {
    names: isObject(scripts) ? Object.keys(scripts) : [],
    hasDependencies: deps.some((d) => isObject(d) && Object.keys(d).length > 0),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function existingAncestor(dir: string): string {
  let at = dir;
  while (!existsSync(at) && dirname(at) !== at) at = dirname(at);
  return at;
}

async function repositoryRoot(dir: string): Promise<string | undefined> {
  const result = await git(dir, ['rev-parse', '--show-toplevel']);
  const root = result.stdout.trim();
  return result.code === 0 && root !== '' ? root : undefined;
}

async function resolveCommit(root: string, ref: string): Promise<string | undefined> {
  // A name starting with "-" is no ref (git refuses to make one), and git would read it as an option.
  if (ref.startsWith('-')) return undefined;
  const result = await git(root, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  return result.code === 0 ? result.stdout.trim() : undefined;
}

/** Paths longer than this cannot be in a tree anyone checks out. */
const MAX_PATH = 4096;
/** Arguments per `ls-tree`, in characters: well below the system's limit on a command line. */
const MAX_ARGS = 64 * 1024;

/**
 * The entries of `commit` at exactly these paths (relative to the root); a path that is not there
 * has none. Paths no tree can hold are not asked about.
 */
async function treeEntries(root: string, commit: string, paths: readonly string[]): Promise<Result<Map<string, TreeEntry>, string>> {
  const entries = new Map<string, TreeEntry>();
  const batches: string[][] = [];
  let size = 0;
  for (const path of paths) {
    if (path.length > MAX_PATH || path.includes('\0')) continue;
    const batch = batches.at(-1);
    if (batch === undefined || size + path.length > MAX_ARGS) {
      batches.push([path]);
      size = 0;
    } else {
      batch.push(path);
    }
    size += path.length + 1;
  }
  for (const batch of batches) {
    // Paths given to ls-tree match literally (no wildcards); -t lists the folders it goes through
    // (a folder asked for and a file in it), -z keeps names unquoted.
    const result = await git(root, ['ls-tree', '-t', '-z', commit, '--', ...batch]);
    if (result.code !== 0) return err(result.stderr.trim() || `git ls-tree exited ${result.code}`);
    for (const line of result.stdout.split('\0')) {
      const tab = line.indexOf('\t');
      if (tab < 0) continue;
      const [mode = '', type = '', object = ''] = line.slice(0, tab).split(' ');
      entries.set(line.slice(tab + 1), { mode, type, object });
    }
  }
  return ok(entries);
}

/** Every folder of `commit` (for suggestions), or undefined when git could not list them. */
async function allFolders(root: string, commit: string): Promise<string[] | undefined> {
  const result = await git(root, ['ls-tree', '-r', '-d', '-z', '--name-only', commit]);
  return result.code === 0 ? result.stdout.split('\0').filter((p) => p !== '') : undefined;
}

function git(cwd: string, args: readonly string[]): Promise<ExecResult> {
  return execCommand('git', args, { cwd, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' }, maxBuffer: 256 * 1024 * 1024 });
}
