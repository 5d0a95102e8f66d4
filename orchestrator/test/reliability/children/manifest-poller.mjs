// R4's reader process: many pollers (async loops) reading one run's manifest through the project's
// own reader (the built `readManifest`, what `poll` uses) as fast as they can.
//
// Protocol (IPC): sends {type: 'ready'} once loaded; on {type: 'go', runDir, pollers, durationMs}
// polls for that long and sends {type: 'done', reads, torn: {json, schema, unreadable}, samples,
// versions, elapsedMs}, then exits.

import { readManifest } from '../../../../dist/orchestrator/src/store/read.js';

process.on('message', async (message) => {
  if (message.type !== 'go') return;
  const { runDir, pollers, durationMs } = message;
  const torn = { json: 0, schema: 0, unreadable: 0 };
  const samples = [];
  const versions = new Set();
  let reads = 0;
  const started = performance.now();
  const end = started + durationMs;
  const poller = async () => {
    while (performance.now() < end) {
      const result = await readManifest(runDir);
      reads++;
      if (result.ok) {
        versions.add(result.value.heartbeatAt);
        continue;
      }
      const why = result.error.message ?? result.error.reason;
      if (why.startsWith('not valid JSON')) torn.json++;
      else if (why.startsWith('does not match')) torn.schema++;
      else torn.unreadable++;
      if (samples.length < 5) samples.push(why);
    }
  };
  await Promise.all(Array.from({ length: pollers }, poller));
  const elapsedMs = performance.now() - started;
  process.send({ type: 'done', reads, torn, samples, versions: [...versions], elapsedMs }, () => process.exit(0));
});

process.send({ type: 'ready' });
