import type { Random } from './battery.js';

/** Ids chosen to escape a folder, confuse a shell or a terminal, or collide (R9, and R7's graphs). */
export const HOSTILE_IDS: readonly string[] = [
  '',
  '.',
  '..',
  '...',
  '/',
  '\\',
  '../x',
  'a/../../b',
  'a/b',
  './a',
  '/etc/passwd',
  '/tmp',
  'C:\\Windows',
  'C:',
  'c:x',
  '\\\\server\\share',
  'a\\..\\..\\b',
  '..\\x',
  '\0',
  'a\0b',
  'a\0/../../b',
  '%2e%2e',
  '%2e%2e%2fx',
  '..%2f..%2fx',
  '\u2024\u2024',
  '\u2025',
  '\uFF0E\uFF0E',
  '\uFF0E\uFF0E\uFF0Fx',
  '\u3002\u3002',
  'a\u2215b',
  'x'.repeat(65),
  'x'.repeat(4096),
  '.'.repeat(300),
  '~',
  '~root',
  '$HOME',
  '`id`',
  '$(id)',
  '-rf',
  '--help',
  'a\nb',
  'a\r',
  '\u001b[2J',
  ' a',
  'a ',
  '.git',
  '.hidden',
  'a.',
  'a.lock',
  'a..b',
  'a@{1}',
  'a:b',
  'a*b',
  'a?b',
  'a[1]',
  '\u202Eexe.txt',
  'a\u200Bb',
  'é',
  'latest',
  // Two accepted ids whose folders could meet: a task's later attempt and a task named like one.
  'retry',
  'retry.2',
  'retry@2',
  // A valid run id, then ones that look like one.
  '2026-11-21T10-04-05Z-7f3a',
  '2026-11-21T10-04-05Z-7f3a/..',
  '../2026-11-21T10-04-05Z-7f3a',
  '2026-11-21T10-04-05Z-7f3a\n',
  '2026-11-21T10-04-05Z-7F3A',
];

/** Pieces fuzzed ids are made of: path syntax in its many spellings, and ordinary id characters. */
const PIECES = [
  '.',
  '..',
  '/',
  '\\',
  '%2e',
  '%2f',
  '%5c',
  '\0',
  '\n',
  ' ',
  '~',
  ':',
  '@',
  '{',
  '*',
  '$',
  '-',
  '_',
  '\u2024',
  '\uFF0E',
  '\uFF0F',
  '\u3002',
  '\u2215',
  '\u202E',
  '\u200B',
  'é',
  'a',
  'Z',
  '0',
  '7',
  'task',
  'lock',
];
const ID_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-';

/** A random id: mostly made of hostile pieces, sometimes a plausible id with one piece in it. */
export function fuzzTaskId(rng: Random): string {
  const kind = rng.int(0, 3);
  if (kind === 0) return Array.from({ length: rng.int(1, 12) }, () => rng.pick(PIECES)).join('');
  if (kind === 1) {
    const id = Array.from({ length: rng.int(1, 70) }, () => rng.pick([...ID_CHARS])).join('');
    return rng.chance(0.5) ? id : insert(rng, id, rng.pick(PIECES));
  }
  if (kind === 2) return rng.pick(PIECES).repeat(rng.int(1, 200));
  return insert(rng, rng.pick(HOSTILE_IDS), rng.pick(PIECES));
}

const RUN_ID = '2026-11-21T10-04-05Z-7f3a';

/** A random run id: a real one with a piece inserted, replaced or appended, or a fuzzed task id. */
export function fuzzRunId(rng: Random): string {
  const kind = rng.int(0, 3);
  if (kind === 0) return insert(rng, RUN_ID, rng.pick(PIECES));
  if (kind === 1) {
    const at = rng.int(0, RUN_ID.length - 1);
    return RUN_ID.slice(0, at) + rng.pick(PIECES) + RUN_ID.slice(at + 1);
  }
  if (kind === 2) return rng.chance(0.5) ? `${RUN_ID}${rng.pick(PIECES)}${rng.pick(PIECES)}` : `${rng.pick(PIECES)}${rng.pick(PIECES)}${RUN_ID}`;
  return fuzzTaskId(rng);
}

function insert(rng: Random, text: string, piece: string): string {
  const at = rng.int(0, text.length);
  return text.slice(0, at) + piece + text.slice(at);
}
