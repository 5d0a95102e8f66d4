import { describe, expect, it } from 'vitest';
import { base64Fragment, secretForms } from '../../../src/store/secrets/forms.js';
import { PATTERN_WINDOW, Redactor } from '../../../src/store/secrets/redactor.js';
import { collectSecrets } from '../../../src/store/secrets/sources.js';

const KEY = 'sk-test-4f9a8b7c6d5e';
const TOKEN = 'ghp_tok3n-value/with+odd=chars';

function redactor(env: NodeJS.ProcessEnv = { OPENAI_API_KEY: KEY, GITHUB_TOKEN: TOKEN }, patterns: string[] = []): Redactor {
  return Redactor.from(collectSecrets(env, { patterns }));
}

/** `text` base64-encoded after `shift` bytes of padding, as a larger encoded blob would hold it. */
function b64(text: string, shift = 0, url = false): string {
  const encoded = Buffer.from('#'.repeat(shift) + text + '!!', 'utf8').toString(url ? 'base64url' : 'base64');
  return encoded;
}

describe('which secrets a run has', () => {
  it('takes OPENAI_API_KEY, secret-looking names and named variables, and skips short or ordinary values', () => {
    const sources = collectSecrets(
      {
        OPENAI_API_KEY: KEY,
        AWS_SECRET_ACCESS_KEY: 'aws-secret-value',
        DB_PASSWORD: 'hunter2!', // exactly 8: kept
        MY_TOKEN_FILE: 'short', // too short
        npm_config_authtoken: 'npm-token-value',
        SERVICE_CREDENTIALS: 'cred-value-123',
        DEPLOY_KEY: 'deploy-key-value',
        KEYBOARD: 'not-a-secret-name',
        HOME: '/home/someone/dir',
        DATABASE_URL: 'postgres://u:p@db/x',
        DUPLICATE_TOKEN: KEY,
      },
      { envNames: ['DATABASE_URL'] },
    );
    expect(sources.values).toEqual([
      { name: 'OPENAI_API_KEY', value: KEY },
      { name: 'AWS_SECRET_ACCESS_KEY', value: 'aws-secret-value' },
      { name: 'DATABASE_URL', value: 'postgres://u:p@db/x' },
      { name: 'DB_PASSWORD', value: 'hunter2!' },
      { name: 'DEPLOY_KEY', value: 'deploy-key-value' },
      { name: 'SERVICE_CREDENTIALS', value: 'cred-value-123' },
      { name: 'npm_config_authtoken', value: 'npm-token-value' },
    ]);
  });

  it('names patterns by their place in settings.secrets', () => {
    expect(collectSecrets({}, { patterns: ['a+b', 'c{3}'] }).patterns.map((p) => [p.name, p.regex.source])).toEqual([
      ['secrets#1', 'a+b'],
      ['secrets#2', 'c{3}'],
    ]);
  });
});

