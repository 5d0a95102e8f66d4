import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppServerClient, OVERLOADED, OVERLOADED_TRIES } from '../../src/backends/app-server-client.js';
import { tempDir } from '../helpers/temp.js';

// The JSON-RPC client on its own, against a small peer script (a fake of the other end of our
// own client, not of Codex: the backend's tests run real Codex).

/** A peer that answers the first `busy` requests with -32001, then with the number of requests it saw. */
function peer(busy: number): string {
  const file = path.join(tempDir(), 'peer.mjs');
  writeFileSync(
    file,
    `import { createInterface } from 'node:readline';
let seen = 0;
createInterface({ input: process.stdin }).on('line', (line) => {
  const m = JSON.parse(line);
  if (m.id === undefined) return;
  seen++;
  const reply = seen <= ${busy} ? { id: m.id, error: { code: ${OVERLOADED}, message: 'server overloaded; retry later' } } : { id: m.id, result: { seen } };
  process.stdout.write(JSON.stringify(reply) + '\\n');
});
`,
  );
  return file;
}

function client(file: string): AppServerClient {
  return new AppServerClient({
    command: process.execPath,
    args: [file],
    env: { ...process.env } as Record<string, string>,
    onNotification: () => undefined,
    onServerRequest: () => ({ error: { code: -32601, message: 'no' } }),
  });
}

describe('the app-server client', () => {
  it('asks an overloaded server again, with a growing pause, and gives up after its tries', async () => {
    const twice = client(peer(2));
    try {
      const started = Date.now();
      expect(await twice.request('thread/start', {}, { timeoutMs: 5000 })).toEqual({ seen: 3 });
      // Pauses of 100 and 200 ms.
      expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    } finally {
      await twice.close();
    }
    // Busy for all its tries: the error comes back, and the request was sent exactly that often.
    const counted = client(peer(OVERLOADED_TRIES));
    try {
      expect(await counted.request('thread/start', {}, { timeoutMs: 5000 }).catch((x: unknown) => x)).toMatchObject({ code: OVERLOADED, kind: 'rpc-error', message: 'server overloaded; retry later' });
      expect(await counted.request('thread/start', {}, { timeoutMs: 5000 })).toEqual({ seen: OVERLOADED_TRIES + 1 });
    } finally {
      await counted.close();
    }
  });
});
