/** How the assessment writes numbers and lists in its reasons and its report. */

export const n = (x: number): string => x.toLocaleString('en-US');

/** `1 file`, `2 files`, `1,200 source lines`. */
export const count = (x: number, one: string, many = `${one}s`): string => `${n(x)} ${x === 1 ? one : many}`;

export const list = (xs: readonly string[]): string => (xs.length === 0 ? 'none' : xs.join(', '));
