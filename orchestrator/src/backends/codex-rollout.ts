import { open, readdir } from 'node:fs/promises';
import path from 'node:path';
import { ZERO_USAGE, type TokenUsage } from '../core/events.js';
import { fromMcpEvent } from './codex-events.js';

/**
 * Token usage during a `codex exec` turn. `codex exec --json` reports usage only when the turn
 * ends (`turn.completed`), but Codex writes the thread's rollout file
 * (`$CODEX_HOME/sessions/…/rollout-…-<thread id>.jsonl`) as it goes, with a `token_count` event
 * (the same message `codex mcp-server` sends) after each model response. Following that file gives
 * the turn's usage at every agent step. A Codex that writes no such file, or lines of another shape,
 * only leaves the figure at the turn's end, as before.
 */

/** How often the rollout file is read for new lines. */
const FOLLOW_INTERVAL_MS = 250;

export interface RolloutFollower {
  /** The turn's thread, once `codex exec` has named it (a new thread). */
  thread(threadId: string): void;
  /** Stops following; idempotent. */
  stop(): void;
}

/**
 * Follows the rollout file of the turn's thread and calls `onUsage` with the turn's usage so far
 * (the thread's cumulative count less what it was when the turn started) each time it grows.
 * `threadId`: the thread a follow-up continues (its file exists already), else undefined.
 */
export function followRolloutUsage(codexHome: string, threadId: string | undefined, onUsage: (turn: TokenUsage) => void): RolloutFollower {
  let stopped = false;
  let thread = threadId;
  let file: string | undefined;
  let offset = 0;
  let partial = '';
  // A follow-up's file already holds the thread's earlier turns: their count is the base.
  let base: TokenUsage | undefined = threadId === undefined ? ZERO_USAGE : undefined;
  let reported = 0;
  let busy = false;

  const read = async (): Promise<void> => {
    if (thread === undefined) return;
    file ??= await findRollout(path.join(codexHome, 'sessions'), thread);
    if (file === undefined) return;
    const handle = await open(file, 'r');
    try {
      const { size } = await handle.stat();
      if (size <= offset) return;
      const buffer = Buffer.alloc(size - offset);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
      offset += bytesRead;
      const lines = (partial + buffer.subarray(0, bytesRead).toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      let latest: TokenUsage | undefined;
      for (const line of lines) latest = cumulativeUsage(line) ?? latest;
      if (base === undefined) {
        // The first read of a follow-up's file: what is there is from before this turn.
        base = latest ?? ZERO_USAGE;
        return;
      }
      if (latest === undefined) return;
      const turn = minus(latest, base);
      // Stopped meanwhile (the turn ended): exec's own figure is the last word.
      if (turn.total > reported && !stopped) {
        reported = turn.total;
        onUsage(turn);
      }
    } finally {
      await handle.close();
    }
  };
  const tick = (): void => {
    if (busy || stopped) return;
    busy = true;
    read()
      .catch(() => undefined)
      .finally(() => (busy = false));
  };
  // A follow-up's base is read at once, before the turn has written much.
  if (threadId !== undefined) tick();
  const timer = setInterval(tick, FOLLOW_INTERVAL_MS);
  timer.unref();
  return {
    thread(id) {
      thread ??= id;
    },
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}

/** The thread's cumulative usage a rollout line reports, if it is a `token_count` event. */
function cumulativeUsage(line: string): TokenUsage | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null || (raw as { type?: unknown }).type !== 'event_msg') return undefined;
  const event = fromMcpEvent((raw as { payload?: unknown }).payload);
  return event?.type === 'usage' ? event.usage : undefined;
}

function minus(now: TokenUsage, base: TokenUsage): TokenUsage {
  const d = (k: keyof TokenUsage): number => Math.max(0, now[k] - base[k]);
  return { input: d('input'), cachedInput: d('cachedInput'), output: d('output'), reasoning: d('reasoning'), total: d('total') };
}

/** `sessions/<yyyy>/<mm>/<dd>/rollout-<time>-<thread id>.jsonl`, searched newest day first. */
async function findRollout(sessions: string, threadId: string): Promise<string | undefined> {
  const suffix = `-${threadId}.jsonl`;
  const walk = async (dir: string, depth: number): Promise<string | undefined> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries.sort((a, b) => b.name.localeCompare(a.name))) {
      const full = path.join(dir, e.name);
      if (e.isFile() && e.name.startsWith('rollout-') && e.name.endsWith(suffix)) return full;
      if (e.isDirectory() && depth < 3) {
        const found = await walk(full, depth + 1);
        if (found) return found;
      }
    }
    return undefined;
  };
  return walk(sessions, 0);
}
