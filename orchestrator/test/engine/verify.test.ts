import { readFileSync, symlinkSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runChecks } from '../../src/engine/attempt/verify.js';
import { Redactor } from '../../src/store/secrets/redactor.js';
import { collectSecrets } from '../../src/store/secrets/sources.js';
import { tempDir } from '../helpers/temp.js';

const SECRET = 'check-secret-0123456789';

function setup(): { runDir: string; taskDir: string; cwd: string } {
  const runDir = tempDir();
  return { runDir, taskDir: path.join(runDir, 'tasks', 't'), cwd: tempDir() };
}

describe('verify commands', () => {
  it('run with the run environment; their output is redacted even when a secret comes in two reads', async () => {
    const { runDir, taskDir, cwd } = setup();
    const env = { ...process.env, APP_TOKEN: SECRET };
    const redactor = Redactor.from(collectSecrets(env));
    const [result] = await runChecks(
      ['printf "out %s" "${APP_TOKEN:0:9}"; sleep 0.3; printf "%s\\n" "${APP_TOKEN:9}"; printf "%s\\n" "$APP_TOKEN" | base64 >&2'],
      cwd,
      taskDir,
      runDir,
      new AbortController().signal,
      { env, redactor },
    );
    expect(result).toMatchObject({ exitCode: 0, outputPath: 'tasks/t/checks/1.log' });
    expect(readFileSync(path.join(taskDir, 'checks', '1.log'), 'utf8')).toBe('out [REDACTED:APP_TOKEN]\n[REDACTED:APP_TOKEN]kK\n'); // kK: the newline, and the last bits the secret shares with it
  });

  it('end when the command does, even if a process it left in the background holds its output open', async () => {
    const { runDir, taskDir, cwd } = setup();
    const started = Date.now();
    const [result] = await runChecks(['sleep 20 & echo started'], cwd, taskDir, runDir, new AbortController().signal);
    expect(result?.exitCode).toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(readFileSync(path.join(taskDir, 'checks', '1.log'), 'utf8')).toBe('started\n');
  });

  it('never write their output through a link planted in the task folder', async () => {
    const { runDir, taskDir, cwd } = setup();
    const target = path.join(tempDir(), 'target');
    writeFileSync(target, 'keep\n');
    mkdirSync(path.join(taskDir, 'checks'), { recursive: true });
    symlinkSync(target, path.join(taskDir, 'checks', '1.log'));
    await expect(runChecks(['echo overwrite'], cwd, taskDir, runDir, new AbortController().signal)).rejects.toThrow(/1\.log is a symbolic link/);
    expect(readFileSync(target, 'utf8')).toBe('keep\n');
  });
});
