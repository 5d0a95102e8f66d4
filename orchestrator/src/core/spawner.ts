import { execFile, spawn, type ChildProcess } from 'node:child_process';

/**
 * Short commands (git) started by a small helper process instead of by this one.
 *
 * Node starts a child by forking the calling process on its main thread, and a fork takes time
 * in proportion to the caller's memory: ~3 ms for the orchestrator (~9 ms per 200 MB), under
 * 1 ms for a bare Node process. Nothing else in the run moves meanwhile: no Codex event is
 * logged, no other task goes on. With 8 tasks at once, git's ~250 starts stalled the run's
 * event loop for ~650 ms in all. The helper takes those stalls on itself.
 *
 * The helper talks over Node's IPC channel; it keeps this process alive only while a command is
 * running, ends its commands and itself when this process goes (the channel closes), and is
 * started again if it ever dies. If it cannot be started, commands are started here as before.
 */

export interface ExecOptions {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly maxBuffer: number;
}

/** How the command ended: `code` is 1 when it could not run at all (as with `execFile`). */
export interface ExecResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

interface Request {
  readonly id: number;
  readonly file: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly maxBuffer: number;
  /** Left out when it is the one the request before had (the helper keeps it): git's is the same every time. */
  readonly env?: NodeJS.ProcessEnv;
}

interface Reply extends ExecResult {
  readonly id: number;
}

/** The helper, as plain CommonJS run with `node -e` (so it works from the sources and from dist alike). */
const HELPER = `
const { execFile } = require('node:child_process');
const running = new Set();
let env = process.env;
process.on('message', (m) => {
  if (m.env) env = m.env;
  const child = execFile(m.file, m.args, { cwd: m.cwd, env, maxBuffer: m.maxBuffer, encoding: 'utf8' }, (error, stdout, stderr) => {
    running.delete(child);
    const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
    if (process.connected) process.send({ id: m.id, code, stdout, stderr });
  });
  running.add(child);
});
process.on('disconnect', () => {
  for (const child of running) child.kill('SIGTERM');
  process.exit(0);
});
`;

let helper: ChildProcess | undefined;
let broken = false;
let here = false;
let nextId = 1;
const pending = new Map<number, { resolve: (r: ExecResult) => void; reject: (e: Error) => void }>();

function start(): ChildProcess | undefined {
  if (helper) return helper;
  if (broken) return undefined;
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, ['-e', HELPER], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], serialization: 'advanced' });
  } catch {
    broken = true;
    return undefined;
  }
  child.on('message', (reply: Reply) => {
    const waiting = pending.get(reply.id);
    if (!waiting) return;
    pending.delete(reply.id);
    if (pending.size === 0) child.channel?.unref();
    waiting.resolve({ code: reply.code, stdout: reply.stdout, stderr: reply.stderr });
  });
  child.on('error', () => {
    // Could not start (or the channel failed): commands start here from now on.
    broken = true;
  });
  child.on('exit', () => {
    if (helper === child) helper = undefined;
    sentEnv = undefined;
    const lost = [...pending.values()];
    pending.clear();
    for (const p of lost) p.reject(new Error('the helper process that runs git ended unexpectedly'));
  });
  child.unref();
  child.channel?.unref();
  helper = child;
  sentEnv = undefined;
  return child;
}

/**
 * From now on, commands start here, without the helper: for a short-lived command of a small
 * process (`validate`), whose fork costs under 1 ms, while starting the helper (a Node process)
 * costs ~50 ms before its first command.
 */
export function runCommandsHere(): void {
  here = true;
}

/** Runs `file args` to its end, like `execFile`, through the helper when there is one. */
export function execCommand(file: string, args: readonly string[], options: ExecOptions): Promise<ExecResult> {
  if (here) return execHere(file, args, options);
  const child = start();
  if (!child?.connected) return execHere(file, args, options);
  return new Promise((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve, reject });
    child.channel?.ref();
    const same = sentEnv !== undefined && sameEnv(sentEnv, options.env);
    if (!same) sentEnv = options.env;
    const request: Request = { id, file, args, cwd: options.cwd, maxBuffer: options.maxBuffer, ...(same ? {} : { env: options.env }) };
    child.send(request, (error) => {
      if (!error) return;
      // The helper may not have the environment this request carried: the next one carries it again.
      sentEnv = undefined;
      if (!pending.delete(id)) return;
      if (pending.size === 0) child.channel?.unref();
      execHere(file, args, options).then(resolve, reject);
    });
  });
}

/** The environment the helper has from the last request that carried one. */
let sentEnv: NodeJS.ProcessEnv | undefined;

function sameEnv(a: NodeJS.ProcessEnv, b: NodeJS.ProcessEnv): boolean {
  if (a === b) return true;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const k of keys) if (a[k] !== b[k]) return false;
  return true;
}

function execHere(file: string, args: readonly string[], options: ExecOptions): Promise<ExecResult> {
  return new Promise((resolve) => {
    execFile(file, args, { ...options, encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** The helper's process id while it runs (for diagnostics and tests). */
export function helperPid(): number | undefined {
  return helper?.pid;
}
