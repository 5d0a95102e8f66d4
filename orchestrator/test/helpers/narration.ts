import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import type { Manifest } from '../../src/store/manifest.js';
import { narrate } from '../../src/store/events/narrate.js';
import { apply } from '../../src/store/events/reduce.js';
import type { RunEvent } from '../../src/store/events/run-event.js';

/**
 * Checks that `runner.log` tells the run's events: every line `narrate` makes of the event log,
 * folded from its first snapshot, is in the log, in the order of the events (the session's own
 * notes may stand between them). Returns how many lines it checked.
 */
export function expectLogTellsEvents(runDir: string): number {
  const events = readFileSync(path.join(runDir, 'events.ndjson'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as RunEvent);
  let state: Manifest | undefined;
  const expected: string[] = [];
  for (const e of events) {
    if (e.kind === 'snapshot') state = structuredClone(e.manifest);
    if (!state) throw new Error('the event log does not start with a snapshot');
    const was = 'task' in e ? state.tasks.find((t) => t.id === e.task)?.status : undefined;
    if (e.kind !== 'snapshot') apply(state, e);
    expected.push(...narrate(e, state, was));
  }
  const logged = readFileSync(path.join(runDir, 'runner.log'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => l.slice(l.indexOf(' ') + 1));
  let at = 0;
  const missing: string[] = [];
  for (const line of expected) {
    const found = logged.indexOf(line, at);
    if (found < 0) missing.push(line);
    else at = found + 1;
  }
  expect(missing, `lines of the events not in runner.log (in order):\n${logged.join('\n')}`).toEqual([]);
  return expected.length;
}
