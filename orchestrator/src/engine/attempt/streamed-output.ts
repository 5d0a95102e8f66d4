import type { Redactor } from '../../store/secrets/redactor.js';
import type { StreamRedactor } from '../../store/secrets/stream.js';

/**
 * Codex streams some output in pieces, one message per piece: command output
 * (`exec_command_output_delta`, bytes as base64 in `chunk`) and text (`agent_message_content_delta`,
 * reasoning deltas: `delta`); `codex app-server` sends JSON-RPC notifications whose `params` carry
 * the piece (`item/commandExecution/outputDelta`, `item/agentMessage/delta`: `params.delta`). A secret can be cut between two pieces, so each stream is redacted
 * as one, across the messages that carry it: a piece's message is recorded with the text that is
 * final so far (the redactor holds back a short tail), and when the stream ends (its command or
 * item completes, or the turn does) the rest comes as one more message of the same shape. Joined,
 * a stream's pieces are its redacted output.
 */

type Json = Record<string, unknown>;

interface Piece {
  /** One stream: message type, command or item id, stdout/stderr or part index. */
  readonly key: string;
  /** The command (`call_id`) or item (`item_id`) whose completion ends the stream. */
  readonly owner: string;
  readonly field: 'chunk' | 'delta';
  /** How the piece is written: base64 or an array of byte values (command output), or plain text. */
  readonly encoding: 'base64' | 'byte-array' | 'text';
  /** Command output as latin1 (one character per byte, so the bytes survive exactly); text as it is. */
  readonly text: string;
  /** The message without the piece, and how to put a piece back into that shape. */
  readonly rest: Json;
  readonly put: (shape: Json, value: unknown) => Json;
}

interface OpenStream {
  readonly redactor: StreamRedactor;
  readonly field: Piece['field'];
  readonly encoding: Piece['encoding'];
  readonly owner: string;
  /** The last piece's message: the shape of the tail message. */
  last: Json;
  put: Piece['put'];
}

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/** `{method: "item/…/outputDelta", params: {itemId, delta}}` (codex app-server). */
function appServerPieceOf(raw: Json): Piece | undefined {
  const method = raw['method'];
  const params = raw['params'];
  if (typeof method !== 'string' || !/(\/d|D)elta$/.test(method) || !isObject(params) || typeof params['delta'] !== 'string') return undefined;
  const owner = String(params['itemId'] ?? '');
  const { delta, ...paramsRest } = params;
  return {
    key: `${method}\u0000${owner}`,
    owner,
    field: 'delta',
    encoding: 'text',
    text: delta as string,
    rest: { ...raw, params: paramsRest },
    put: (shape, value) => ({ ...shape, params: { ...(isObject(shape['params']) ? shape['params'] : {}), delta: value } }),
  };
}

const putTop =
  (field: Piece['field']) =>
  (shape: Json, value: unknown): Json => ({ ...shape, [field]: value });

function pieceOf(raw: unknown): Piece | undefined {
  if (isObject(raw) && 'method' in raw) return appServerPieceOf(raw);
  if (!isObject(raw) || typeof raw['type'] !== 'string' || !raw['type'].endsWith('_delta')) return undefined;
  const type = raw['type'];
  const owner = String(raw['call_id'] ?? raw['item_id'] ?? '');
  const part = String(raw['stream'] ?? raw['summary_index'] ?? raw['content_index'] ?? '');
  const key = `${type}\u0000${owner}\u0000${part}`;
  const { chunk, delta, ...rest } = raw;
  if (typeof chunk === 'string')
    return {
      key,
      owner,
      field: 'chunk',
      encoding: 'base64',
      text: Buffer.from(chunk, 'base64').toString('latin1'),
      rest: { ...rest, ...(delta === undefined ? {} : { delta }) },
      put: putTop('chunk'),
    };
  if (Array.isArray(chunk) && chunk.every((b) => typeof b === 'number')) {
    return {
      key,
      owner,
      field: 'chunk',
      encoding: 'byte-array',
      text: Buffer.from(chunk as number[]).toString('latin1'),
      rest: { ...rest, ...(delta === undefined ? {} : { delta }) },
      put: putTop('chunk'),
    };
  }
  if (typeof delta === 'string') return { key, owner, field: 'delta', encoding: 'text', text: delta, rest: { ...rest, ...(chunk === undefined ? {} : { chunk }) }, put: putTop('delta') };
  return undefined;
}

function encode(text: string, encoding: Piece['encoding']): unknown {
  switch (encoding) {
    case 'base64':
      return Buffer.from(text, 'latin1').toString('base64');
    case 'byte-array':
      return [...Buffer.from(text, 'latin1')];
    case 'text':
      return text;
  }
}

export class StreamedOutput {
  private readonly open = new Map<string, OpenStream>();

  constructor(private readonly redactor: Redactor) {}

  /**
   * When `raw` is a piece of a stream: the message to record instead (redacted, with the text
   * that is final so far). Undefined for every other message.
   */
  piece(raw: unknown): Json | undefined {
    const piece = pieceOf(raw);
    if (piece === undefined) return undefined;
    let stream = this.open.get(piece.key);
    if (!stream) {
      const redactor = piece.encoding === 'text' ? this.redactor : this.redactor.bytes();
      stream = { redactor: redactor.stream(), field: piece.field, encoding: piece.encoding, owner: piece.owner, last: {}, put: piece.put };
      this.open.set(piece.key, stream);
    }
    stream.last = this.redactor.json(piece.rest);
    return stream.put(stream.last, encode(stream.redactor.push(piece.text), piece.encoding));
  }

  /** The tails of the streams that `raw` ends (its command or item completed, or the turn ended). */
  endedBy(raw: unknown): Json[] {
    if (!isObject(raw) || this.open.size === 0) return [];
    if ('method' in raw) {
      const params = raw['params'];
      if (raw['method'] === 'turn/completed') return this.end(() => true);
      if (raw['method'] !== 'item/completed' || !isObject(params)) return [];
      const item = params['item'];
      const id = isObject(item) ? item['id'] : undefined;
      return typeof id === 'string' ? this.end((s) => s.owner === id) : [];
    }
    switch (raw['type']) {
      case 'exec_command_end':
        return this.end((s) => s.owner === String(raw['call_id'] ?? ''));
      case 'item_completed': {
        const item = raw['item'];
        const id = isObject(item) ? item['id'] : undefined;
        return typeof id === 'string' ? this.end((s) => s.owner === id) : [];
      }
      case 'task_complete':
      case 'turn_aborted':
        return this.end(() => true);
      default:
        return [];
    }
  }

  /** The tails of every stream still open (the log is closing). */
  endAll(): Json[] {
    return this.end(() => true);
  }

  private end(which: (s: OpenStream) => boolean): Json[] {
    const tails: Json[] = [];
    for (const [key, stream] of this.open) {
      if (!which(stream)) continue;
      this.open.delete(key);
      const rest = stream.redactor.end();
      if (rest !== '') tails.push(stream.put(stream.last, encode(rest, stream.encoding)));
    }
    return tails;
  }
}