describe('base64 forms', () => {
  it('covers the three byte alignments with the characters that depend on the secret alone', () => {
    const bytes = Buffer.from(KEY);
    for (const shift of [0, 1, 2]) {
      const fragment = base64Fragment(bytes, shift);
      for (const prefix of ['', 'a', 'ab', 'abc', 'xyzw']) {
        if (prefix.length % 3 !== shift) continue;
        for (const suffix of ['', '.', '..', '...']) {
          expect(Buffer.from(prefix + KEY + suffix).toString('base64')).toContain(fragment);
        }
      }
      // 20 bytes give 26 or 27 characters that no neighbour can change.
      expect(fragment.length).toBeGreaterThanOrEqual(25);
    }
  });

  it('lists the raw value, three standard and URL-safe encodings, longest first', () => {
    const value = '~~~~~~~~~ secret ?';
    const forms = secretForms(value);
    const standard = [0, 1, 2].map((shift) => base64Fragment(Buffer.from(value), shift));
    const urlSafe = standard.map((f) => f.replace(/\+/g, '-').replace(/\//g, '_'));
    expect(standard.some((f) => /[+/]/.test(f))).toBe(true);
    expect(new Set(forms)).toEqual(new Set([value, ...standard, ...urlSafe]));
    expect([...forms].sort((a, b) => b.length - a.length)).toEqual(forms);
  });
});

describe('redacting text', () => {
  it('replaces a raw value with its name', () => {
    expect(redactor().text(`key=${KEY} and token ${TOKEN}.`)).toBe('key=[REDACTED:OPENAI_API_KEY] and token [REDACTED:GITHUB_TOKEN].');
  });

  it('finds base64 encodings at every alignment, standard and URL-safe', () => {
    const r = redactor();
    for (const secret of [KEY, TOKEN]) {
      for (const shift of [0, 1, 2, 3, 4, 5]) {
        for (const url of [false, true]) {
          const encoded = b64(secret, shift, url);
          const out = r.text(`blob: ${encoded} end`);
          expect(out).toMatch(/\[REDACTED:(OPENAI_API_KEY|GITHUB_TOKEN)\]/);
          expect(out).not.toContain(base64Fragment(Buffer.from(secret), (shift % 3) as 0 | 1 | 2));
        }
      }
    }
  });

  it('finds a value with quotes or backslashes inside JSON text too', () => {
    const r = redactor({ DB_PASSWORD: 'pa"ss\\word!' });
    const args = JSON.stringify({ cmd: "login --password 'pa\"ss\\word!'" });
    expect(r.text(args)).toBe('{"cmd":"login --password \'[REDACTED:DB_PASSWORD]\'"}');
  });

  it('leaves text without secrets as it is, and short values alone', () => {
    const r = redactor({ OPENAI_API_KEY: KEY, SHORT_TOKEN: 'abc123', API_KEY: 'x' });
    const text = 'abc123 appears here, x too, and nothing is redacted';
    expect(r.text(text)).toBe(text);
    // No value to look for: only the built-in token formats remain.
    expect(Redactor.from(collectSecrets({ SHORT_TOKEN: 'abc123' }))).toBe(Redactor.builtin);
  });

  it('redacts graph patterns, merging a pattern match that overlaps a known value', () => {
    const r = redactor({ OPENAI_API_KEY: KEY }, ['ghp_[A-Za-z0-9]{8,}', 'id-\\d{6}']);
    expect(r.text('a ghp_abcdefgh1234 b id-123456 c id-12 d')).toBe('a [REDACTED:secrets#1] b [REDACTED:secrets#2] c id-12 d');
    expect(r.text(`x${KEY.slice(0, 5)}ghp_aaaaaaaa${KEY}`)).toBe(`x${KEY.slice(0, 5)}[REDACTED:secrets#1]`);
    const overlap = Redactor.from(collectSecrets({ OPENAI_API_KEY: 'abcdefgh-12345678' }, { patterns: ['12345678-[a-z]+'] }));
    expect(overlap.text('<abcdefgh-12345678-tail>')).toBe('<[REDACTED:OPENAI_API_KEY]>');
  });

  it('redacts every string and key of a JSON value, and returns other values as they are', () => {
    const r = redactor();
    const value = { a: [KEY, 1, null, true], [`k-${TOKEN}`]: { nested: `x${KEY}x` }, n: 3 };
    expect(r.json(value)).toEqual({
      a: ['[REDACTED:OPENAI_API_KEY]', 1, null, true],
      'k-[REDACTED:GITHUB_TOKEN]': { nested: 'x[REDACTED:OPENAI_API_KEY]x' },
      n: 3,
    });
    expect(Redactor.none.json(value)).toBe(value);
  });
});

describe('redacting a stream', () => {
  const r = redactor({ OPENAI_API_KEY: KEY, GITHUB_TOKEN: TOKEN }, ['tok-[0-9a-f]{12}']);
  const text = `start ${KEY} middle ${b64(TOKEN, 1)} then tok-0123456789ab and ${TOKEN}${KEY} end ${'.'.repeat(600)} tail ${KEY}`;
  const whole = r.text(text);

  it('gives the same result as the whole text, for a split at every position', () => {
    for (let i = 0; i <= text.length; i++) {
      const s = r.stream();
      expect(s.push(text.slice(0, i)) + s.push(text.slice(i)) + s.end(), `split at ${i}`).toBe(whole);
    }
  });

  it('gives the same result for one character at a time and for random chunk sizes', () => {
    const one = r.stream();
    let out = '';
    for (const c of text) out += one.push(c);
    expect(out + one.end()).toBe(whole);
    let seed = 7;
    for (let round = 0; round < 50; round++) {
      const s = r.stream();
      let acc = '';
      for (let at = 0; at < text.length; ) {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        const n = 1 + (seed % 97);
        acc += s.push(text.slice(at, at + n));
        at += n;
      }
      expect(acc + s.end()).toBe(whole);
    }
  });

  it('holds back the longest secret form less one, or the pattern window when it is longer', () => {
    const s = redactor({ OPENAI_API_KEY: KEY }).stream();
    const released = s.push('x '.repeat(5000));
    expect(released.length + s.pending).toBe(10_000);
    expect(s.pending).toBe(Math.max(Math.max(...secretForms(KEY).map((f) => f.length)) - 1, PATTERN_WINDOW));
  });

  it('keeps bytes exact in bytes mode, with a non-ASCII secret cut inside a UTF-8 character', () => {
    const secret = 'pässwörd-ünïcode';
    const bytes = redactor({ DB_PASSWORD: secret }).bytes();
    const raw = Buffer.concat([Buffer.from([0xff, 0x00, 0xc3]), Buffer.from(`ok ${secret} ok ü`)]);
    const latin1 = raw.toString('latin1');
    const cutInside = latin1.indexOf(Buffer.from('ä').toString('latin1')) + 1;
    const s = bytes.stream();
    const out = s.push(latin1.slice(0, cutInside)) + s.push(latin1.slice(cutInside)) + s.end();
    expect(Buffer.from(out, 'latin1')).toEqual(Buffer.concat([Buffer.from([0xff, 0x00, 0xc3]), Buffer.from('ok [REDACTED:DB_PASSWORD] ok ü')]));
  });
});

describe('cost', () => {
  it('redacts a few megabytes quickly, whole and streamed', () => {
    const r = redactor({ OPENAI_API_KEY: KEY, GITHUB_TOKEN: TOKEN, DB_PASSWORD: 'correct-horse-battery' }, ['tok-[0-9a-f]{32}']);
    const line = 'npm test output: PASS src/some/file.test.ts (12 tests) 0.4s; nothing secret here at all\n';
    const text = line.repeat(Math.ceil((4 * 2 ** 20) / line.length)) + KEY;
    const literalOnly = redactor({ OPENAI_API_KEY: KEY, GITHUB_TOKEN: TOKEN, DB_PASSWORD: 'correct-horse-battery' });
    const time = (f: () => string): number => {
      const t0 = performance.now();
      expect(f().endsWith('[REDACTED:OPENAI_API_KEY]')).toBe(true);
      return performance.now() - t0;
    };
    const mb = text.length / 2 ** 20;
    const literalMs = time(() => literalOnly.text(text));
    const wholeMs = time(() => r.text(text));
    const streamMs = time(() => {
      const s = r.stream();
      let out = '';
      for (let i = 0; i < text.length; i += 4096) out += s.push(text.slice(i, i + 4096));
      return out + s.end();
    });
    console.log(`redaction cost on ${mb.toFixed(1)} MB: known values ${literalMs.toFixed(0)} ms, with a pattern ${wholeMs.toFixed(0)} ms, streamed in 4 KB chunks ${streamMs.toFixed(0)} ms`);
    // Generous bounds (the machine is shared): about 10 MB/s at the very least.
    expect(literalMs).toBeLessThan(400);
    expect(streamMs).toBeLessThan(800);
  });
});
