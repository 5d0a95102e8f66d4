import { randomBytes } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { backendsHere } from '../helpers/codex-here.js';
import { repoWithGraph, runGraph, task } from '../helpers/run.js';
import { figure } from './battery.js';

// R8: canary secrets (raw, base64, split across chunks) in prompts, command output and the
// environment; then every file under .runs/ is scanned for every canary in every form: 0 found.
// Real Codex (every backend) against the offline model server.

const hex = (n: number): string => randomBytes(n).toString('hex');

/** Known to the run as secrets: by a secret-looking name, by settings.secretEnv, by a settings.secrets pattern. */
const CANARY = {
  envByName: `r8pw-${hex(10)}`, // R8_CANARY_PASSWORD: echoed by commands, raw, base64, split
  literal: `r8lit-${hex(10)}`, // R8_DEPLOY_KEY: also written literally in the prompt and the verify commands
  envListed: `r8conn-${hex(10)}`, // R8_CONN, named in settings.secretEnv: split across reads of a verify command
  pattern: `r8pat-${hex(12)}`, // matches settings.secrets; printed in two halves with a pause between
} as const;

/** Every form a canary could be written in: raw, and base64 (standard and URL-safe) at the three byte alignments. */
function formsOf(canary: string): string[] {
  const forms = [canary];
  for (const url of [false, true]) {
    for (const shift of [0, 1, 2]) {
      const encoded = Buffer.concat([Buffer.alloc(shift), Buffer.from(canary)]).toString(url ? 'base64url' : 'base64');
      // Only the characters that no neighbouring byte can change.
      forms.push(encoded.slice(Math.ceil((shift * 8) / 6), Math.floor(((shift + canary.length) * 8) / 6)));
    }
  }
  return forms;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true })
    .map((f) => path.join(dir, String(f)))
    .filter((f) => lstatSync(f).isFile());
}

/**
 * Codex streams command output and text in pieces, one message per piece: a secret split between
 * two pieces is in no single piece. Joined per stream, the pieces must hold no canary either.
 */
function streamsOf(eventsFile: string): string[] {
  const streams = new Map<string, Buffer[]>();
  for (const line of readFileSync(eventsFile, 'utf8').split('\n')) {
    if (!line) continue;
    const raw = (JSON.parse(line) as { raw?: Record<string, unknown> }).raw;
    // codex app-server: `{method: "item/commandExecution/outputDelta", params: {itemId, delta}}`.
    const method = raw?.['method'];
    const params = raw?.['params'] as Record<string, unknown> | undefined;
    if (typeof method === 'string' && /(\/d|D)elta$/.test(method) && typeof params?.['delta'] === 'string') {
      const key = `${method} ${String(params['itemId'] ?? '')}`;
      streams.set(key, [...(streams.get(key) ?? []), Buffer.from(params['delta'])]);
      continue;
    }
    if (typeof raw?.['type'] !== 'string' || !raw['type'].endsWith('_delta')) continue;
    const key = `${raw['type']} ${String(raw['call_id'] ?? raw['item_id'] ?? '')} ${String(raw['stream'] ?? '')}`;
    const piece = typeof raw['chunk'] === 'string' ? Buffer.from(raw['chunk'], 'base64') : Buffer.from(String(raw['delta'] ?? ''));
    streams.set(key, [...(streams.get(key) ?? []), piece]);
  }
  return [...streams.values()].map((pieces) => Buffer.concat(pieces).toString('latin1'));
}

const half = (s: string): [string, string] => [s.slice(0, Math.floor(s.length / 2)), s.slice(Math.floor(s.length / 2))];

