// R5's writer process: opens a run with the project's writer (the built `RunWriter`) and rewrites
// its manifest as fast as it can, each change written before the next, until it is killed.
//
// Usage: manifest-writer.mjs <runs-dir> <run-dir>. Sends {type: 'writing'} (IPC) once the run is
// open and the loop starts, or {type: 'error', message} when the run's manifest cannot be read.

import { readManifest } from '../../../../dist/orchestrator/src/store/read.js';
import { RunWriter } from '../../../../dist/orchestrator/src/store/run-writer.js';

const [runsDir, runDir] = process.argv.slice(2);
const current = await readManifest(runDir);
if (!current.ok) {
  process.send({ type: 'error', message: JSON.stringify(current.error) }, () => process.exit(1));
} else {
  const created = await RunWriter.create(runsDir, runDir, current.value, 'graph source\n');
  if (!created.ok) {
    process.send({ type: 'error', message: JSON.stringify(created.error) }, () => process.exit(1));
    await new Promise(() => {});
  }
  const writer = created.value;
  process.send({ type: 'writing' });
  for (let n = 1; ; n++) {
    // A new heartbeat, and an event whose message length changes: every file differs in size.
    writer.apply({ kind: 'run-settled', status: 'running', message: `write ${n} by ${process.pid} ${'x'.repeat((n * 37) % 500)}` });
    writer.beat();
    await writer.flush();
  }
}
