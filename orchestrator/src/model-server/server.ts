import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { isAgentRequest } from './agent-layer.js';
import { decide, type ModelRequest, type OutputItem } from './decide.js';
import { locateInScript, normaliseInput } from './history.js';
import { parseFaults, type Fault } from './script.js';

/**
 * The offline model server: a stand-in for the OpenAI Responses API on 127.0.0.1, for demos and
 * tests. It is not a language model. It carries out the fenced shell and patch blocks of the
 * prompt through the client's own tools, in order, then answers with a summary of what ran.
 * Codex (via a `model_providers` entry) and `@openai/agents` both accept it.
 */

export interface OfflineModelOptions {
  /** Delay before each response, to model a real model's latency in benchmarks. */
  readonly latencyMs?: number;
  /** 0 picks a free port. */
  readonly port?: number;
  /** Sees each request's body as it arrives (tests look at what a client offered the model). */
  readonly onRequest?: (body: ModelRequest) => void;
  /** Answers 401 to a request without `Authorization: Bearer <this>` (tests of a client's credentials). */
  readonly bearer?: string;
}

export interface OfflineModelServer {
  /** Base URL for an OpenAI client, ending in `/v1`. */
  readonly baseUrl: string;
  readonly port: number;
  /** Number of responses served so far. */
  responses(): number;
  close(): Promise<void>;
}

export const OFFLINE_MODEL_NAME = 'offline-stand-in';

export async function startOfflineModel(options: OfflineModelOptions = {}): Promise<OfflineModelServer> {
  const latencyMs = options.latencyMs ?? 0;
  let served = 0;
  let counter = 0;
  const newId = (prefix: string): string => `${prefix}_${(++counter).toString(36)}_${process.pid.toString(36)}`;
  // The one piece of state: how many times each prompt's injected faults have been served.
  const faultsServed = new Map<string, number>();
  const nextFault = (body: ModelRequest): Fault['kind'] | undefined => {
    // Faults are for Codex's requests; a role agent handing the same prompt to Codex gets none.
    if (isAgentRequest(body)) return undefined;
    const prompt = locateInScript(normaliseInput(body.input)).prompt;
    let skip = faultsServed.get(prompt) ?? 0;
    for (const fault of parseFaults(prompt)) {
      if (skip < fault.times) {
        faultsServed.set(prompt, (faultsServed.get(prompt) ?? 0) + 1);
        return fault.kind;
      }
      skip -= fault.times;
    }
    return undefined;
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0];
      if (req.method !== 'POST' || (path !== '/v1/responses' && path !== '/responses')) {
        sendJson(res, 404, { error: { message: `the offline model serves POST /v1/responses only, not ${req.method} ${path}`, type: 'invalid_request_error' } });
        return;
      }
      let body: ModelRequest & { stream?: boolean; model?: string };
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof body;
      } catch {
        sendJson(res, 400, { error: { message: 'request body is not JSON', type: 'invalid_request_error' } });
        return;
      }
      if (options.bearer !== undefined && req.headers.authorization !== `Bearer ${options.bearer}`) {
        sendJson(res, 401, { error: { message: 'offline model: this server wants another bearer token', type: 'invalid_request_error' } });
        return;
      }
      options.onRequest?.(body);
      const fault = nextFault(body);
      if (fault !== undefined) {
        served++;
        if (fault === 'disconnect') {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.write(`event: response.created\ndata: ${JSON.stringify({ type: 'response.created', response: { id: newId('resp'), status: 'in_progress', output: [] } })}\n\n`);
          setTimeout(() => res.destroy(), 10);
        } else {
          sendJson(res, fault, { error: { message: `offline model: injected HTTP ${fault} (an offline-fault block in the prompt)`, type: fault >= 500 ? 'server_error' : 'invalid_request_error' } });
        }
        return;
      }
      const respond = (): void => {
        served++;
        const item = decide(body, newId);
        const response = {
          id: newId('resp'),
          object: 'response',
          created_at: Math.floor(Date.now() / 1000),
          status: 'completed',
          model: body.model ?? OFFLINE_MODEL_NAME,
          output: [item],
          usage: usageOf(body, item),
        };
        if (body.stream === true) sendStream(res, response, item);
        else sendJson(res, 200, response);
      };
      if (latencyMs > 0) setTimeout(respond, latencyMs);
      else respond();
    });
  });
  // Keep-alive sockets would hold close() open; the clients reconnect cheaply on loopback.
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    port,
    responses: () => served,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendStream(res: http.ServerResponse, response: Record<string, unknown> & { id: string }, item: OutputItem): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  let seq = 0;
  const send = (event: Record<string, unknown> & { type: string }): void => {
    res.write(`event: ${event.type}\ndata: ${JSON.stringify({ ...event, sequence_number: seq++ })}\n\n`);
  };
  send({ type: 'response.created', response: { ...response, status: 'in_progress', output: [] } });
  send({ type: 'response.output_item.added', output_index: 0, item: item.type === 'message' ? { ...item, status: 'in_progress', content: [] } : item });
  if (item.type === 'message') {
    const text = item.content[0]?.text ?? '';
    send({ type: 'response.output_text.delta', item_id: item.id, output_index: 0, content_index: 0, delta: text });
    send({ type: 'response.output_text.done', item_id: item.id, output_index: 0, content_index: 0, text });
  }
  send({ type: 'response.output_item.done', output_index: 0, item });
  send({ type: 'response.completed', response });
  res.end();
}

/** Deterministic token counts (about four characters a token) so usage figures are stable. */
function usageOf(request: ModelRequest, item: OutputItem): Record<string, unknown> {
  const input = Math.ceil(JSON.stringify(request.input ?? '').length / 4);
  const output = Math.ceil(JSON.stringify(item).length / 4);
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: input + output,
  };
}
