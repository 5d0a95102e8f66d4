import type { SecretPattern } from './sources.js';

/**
 * Token formats that are secret wherever they appear, with no setting: a run redacts them out of
 * the box, in every file it writes and in what it prints. Each is anchored on the format's own
 * prefix and length, so ordinary text (a git sha, a uuid, a path) is left alone. `name` is what
 * the redaction says instead (`[REDACTED:<name>]`).
 */

/** Not preceded by a character a token is made of: `xsk-…` is not an OpenAI key. */
const START = '(?<![A-Za-z0-9_-])';

export const BUILTIN_DETECTORS: readonly SecretPattern[] = [
  // OpenAI: project, service-account and admin keys (`sk-proj-…`), and the older `sk-…`.
  { name: 'openai-key', regex: new RegExp(`${START}sk-(?:(?:proj|svcacct|admin)-[A-Za-z0-9_-]{20,}|[A-Za-z0-9]{32,})`, 'g') },
  // GitHub classic tokens (personal, OAuth, user-to-server, server-to-server, refresh) and fine-grained ones.
  { name: 'github-token', regex: new RegExp(`${START}(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})`, 'g') },
  // AWS access key ids (long-lived and temporary).
  { name: 'aws-access-key', regex: new RegExp(`${START}(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Za-z0-9])`, 'g') },
  // Slack bot, user, app-level and other tokens.
  { name: 'slack-token', regex: new RegExp(`${START}(?:xox[abposr]-[A-Za-z0-9-]{10,}|xapp-\\d-[A-Za-z0-9-]{10,})`, 'g') },
  // Google API keys.
  { name: 'google-api-key', regex: new RegExp(`${START}AIza[0-9A-Za-z_-]{35}`, 'g') },
  // PEM private keys, whole; one whose end is missing (cut off) is redacted as far as its body goes.
  // A body may read as JSON (`\n` escapes).
  {
    name: 'private-key',
    regex: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----(?:[\s\S]*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----|[A-Za-z0-9+/=\s\\:,-]*)/g,
  },
  // JSON Web Tokens: header and payload are base64url JSON objects (`eyJ`), then the signature.
  { name: 'jwt', regex: new RegExp(`${START}eyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{10,}`, 'g') },
  // Bearer credentials in an Authorization header or a command line: the credential (the
  // `secret` group, which ends the match), not the word. A lookbehind here cost 4× the time.
  { name: 'bearer-token', regex: /\b[Bb]earer\s+(?<secret>[A-Za-z0-9._~+/-]{16,}=*)/g },
];

/** Base64 text long enough to carry a token (an AWS key id, the shortest, takes 27 characters). */
const MIN_BASE64_RUN = 24;

/** The base64 alphabet, URL-safe `-_` included, by character code. */
const BASE64_CHAR = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/_-') BASE64_CHAR[c.charCodeAt(0)] = 1;

/**
 * Every maximal run of base64 characters (with up to two `=` after it) long enough to carry a
 * token: such a run is decoded and looked into. A scan by hand, once over the text: the regex
 * `[A-Za-z0-9+/_-]{24,}` tried again from every character of every shorter word (~30 ms per MB).
 */
export function* base64Runs(text: string): Generator<{ readonly start: number; readonly end: number }> {
  let start = -1;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 0;
    if (c < 128 && BASE64_CHAR[c] === 1) {
      if (start < 0) start = i;
      continue;
    }
    if (start >= 0 && i - start >= MIN_BASE64_RUN) {
      let end = i;
      while (end < text.length && end - i < 2 && text.charCodeAt(end) === 61 /* = */) end++;
      yield { start, end };
      i = end - 1;
    }
    start = -1;
  }
}

/**
 * The text `run` encodes, when read from each of its first four characters (a run cut out of a
 * longer encoding may start anywhere in a group of four), as latin1: one character per byte.
 */
export function decodedRun(run: string): string[] {
  const decoded: string[] = [];
  for (let skip = 0; skip < 4 && run.length - skip >= 24; skip++) {
    const body = run.slice(skip).replace(/=+$/, '');
    decoded.push(Buffer.from(body.slice(0, body.length - (body.length % 4 === 1 ? 1 : 0)), 'base64').toString('latin1'));
  }
  return decoded;
}
