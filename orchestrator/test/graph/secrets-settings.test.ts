import { describe, expect, it } from 'vitest';
import { analyzeGraphSource } from '../../src/graph/load.js';
import { cli } from '../helpers/cli.js';
import { tempDir, writeFiles } from '../helpers/temp.js';
import { lines, report } from './helpers.js';

const TASKS = ['tasks:', '  - id: build', '    role: builder', '    prompt: Build it'];

describe('settings.secrets and settings.secretEnv', () => {
  it('reports a pattern that is not a regular expression, at the pattern', () => {
    const source = lines('settings:', '  secrets:', '    - "ghp_[A-Za-z0-9]{36}"', '    - "tok_(abc"', ...TASKS);
    expect(report('bad.yaml', source)).toBe(`tasks/bad.yaml:4:7: error: "settings.secrets[1]" is not a valid regular expression: Unterminated group
    4 |     - "tok_(abc"
      |       ^^^^^^^^^^
  hint: write a JavaScript regular expression without slashes or flags, e.g. "ghp_[A-Za-z0-9]{36}"; put a backslash before ( ) [ ] { } . * + ? | ^ $ \\ to match it as written

1 problem in tasks/bad.yaml`);
  });

  it('reports a pattern that matches the empty string', () => {
    const source = lines('settings:', '  secrets: ["key-[0-9]*|"]', ...TASKS);
    expect(report('bad.yaml', source)).toBe(`tasks/bad.yaml:2:13: error: "settings.secrets[0]" matches the empty string, so it would mark every position of every file as a secret
    2 |   secrets: ["key-[0-9]*|"]
      |             ^^^^^^^^^^^^^
  hint: make it match at least one character, e.g. "[A-Za-z0-9]+" rather than "[A-Za-z0-9]*"

1 problem in tasks/bad.yaml`);
  });

  it('reports a variable name that cannot be one', () => {
    const source = lines('settings:', '  secretEnv: [DATABASE_URL, "my var"]', ...TASKS);
    expect(
      report('bad.yaml', source),
    ).toBe(`tasks/bad.yaml:2:29: error: "settings.secretEnv[1]" must be an environment variable name (letters, digits and "_", not starting with a digit) (got "my var")
    2 |   secretEnv: [DATABASE_URL, "my var"]
      |                             ^^^^^^^^

1 problem in tasks/bad.yaml`);
  });

  it('passes valid settings to the run', () => {
    const result = analyzeGraphSource('/virtual/tasks/ok.yaml', lines('settings:', '  secrets: ["tok_[a-f0-9]{32}"]', '  secretEnv: [DATABASE_URL]', ...TASKS));
    expect(result.ok && result.value.settings.secrets).toEqual({ patterns: ['tok_[a-f0-9]{32}'], env: ['DATABASE_URL'] });
  });

  it('makes validate exit 2, like every other graph error', async () => {
    const dir = tempDir();
    writeFiles(dir, { 'bad.yaml': lines('settings:', '  secrets: ["(unclosed"]', ...TASKS) });
    const result = await cli(['validate', 'bad.yaml'], dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('bad.yaml:2:13: error: "settings.secrets[0]" is not a valid regular expression: Unterminated group');
  });
});
