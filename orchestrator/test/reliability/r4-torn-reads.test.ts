import { describe, expect, it } from 'vitest';
import { churn, createRunWriter } from '../helpers/manifests.js';
import { count, figure, scaled } from './battery.js';
import { exited, forkChild, nextMessage } from './children.js';

// R4: pollers never see a torn manifest. Many concurrent pollers, spread over several processes,
// read manifest.json through the project's reader while the run's writer rewrites it as fast as
// it can, growing and shrinking it. A torn read is one that is not JSON, not a manifest, or finds
// no file at all.

const PROCESSES = scaled({ ci: 2, full: 4 });
const POLLERS = scaled({ ci: 100, full: 1000 });
const DURATION_MS = scaled({ ci: 2000, full: 10_000 });

interface Done {
  readonly type: 'done';
  readonly reads: number;
  readonly torn: { readonly json: number; readonly schema: number; readonly unreadable: number };
  readonly samples: readonly string[];
  readonly versions: readonly string[];
  readonly elapsedMs: number;
}

describe('R4 torn reads', () => {
  it(`${POLLERS} pollers reading the manifest while it is rewritten see 0 torn files`, { timeout: DURATION_MS + 60_000 }, async (context) => {
    const { writer, runDir } = await createRunWriter();
    const children = Array.from({ length: PROCESSES }, () => forkChild('manifest-poller.mjs'));
    let done: Done[];
    let updates: number;
    const writing = churn(writer, { waitForDisk: true });
    try {
      await Promise.all(children.map((c) => nextMessage(c, 'ready')));
      const results = children.map((c) => nextMessage<Done>(c, 'done'));
      children.forEach((c, i) => {
        const pollers = Math.floor(POLLERS / PROCESSES) + (i < POLLERS % PROCESSES ? 1 : 0);
        c.send({ type: 'go', runDir, pollers, durationMs: DURATION_MS });
      });
      done = await Promise.all(results);
    } finally {
      updates = await writing.stop();
      for (const c of children) c.kill('SIGKILL');
      await Promise.all(children.map(exited));
    }

    const reads = done.reduce((n, d) => n + d.reads, 0);
    const torn = { json: 0, schema: 0, unreadable: 0 };
    for (const d of done) for (const k of ['json', 'schema', 'unreadable'] as const) torn[k] += d.torn[k];
    const tornTotal = torn.json + torn.schema + torn.unreadable;
    const versions = new Set(done.flatMap((d) => d.versions)).size;
    const seconds = Math.max(...done.map((d) => d.elapsedMs)) / 1000;
    figure(
      context,
      `R4 torn reads: ${count(POLLERS)} pollers in ${PROCESSES} processes × ${seconds.toFixed(1)} s, ${count(reads)} reads of ` +
        `${count(versions)} manifest versions (${count(updates)} written), ${count(tornTotal)} torn ` +
        `(${torn.json} not JSON, ${torn.schema} not a manifest, ${torn.unreadable} unreadable)`,
    );

    expect(done.flatMap((d) => d.samples)).toEqual([]);
    expect(tornTotal).toBe(0);
    // The readers really read while the file changed: many versions, and every poller read.
    expect(versions).toBeGreaterThanOrEqual(10);
    expect(reads).toBeGreaterThanOrEqual(POLLERS);
  });
});
