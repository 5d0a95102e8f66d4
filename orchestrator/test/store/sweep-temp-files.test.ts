import { mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { sweepTempFiles } from '../../src/store/atomic.js';
import { tempDir, writeFiles } from '../helpers/temp.js';

it('sweepTempFiles removes only the temp files of our atomically written JSON files', async () => {
  const dir = tempDir();
  const kept = ['manifest.json', 'index.json', 'graph.yaml', 'notes.json.123', 'manifest.json.tmp', 'manifest.json.12a', 'runner.log.42'];
  const temps = ['manifest.json.2893453201', 'index.json.17', 'checks.json.4000000000'];
  writeFiles(dir, Object.fromEntries([...kept, ...temps].map((name) => [name, '{}'])));
  mkdirSync(path.join(dir, 'manifest.json.99'));

  const removed = await sweepTempFiles(dir);

  expect(removed.map((f) => path.basename(f)).sort()).toEqual([...temps].sort());
  expect(readdirSync(dir).sort()).toEqual([...kept, 'manifest.json.99'].sort());
  expect(await sweepTempFiles(path.join(dir, 'missing'))).toEqual([]);
});
