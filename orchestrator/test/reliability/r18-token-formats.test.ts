import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { secretForms } from '../../src/store/secrets/forms.js';
import { cli } from '../helpers/cli.js';
import { repoWithGraph } from '../helpers/run.js';
import { count, figure, random, scaled, seedFor, type Random } from './battery.js';

// R18: well-known token formats are redacted out of the box. Real offline runs (real Codex, no
// `settings.secrets`) whose prompts, command output (raw, base64, on stderr) and verify output
// carry freshly drawn tokens of every built-in format: none of them, in any form the redactor
// covers, reaches a file under .runs/ or what the CLI prints.

const RUNS = scaled({ ci: 1, full: 4 });

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const chars = (rng: Random, alphabet: string, n: number): string => Array.from({ length: n }, () => rng.pick([...alphabet])).join('');

/** One token of each built-in format, drawn afresh. */
function tokens(rng: Random): Record<string, string> {
  return {
    'openai-key': `sk-proj-${chars(rng, ALNUM, 48)}`,
    'github-token': `ghp_${chars(rng, ALNUM, 36)}`,
    'github-fine-grained': `github_pat_${chars(rng, ALNUM, 22)}_${chars(rng, ALNUM, 59)}`,
    'aws-access-key': `AKIA${chars(rng, UPPER, 16)}`,
    'slack-token': `xoxb-${chars(rng, '0123456789', 12)}-${chars(rng, ALNUM, 24)}`,
    'google-api-key': `AIza${chars(rng, ALNUM, 35)}`,
    jwt: `eyJhbGciOiJIUzI1NiJ9.eyJ${chars(rng, ALNUM, 30)}.${chars(rng, ALNUM, 43)}`,
    bearer: chars(rng, ALNUM, 40),
  };
}

function filesBelow(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).map((f) => path.join(dir, f)).filter((f) => statSync(f).isFile());
}

describe('R18 token formats redacted by default', () => {
  it(`${RUNS} real run(s) carrying every built-in token format, with no secret settings: 0 found anywhere`, { timeout: 120_000 * RUNS }, async (context) => {
    const seed = seedFor('R18');
    const rng = random(seed);
    let files = 0;
    let forms = 0;
    const leaks: string[] = [];
    for (let n = 0; n < RUNS; n++) {
      const drawn = tokens(rng);
      const values = Object.values(drawn);
      const bearer = `Authorization: Bearer ${drawn['bearer']}`;
      const shown = values.filter((v) => v !== drawn['bearer']);
      const commands = [`echo ${shown.join(' ')}`, `echo '${bearer}'`, `printf '%s' '${shown.join(',')}' | base64 -w0`, `echo ${shown.slice(0, 4).join(' ')} >&2`];
      const { repo, runsDir } = repoWithGraph(`
tasks:
  - id: leak
    role: builder
    expectChanges: false
    prompt: ${JSON.stringify(`Deploy with ${shown.join(' and ')}; ${bearer}.\n\`\`\`sh\n${commands.join('\n')}\n\`\`\``)}
    verify: [${JSON.stringify(`echo ${shown.slice(4).join(' ')}; printf 'x=%s' '${shown[0]}' | base64 -w0`)}]
`);
      const result = await cli(['run', 'graph.yaml'], repo);
      expect(result.code, result.stderr).toBe(0);
      const base64Runs = [Buffer.from(shown.join(',')).toString('base64'), Buffer.from(`x=${shown[0]}`).toString('base64')];
      // Pieces of the base64 output long enough to give a token away (each cuts a token's encoding).
      const looked = [...values.flatMap((v) => secretForms(v)), ...base64Runs.map((b) => b.slice(8, 48))];
      forms += looked.length;
      const found = filesBelow(runsDir);
      files += found.length;
      for (const file of found) {
        const text = readFileSync(file, 'latin1');
        for (const form of looked) if (text.includes(form)) leaks.push(`run ${n}: ${path.relative(runsDir, file)}: ${form.slice(0, 12)}…`);
      }
      for (const [name, text] of [
        ['stdout', result.stdout],
        ['stderr', result.stderr],
      ] as const) {
        for (const form of looked) if (text.includes(form)) leaks.push(`run ${n}: ${name}: ${form.slice(0, 12)}…`);
      }
    }
    figure(context, `R18 token formats: ${RUNS} run(s) × 8 formats (seed ${seed}), ${count(forms)} forms looked for in ${count(files)} files and the CLI's output: ${leaks.length} found`);
    expect(leaks).toEqual([]);
  });
});