describe('R8 canary secrets', () => {
  it('no canary secret reaches .runs/, in any form', { timeout: 120_000 }, async (context) => {
    const [patA, patB] = half(CANARY.pattern);
    const { graph, runsDir } = repoWithGraph(`
  settings:
    secrets: ['r8pat-[0-9a-f]{24}']
    secretEnv: [R8_CONN]
  tasks:
    - id: leak
      role: builder
      prompt: |
        Canary written in the prompt: ${CANARY.literal} and ${CANARY.pattern}.
        \`\`\`sh
        echo start; sleep 0.3
        echo "env: $R8_CANARY_PASSWORD and $R8_DEPLOY_KEY"
        printf '%s' "$R8_CANARY_PASSWORD" | base64
        printf 'x%s' "$R8_CANARY_PASSWORD" | base64
        printf 'xy%s' "$R8_DEPLOY_KEY" | base64 -w0 | tr '+/' '-_'; echo
        printf '%s' "\${R8_CANARY_PASSWORD:0:11}"; sleep 0.6; printf '%s\\n' "\${R8_CANARY_PASSWORD:11}"
        printf '%s' '${patA}'; sleep 0.6; printf '%s\\n' '${patB}'
        echo "$R8_CANARY_PASSWORD" > secret.txt; printf '%s' "$R8_CONN" | base64 > secret.b64
        \`\`\`
      verify:
        - echo "verify sees $R8_CANARY_PASSWORD and ${CANARY.literal}"
        - printf '%s' "\${R8_CONN:0:9}"; sleep 0.3; printf '%s\\n' "\${R8_CONN:9}"
    - id: fail
      role: builder
      prompt: "\`\`\`sh\\necho the literal ${CANARY.literal} again\\n\`\`\`"
      verify: ["echo ${CANARY.literal} >&2; exit 3"]
  `);
    const env = { R8_CANARY_PASSWORD: CANARY.envByName, R8_DEPLOY_KEY: CANARY.literal, R8_CONN: CANARY.envListed };
    for (const backend of backendsHere()) {
      const { manifest, runDir } = await runGraph(graph, runsDir, { backend, env });
      // The canaries did flow: the commands ran, the verify command failed as meant to.
      expect(task(manifest, 'leak').status).toBe('succeeded');
      expect(task(manifest, 'fail').reason).toBe('verify-failed');
      expect(task(manifest, 'fail').message).toContain('[REDACTED:R8_DEPLOY_KEY]');
      const log = readFileSync(path.join(runDir, 'tasks', 'leak', 'log.txt'), 'utf8');
      expect(log).toContain('env: [REDACTED:R8_CANARY_PASSWORD] and [REDACTED:R8_DEPLOY_KEY]');
      expect(log).toContain('[REDACTED:secrets#1]');
      expect(readFileSync(path.join(runDir, 'tasks', 'leak', 'checks', '2.log'), 'utf8')).toBe('[REDACTED:R8_CONN]\n');
      if (backend === 'codex-mcp') {
        // Codex streamed the split output in more than one piece.
        const events = readFileSync(path.join(runDir, 'tasks', 'leak', 'events.jsonl'), 'utf8');
        expect(events.split('\n').filter((l) => l.includes('"exec_command_output_delta"')).length).toBeGreaterThan(3);
      }
      if (backend === 'codex-app-server') {
        const events = readFileSync(path.join(runDir, 'tasks', 'leak', 'events.jsonl'), 'utf8');
        expect(events.split('\n').filter((l) => l.includes('"item/commandExecution/outputDelta"')).length).toBeGreaterThan(3);
      }
    }

    const files = filesUnder(runsDir);
    const forms = Object.values(CANARY).flatMap(formsOf);
    const texts = files.flatMap((file) => [
      { where: path.relative(runsDir, file), text: readFileSync(file, 'latin1') },
      ...(file.endsWith('.jsonl') ? streamsOf(file).map((text, i) => ({ where: `${path.relative(runsDir, file)} (stream ${i + 1} joined)`, text })) : []),
    ]);
    const found = texts.flatMap(({ where, text }) => forms.filter((f) => text.includes(f)).map((f) => `${where}: ${f}`));
    const streams = texts.length - files.length;
    // The figure line, exactly in this form, for the reliability battery's report.
    figure(
      context,
      `R8 canary secrets: ${Object.keys(CANARY).length} canaries × ${forms.length / Object.keys(CANARY).length} forms, ${found.length} found in ${files.length} files (and in ${streams} streamed outputs joined)`,
    );
    expect(streams).toBeGreaterThan(0);
    expect(found).toEqual([]);
    expect(files.length).toBeGreaterThan(20);
    // Codex's own transcripts are not in .runs/ at all: the run's CODEX_HOME is kept elsewhere.
    expect(files.filter((f) => f.includes(`${path.sep}codex-home${path.sep}`) || f.includes(`${path.sep}sessions${path.sep}`))).toEqual([]);
  });
});
