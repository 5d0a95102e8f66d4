import { expect, it } from 'vitest';
import { quoteId } from '../../src/core/ids.js';

it('quoteId quotes ids with escapes and shortens long ones', () => {
  expect(quoteId('add-shout')).toBe('"add-shout"');
  expect(quoteId('a'.repeat(65))).toBe(`"${'a'.repeat(65)}"`);
  // Nothing reaches a terminal raw: newlines, NUL and escape sequences are escaped.
  expect(quoteId('a\nb\u0000\u001b[2J')).toBe('"a\\nb\\u0000\\u001b[2J"');
  expect(quoteId('x'.repeat(4096))).toBe(`"${'x'.repeat(48)}"… (4096 characters)`);
  // Shortened by what is shown, not by characters: 200 NULs would show as 1,200.
  expect(quoteId('\u0000'.repeat(200))).toBe(`"${'\\u0000'.repeat(8)}"… (200 characters)`);
  // Never half a character.
  expect(quoteId('😀'.repeat(80))).toBe(`"${'😀'.repeat(24)}"… (160 characters)`);
});
