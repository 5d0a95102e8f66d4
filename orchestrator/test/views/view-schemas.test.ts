import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { PollDocument, pollJsonSchema } from '../../src/views/poll-schema.js';
import { ReviewDocument, reviewJsonSchema } from '../../src/views/review-schema.js';
import { cli } from '../helpers/cli.js';
import { finishedRun, type Project } from '../review/fixture.js';

const file = (rel: string): string => fileURLToPath(new URL(rel, import.meta.url));

const VIEWS = [
  { name: 'poll', schema: pollJsonSchema, current: file('../../../.runs/poll.schema.json'), v1: file('../fixtures/poll-v1.schema.json') },
  { name: 'review', schema: reviewJsonSchema, current: file('../../../.runs/review.schema.json'), v1: file('../fixtures/review-v1.schema.json') },
] as const;

type Json = Record<string, unknown>;

/**
 * Where `current` stops holding what `frozen` promised: a property gone, a required one made
 * optional, or any other keyword changed (a type, an enum, a nullable). New properties are fine.
 */
function removals(frozen: unknown, current: unknown, at = '$'): string[] {
  if (typeof frozen !== 'object' || frozen === null || typeof current !== 'object' || current === null) {
    return JSON.stringify(frozen) === JSON.stringify(current) ? [] : [`${at}: ${JSON.stringify(frozen)} became ${JSON.stringify(current)}`];
  }
  if (Array.isArray(frozen) !== Array.isArray(current)) return [`${at}: changed shape`];
  const f = frozen as Json;
  const c = current as Json;
  const found: string[] = [];
  for (const key of Object.keys(f)) {
    if (key === 'description') continue;
    if (key === 'properties') {
      const fp = f[key] as Json;
      const cp = (c[key] ?? {}) as Json;
      for (const name of Object.keys(fp)) {
        if (!(name in cp)) found.push(`${at}.${name}: removed`);
        else found.push(...removals(fp[name], cp[name], `${at}.${name}`));
      }
    } else if (key === 'required') {
      const now = new Set((c[key] ?? []) as string[]);
      for (const name of f[key] as string[]) if (!now.has(name)) found.push(`${at}.${name}: no longer required`);
    } else if (!(key in c)) {
      found.push(`${at}: "${key}" removed`);
    } else {
      found.push(...removals(f[key], c[key], Array.isArray(f) ? `${at}[${key}]` : key === 'items' || key === 'anyOf' ? `${at}` : `${at}/${key}`));
    }
  }
  return found;
}

describe('the JSON Schemas of the --json documents', () => {
  for (const view of VIEWS) {
    // Scripts validate `poll --json` / `review --json` against .runs/<name>.schema.json.
    // Regenerate it with: UPDATE_SCHEMA=1 npx vitest run orchestrator/test/views/view-schemas.test.ts
    it(`.runs/${view.name}.schema.json is generated from the zod schema`, () => {
      const expected = `${JSON.stringify(view.schema(), null, 2)}\n`;
      if (process.env['UPDATE_SCHEMA'] === '1') writeFileSync(view.current, expected);
      expect(existsSync(view.current), `${view.current} is missing; generate it with UPDATE_SCHEMA=1`).toBe(true);
      expect(readFileSync(view.current, 'utf8')).toBe(expected);
    });

    // The v1 copy is frozen (never regenerated): fields are only ever added to the document.
    it(`the ${view.name} document only adds fields to its frozen v1`, () => {
      const frozen: unknown = JSON.parse(readFileSync(view.v1, 'utf8'));
      expect(removals(frozen, view.schema())).toEqual([]);
    });
  }

  it('sees a removed field, a field made optional and a changed type', () => {
    const v1 = { type: 'object', properties: { a: { type: 'string' }, b: { type: 'number' }, c: { anyOf: [{ type: 'string' }, { type: 'null' }] } }, required: ['a', 'b', 'c'] };
    const now = { type: 'object', properties: { b: { type: 'string' }, c: { type: 'string' }, d: { type: 'string' } }, required: ['b'] };
    expect(removals(v1, now)).toEqual(['$.a: removed', '$.b/type: "number" became "string"', '$.c: "anyOf" removed', '$.a: no longer required', '$.c: no longer required']);
    expect(removals(v1, { ...v1, properties: { ...v1.properties, d: { type: 'string' } }, required: [...v1.required, 'd'] })).toEqual([]);
  });
});

describe('the documents of a real run parse with their schemas (no unknown field)', () => {
  let run: Project;
  beforeAll(async () => {
    run = await finishedRun();
  });
  const json = async (...args: string[]): Promise<unknown> => {
    const r = await cli(args, run.repo, { CODEX_ORCHESTRATOR_KEYS_DIR: '' });
    expect(r.stderr).toBe('');
    return JSON.parse(r.stdout);
  };

  it('poll --json', async () => {
    const doc = PollDocument.parse(await json('poll', run.runId, '--json'));
    expect(doc.tasks.map((t) => [t.id, t.waiting])).toEqual([
      ['make-file', null],
      ['sign-off', { kind: 'gate' }],
      ['broken', null],
    ]);
  });

  it('review --json, and with --task', async () => {
    const doc = ReviewDocument.parse(await json('review', run.runId, '--json'));
    expect(doc.tasks.map((t) => [t.id, t.waiting])).toEqual([
      ['make-file', null],
      ['sign-off', { kind: 'gate' }],
      ['broken', null],
    ]);
    const one = ReviewDocument.parse(await json('review', run.runId, '--task', 'make-file', '--json'));
    expect(one.tasks[0]?.diffText).toContain('made.txt');
  });
});
