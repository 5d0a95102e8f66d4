import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { renderGraphJsonSchema } from '../../src/graph/write-schema.js';

const SCHEMA_FILE = fileURLToPath(new URL('../../../tasks/schema.json', import.meta.url));

// Editors validate graph files against tasks/schema.json, so it must follow the zod schema.
// Regenerate it with: UPDATE_SCHEMA=1 npx vitest run orchestrator/test/graph/schema.test.ts
it('tasks/schema.json is generated from the zod schema', () => {
  const expected = renderGraphJsonSchema();
  if (process.env['UPDATE_SCHEMA'] === '1') writeFileSync(SCHEMA_FILE, expected);
  expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(expected);
});
