import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { countTasks, Manifest, manifestJsonSchema } from '../../src/store/manifest.js';
import { runEventJsonSchema } from '../../src/store/events/run-event.js';

const SCHEMA_FILE = fileURLToPath(new URL('../../../.runs/manifest.schema.json', import.meta.url));
const V1_FIXTURE = fileURLToPath(new URL('../fixtures/manifest-v1.json', import.meta.url));

// Pollers validate manifest.json against .runs/manifest.schema.json, so it must follow the zod schema.
// Regenerate it with: UPDATE_SCHEMA=1 npx vitest run orchestrator/test/store/manifest-schema.test.ts
it('.runs/manifest.schema.json is generated from the zod schema', () => {
  const expected = `${JSON.stringify(manifestJsonSchema(), null, 2)}\n`;
  if (process.env['UPDATE_SCHEMA'] === '1') writeFileSync(SCHEMA_FILE, expected);
  expect(existsSync(SCHEMA_FILE), `${SCHEMA_FILE} is missing; generate it with UPDATE_SCHEMA=1`).toBe(true);
  expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(expected);
});

const EVENT_SCHEMA_FILE = fileURLToPath(new URL('../../../.runs/run-event.schema.json', import.meta.url));

// The run's log, events.ndjson: one line of it matches .runs/run-event.schema.json (same command regenerates it).
it('.runs/run-event.schema.json is generated from the zod schema', () => {
  const expected = `${JSON.stringify(runEventJsonSchema(), null, 2)}\n`;
  if (process.env['UPDATE_SCHEMA'] === '1') writeFileSync(EVENT_SCHEMA_FILE, expected);
  expect(existsSync(EVENT_SCHEMA_FILE), `${EVENT_SCHEMA_FILE} is missing; generate it with UPDATE_SCHEMA=1`).toBe(true);
  expect(readFileSync(EVENT_SCHEMA_FILE, 'utf8')).toBe(expected);
});

it('reads a manifest written by schema version 1', () => {
  const raw: unknown = JSON.parse(readFileSync(V1_FIXTURE, 'utf8'));
  const parsed = Manifest.safeParse(raw);
  if (!parsed.success) throw new Error(`the v1 fixture no longer parses: ${parsed.error.message}`);
  const m = parsed.data;
  // Nothing dropped: every field of the old file is still known to the schema.
  expect(m).toEqual(raw);
  expect(m.schemaVersion).toBe(1);
  expect(m.counts).toEqual(countTasks(m.tasks));
  expect(m.tasks.map((t) => [t.id, t.status])).toEqual([
    ['add-shout', 'succeeded'],
    ['add-farewell', 'failed'],
    ['document-greeter', 'skipped'],
  ]);
  const done = m.tasks[0];
  expect(done?.artifacts.diff?.path).toBe('tasks/add-shout/diff.patch');
  expect(done?.checks?.map((c) => c.exitCode)).toEqual([0, 0]);
  expect(done?.diffStat).toEqual({ files: 2, insertions: 13, deletions: 1 });
  expect(done?.usage?.total).toBe(31774);
});
