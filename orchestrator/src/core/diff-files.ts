/** The files a unified diff changes (`diff --git a/X b/Y` names Y, so a rename its new name; a deletion, X). */
export function filesOfDiff(diff: string): string[] {
  const files = new Set<string>();
  for (const m of diff.matchAll(/^diff --git a\/(.+?) b\/(.+)$/gm)) files.add(m[2] as string);
  if (files.size === 0) {
    for (const m of diff.matchAll(/^\+\+\+ (?:b\/)?(.+)$/gm)) if (m[1] !== '/dev/null') files.add(m[1] as string);
  }
  return [...files].sort();
}
