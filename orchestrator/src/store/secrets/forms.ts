/**
 * The written forms of a secret value that the redactor looks for: the value itself, its base64
 * encodings, and, when it holds a quote, backslash or control character, the value as it reads
 * inside a JSON string that is itself text (a tool call's `arguments`). Inside a longer base64
 * text the secret's bytes may start at any offset, and base64 groups bytes by three, so there are
 * three encodings (offset mod 3 = 0, 1, 2); each is cut to the characters that depend on the
 * secret alone. The URL-safe alphabet (`-_` for `+/`) is covered too.
 */

/** Every form of `value` worth redacting, longest first, without duplicates. */
export function secretForms(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const forms = new Set<string>([value, JSON.stringify(value).slice(1, -1)]);
  for (const shift of [0, 1, 2]) {
    const fragment = base64Fragment(bytes, shift);
    if (fragment.length === 0) continue;
    forms.add(fragment);
    forms.add(fragment.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return [...forms].sort((a, b) => b.length - a.length);
}

/**
 * The base64 characters that encode only `bytes` when they follow `shift` other bytes. Character
 * i of an encoding covers bits [6i, 6i+6); the secret covers bits [8·shift, 8·(shift+n)).
 */
export function base64Fragment(bytes: Buffer, shift: number): string {
  const encoded = Buffer.concat([Buffer.alloc(shift), bytes])
    .toString('base64')
    .replace(/=+$/, '');
  const first = Math.ceil((8 * shift) / 6);
  const end = Math.floor((8 * (shift + bytes.length)) / 6);
  return end > first ? encoded.slice(first, end) : '';
}
