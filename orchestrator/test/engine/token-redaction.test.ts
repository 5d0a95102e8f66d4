import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { secretForms } from '../../src/store/secrets/forms.js';
import { cli } from '../helpers/cli.js';
import { repoWithGraph } from '../helpers/run.js';

// A real offline run (real Codex, the offline model) whose prompt carries an OpenAI key and a
// GitHub token, with no `settings.secrets`: neither reaches a file under .runs/ or the CLI's output.

const OPENAI = `sk-proj-${'Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0Fe9Dc8Ba7Zy6Xw5Vu4Ts3Rq2Po1Nm0Lk9'}_Q7rT`;
const GITHUB = `ghp_${'Q1w2E3r4T5y6U7i8O9p0A1s2D3f4G5h6J7k8'}`;

function filesBelow(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).map((f) => path.join(dir, f)).filter((f) => statSync(f).isFile());
}

describe('well-known tokens in a run with no secret settings', () => {
  it('are redacted from every file under .runs/ and from what the CLI prints, raw and base64', async () => {
    const { repo, graph, runsDir } = repoWithGraph(`
tasks:
  - id: leak
    role: builder
    expectChanges: false
    prompt: "Deploy with ${OPENAI} and ${GITHUB}.\\n\`\`\`sh\\necho key ${OPENAI}; echo ${GITHUB} | base64; echo ${OPENAI} >&2\\n\`\`\`"
    verify: ["echo ${GITHUB}; printf 'x=${OPENAI}' | base64 -w0"]
`);
    const result = await cli(['run', graph], repo);
    expect(result.code).toBe(0);
    const forms = [...secretForms(OPENAI), ...secretForms(GITHUB), Buffer.from(`${GITHUB}\n`).toString('base64').slice(0, 40), Buffer.from(`x=${OPENAI}`).toString('base64').slice(4, 60)];
    const files = filesBelow(runsDir);
    expect(files.length).toBeGreaterThan(8);
    const leaks: string[] = [];
    for (const file of files) {
      const text = readFileSync(file, 'latin1');
      for (const form of forms) if (text.includes(form)) leaks.push(`${path.relative(runsDir, file)}: ${form}`);
    }
    for (const [name, text] of [
      ['stdout', result.stdout],
      ['stderr', result.stderr],
    ] as const) {
      for (const form of forms) if (text.includes(form)) leaks.push(`${name}: ${form}`);
    }
    expect(leaks).toEqual([]);
    const log = readFileSync(files.find((f) => f.endsWith(path.join('leak', 'log.txt'))) as string, 'utf8');
    expect(log).toContain('Deploy with [REDACTED:openai-key] and [REDACTED:github-token].');
  });
});
