import { Agent, OpenAIProvider, Runner, setTracingDisabled } from '@openai/agents';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOfflineModel, type OfflineModelServer } from '../../src/model-server/server.js';

// The offline model server must be accepted by the real @openai/agents runner, streaming or not.

let model: OfflineModelServer;
let runner: Runner;

beforeAll(async () => {
  setTracingDisabled(true);
  model = await startOfflineModel();
  runner = new Runner({ modelProvider: new OpenAIProvider({ apiKey: 'offline', baseURL: model.baseUrl, useResponses: true }) });
});
afterAll(async () => {
  await model.close();
});

const agent = new Agent({ name: 'probe', instructions: 'Answer briefly.', model: 'offline-stand-in' });

describe('offline model server with @openai/agents', () => {
  it('answers a plain (non-streaming) run', async () => {
    const result = await runner.run(agent, 'Nothing to do here.');
    expect(result.finalOutput).toBe('Offline model (stand-in): the prompt holds no fenced shell, patch or artifact blocks, so there was nothing to carry out.');
  });

  it('answers a streaming run', async () => {
    const stream = await runner.run(agent, 'Still nothing to do.', { stream: true });
    let text = '';
    for await (const chunk of stream.toTextStream()) text += chunk;
    await stream.completed;
    expect(text).toContain('Offline model (stand-in)');
    expect(stream.finalOutput).toBe(text);
  });

  it('adds latency per response when asked', async () => {
    const slow = await startOfflineModel({ latencyMs: 200 });
    try {
      const slowRunner = new Runner({ modelProvider: new OpenAIProvider({ apiKey: 'offline', baseURL: slow.baseUrl, useResponses: true }) });
      const started = performance.now();
      await slowRunner.run(agent, 'hi');
      expect(performance.now() - started).toBeGreaterThanOrEqual(190);
      expect(slow.responses()).toBe(1);
    } finally {
      await slow.close();
    }
  });
});
