import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { execCommand, helperPid } from '../../src/core/spawner.js';
import { processesWith } from '../helpers/processes.js';
import { tempDir } from '../helpers/temp.js';

const opts = (cwd: string, env: NodeJS.ProcessEnv = process.env) => ({ cwd, env, maxBuffer: 64 * 1024 * 1024 });
/** The built module (`npm test` builds first), for scripts run in a process of their own. */
const BUILT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../dist/orchestrator/src/core/spawner.js');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(check: () => boolean, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return check();
}

/** Runs a script with node, feeding it `code`; resolves with its output lines and exit code. */
function script(code: string): { pid: number | undefined; lines: Promise<string[]>; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const lines: string[] = [];
  const waiters: (() => void)[] = [];
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString();
    const parts = out.split('\n');
    out = parts.pop() ?? '';
    lines.push(...parts);
    waiters.splice(0).forEach((w) => w());
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const firstLines = new Promise<string[]>((resolve) => {
    const check = (): void => (lines.length > 0 ? resolve(lines) : void waiters.push(check));
    check();
  });
  return { pid: child.pid, lines: firstLines, exited };
}

describe('execCommand (commands started by the helper process)', () => {
  it('gives exit code, output, cwd and environment as execFile would', async () => {
    const dir = tempDir();
    const r = await execCommand('sh', ['-c', 'pwd; echo "$GREETING"; echo oops >&2; exit 3'], opts(dir, { ...process.env, GREETING: 'hello' }));
    expect(r).toEqual({ code: 3, stdout: `${dir}\nhello\n`, stderr: 'oops\n' });
    expect(helperPid()).toBeGreaterThan(0);
    expect(helperPid()).not.toBe(process.pid);
    // A program that does not exist cannot run: code 1, as execFile reports it.
    expect((await execCommand('no-such-program-xyz', [], opts(dir))).code).toBe(1);
  });

  it('keeps many concurrent commands and large outputs apart', async () => {
    const dir = tempDir();
    const results = await Promise.all(Array.from({ length: 24 }, (_, i) => execCommand('sh', ['-c', `head -c ${i * 100_000} /dev/zero | tr '\\0' '${i % 10}'`], opts(dir))));
    results.forEach((r, i) => {
      expect(r.code).toBe(0);
      expect(r.stdout.length).toBe(i * 100_000);
      expect(r.stdout).toBe(String(i % 10).repeat(i * 100_000));
    });
  });

  it('reports commands lost with a killed helper, then starts a new helper', async () => {
    const dir = tempDir();
    await execCommand('true', [], opts(dir));
    const first = helperPid() as number;
    const lost = execCommand('sleep', ['5'], opts(dir));
    process.kill(first, 'SIGKILL');
    await expect(lost).rejects.toThrow(/helper process that runs git ended unexpectedly/);
    const again = await execCommand('echo', ['back'], opts(dir));
    expect(again.stdout).toBe('back\n');
    expect(helperPid()).not.toBe(first);
  });

  it('does not keep its process alive, and ends with it', async () => {
    // The process ends by itself once its commands are done; its helper ends with it.
    const done = script(`
      const { execCommand, helperPid } = await import(${JSON.stringify(BUILT)});
      const r = await execCommand('echo', ['hi'], { cwd: '/', env: process.env, maxBuffer: 1024 });
      console.log(helperPid(), r.stdout.trim());
    `);
    const [line] = await done.lines;
    const [helper, said] = (line ?? '').split(' ');
    expect(said).toBe('hi');
    expect(await done.exited).toBe(0);
    expect(await until(() => !alive(Number(helper)))).toBe(true);
  });

  it('ends its running commands and itself when its process is killed', async () => {
    const marker = `co-spawner-test-${process.pid}-${Date.now()}`;
    const running = script(`
      const { execCommand, helperPid } = await import(${JSON.stringify(BUILT)});
      execCommand('sh', ['-c', 'sleep 30 # ${marker}'], { cwd: '/', env: process.env, maxBuffer: 1024 });
      setTimeout(() => console.log(helperPid()), 300);
      setTimeout(() => undefined, 60_000);
    `);
    const [line] = await running.lines;
    const helper = Number(line);
    expect(alive(helper)).toBe(true);
    process.kill(running.pid as number, 'SIGKILL');
    await running.exited;
    expect(await until(() => !alive(helper))).toBe(true);
    expect(await until(() => processesWith(marker).length === 0)).toBe(true);
  });
});
