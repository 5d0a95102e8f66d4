/**
 * What a data change (`RunWriter.update`, `updateTask`) changed, as the fields of a `*-data`
 * event: the fields of `after` that differ from `before` (set, or unset), among those
 * `compared`, by value; one outside `allowed` (a field only events change) is a bug.
 */
export function diffFields(before: object, after: object, compared: (key: string) => boolean, allowed: readonly string[], what: string): { data: Record<string, unknown>; unset: string[] } {
  const b = before as Record<string, unknown>;
  const a = after as Record<string, unknown>;
  const data: Record<string, unknown> = {};
  const unset: string[] = [];
  for (const key of new Set([...Object.keys(b), ...Object.keys(a)])) {
    if (!compared(key) || JSON.stringify(b[key]) === JSON.stringify(a[key])) continue;
    if (!allowed.includes(key)) throw new Error(`Internal error: ${what}: ${key} changes only through its events`);
    if (a[key] === undefined) unset.push(key);
    else data[key] = a[key];
  }
  return { data, unset };
}
