import { describe, expect, it } from 'vitest';
import { Redactor } from '../../../src/store/secrets/redactor.js';
import { collectSecrets } from '../../../src/store/secrets/sources.js';

// Made-up tokens in each format (none is real).
const TOKENS = {
  'openai-key': `sk-proj-${'Ab3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ6kM9nP2rS5uV8xY1aD4gG7jL0oR3'}_T9xQ`,
  'github-token': `ghp_${'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8'}`,
  'aws-access-key': 'AKIAIOSFODNN7EXAMPLE',
  'slack-token': 'xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx',
  'google-api-key': `AIza${'SyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q'}`,
  jwt: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c',
} as const;
const FINE_GRAINED = `github_pat_${'11ABCDEFG0123456789abc'}_${'x'.repeat(59)}`;
const PEM = `-----BEGIN RSA PRIVATE KEY-----\n${'MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n'.repeat(20)}-----END RSA PRIVATE KEY-----`;

const r = Redactor.from(collectSecrets({}));

function streamed(redactor: Redactor, text: string, at: number): string {
  const s = redactor.stream();
  return s.push(text.slice(0, at)) + s.push(text.slice(at)) + s.end();
}

describe('well-known token formats, with no settings', () => {
  for (const [name, token] of Object.entries(TOKENS)) {
    it(`redacts ${name}: raw, JSON-escaped, base64 at any offset and alignment, and split across stream chunks`, () => {
      expect(r.text(`key=${token} end`)).toBe(`key=[REDACTED:${name}] end`);
      expect(r.text(JSON.stringify({ prompt: `use "${token}"\n` }))).toBe(JSON.stringify({ prompt: `use "[REDACTED:${name}]"\n` }));
      for (const prefix of ['', ' ', '= ', 'token: ']) {
        const encoded = Buffer.from(`${prefix}${token}\n`).toString('base64');
        const out = r.text(`"chunk":"${encoded}"`);
        expect(out, prefix).not.toContain(encoded);
        expect(out).toMatch(/^"chunk":"\[REDACTED:[a-z-]+\]"$/);
        const urlSafe = encoded.replace(/\+/g, '-').replace(/\//g, '_');
        expect(r.text(urlSafe)).not.toContain(urlSafe.slice(4, -4));
      }
      const text = `before ${token} after`;
      for (let at = 1; at < text.length; at += 3) expect(streamed(r, text, at)).toBe(`before [REDACTED:${name}] after`);
      const encoded = `data: ${Buffer.from(`x=${token}`).toString('base64')} done`;
      for (let at = 7; at < encoded.length - 5; at += 5) expect(streamed(r, encoded, at)).not.toContain(encoded.slice(10, 30));
    });
  }

  it('redacts fine-grained GitHub tokens, bearer credentials and private key blocks (raw and as JSON)', () => {
    expect(r.text(`t ${FINE_GRAINED} t`)).toBe('t [REDACTED:github-token] t');
    expect(r.text('curl -H "Authorization: Bearer abcdef0123456789ABCDEF.xyz" x')).toBe('curl -H "Authorization: [REDACTED:bearer-token]" x'.replace('[REDACTED', 'Bearer [REDACTED'));
    expect(r.text(`a\n${PEM}\nb`)).toBe('a\n[REDACTED:private-key]\nb');
    expect(r.text(JSON.stringify({ key: PEM }))).toBe(JSON.stringify({ key: '[REDACTED:private-key]' }));
    expect(r.text(`a ${PEM.slice(0, 300)}`)).toBe('a [REDACTED:private-key]');
    expect(streamed(r, `x ${PEM} y`, 1000)).toBe('x [REDACTED:private-key] y');
  });

  it('leaves ordinary text alone: git shas, uuids, paths, words, short prefixes', () => {
    const text = [
      'commit 3f8a1c2e9b7d4f6a0c5e8b1d2f4a6c8e0b2d4f6a',
      'id 123e4567-e89b-12d3-a456-426614174000',
      '/work/src/orchestrator/store/secrets/redactor.ts',
      'ask-proj-nothing sk-short ghp_short AKIA123 the disk is full',
      'sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      'bearer of news, Bearer short',
      'eyJhbGciOiJIUzI1NiJ9 alone',
    ].join('\n');
    expect(r.text(text)).toBe(text);
  });

  it('finds graph patterns inside base64 too', () => {
    const withPattern = Redactor.from(collectSecrets({}, { patterns: ['corp-[0-9]{10}'] }));
    const encoded = Buffer.from('the id is corp-0123456789 ok').toString('base64');
    expect(withPattern.text(`x ${encoded} y`)).toBe('x [REDACTED:secrets#1] y');
    expect(Redactor.none.text(TOKENS['openai-key'])).toBe(TOKENS['openai-key']);
  });
});
