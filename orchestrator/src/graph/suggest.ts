/**
 * "Did you mean …?" suggestions for misspelt keys, enum values and task ids.
 */

/**
 * Edit distance counting insertions, deletions, substitutions and swaps of neighbours, so that
 * the most common typo (two letters swapped, `tiemout`) costs 1 rather than 2. Stops early once
 * the distance must exceed `limit` and then returns `limit + 1`: suggestions only care about small
 * distances, and a graph with thousands of ids asks for millions of them.
 */
export function editDistance(a: string, b: string, limit = Infinity): number {
  if (Math.abs(a.length - b.length) > limit || bagDistance(a, b) > limit) return limit + 1;
  // Three rows (two back, for swaps), reused between calls.
  if (rows[0].length <= b.length) rows = [0, 1, 2].map(() => new Int32Array(b.length + 1)) as typeof rows;
  let [before, previous, row] = rows;
  for (let j = 0; j <= b.length; j++) previous[j] = j;
  for (let i = 1; i <= a.length; i++) {
    row[0] = i;
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, before[j - 2]! + 1);
      row[j] = d;
      if (d < best) best = d;
    }
    // No later row holds a smaller value than this row's smallest: the distance is past the limit.
    if (best > limit) return limit + 1;
    [before, previous, row] = [previous, row, before];
  }
  return Math.min(previous[b.length]!, limit + 1);
}

let rows: [Int32Array, Int32Array, Int32Array] = [new Int32Array(0), new Int32Array(0), new Int32Array(0)];
const tally = new Int32Array(128);

/**
 * A lower bound of the edit distance that costs one pass: how many characters one string has
 * that the other lacks (no edit, swaps included, changes that by more than one). 0 (no bound)
 * when either string is not ASCII.
 */
function bagDistance(a: string, b: string): number {
  for (let i = 0; i < a.length; i++) {
    const c = a.charCodeAt(i);
    if (c >= 128) return clearTally(a, i);
    tally[c]!++;
  }
  for (let i = 0; i < b.length; i++) {
    const c = b.charCodeAt(i);
    if (c >= 128) {
      clearTally(b, i);
      return clearTally(a, a.length);
    }
    tally[c]!--;
  }
  let extra = 0;
  let missing = 0;
  for (let i = 0; i < a.length; i++) {
    const c = a.charCodeAt(i);
    if (tally[c]! > 0) extra += tally[c]!;
    tally[c] = 0;
  }
  for (let i = 0; i < b.length; i++) {
    const c = b.charCodeAt(i);
    if (tally[c]! < 0) missing -= tally[c]!;
    tally[c] = 0;
  }
  return Math.max(extra, missing);
}

/** Resets the tally entries of `text`'s first `n` characters; returns 0. */
function clearTally(text: string, n: number): number {
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 128) tally[c] = 0;
  }
  return 0;
}

/** Longer words get no suggestion: typos worth pointing out are in names, and names are short. */
const MAX_SUGGESTED_LENGTH = 100;

/**
 * The candidate closest to `word`, or undefined when none is close enough to be a plausible typo.
 * The allowance grows with the word's length so that short words do not match everything.
 * Ties go to the earlier candidate, so callers control the preference by the order they pass.
 */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  if (word.length > MAX_SUGGESTED_LENGTH) return undefined;
  const allowed = Math.max(1, Math.floor(word.length / 3));
  const lower = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    if (candidate === word || candidate.length > MAX_SUGGESTED_LENGTH) continue;
    const d = editDistance(lower, candidate.toLowerCase(), Math.min(allowed, bestDistance - 1));
    if (d <= allowed && d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}
