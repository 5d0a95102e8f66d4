import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SRC = path.join(ROOT, 'orchestrator/src');
const DIST = path.join(ROOT, 'dist/orchestrator/src');

const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => path.join(e.parentPath, e.name));

/** The modules a source file imports (statically: `import … from`, `export … from`), resolved to src paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^(?:import|export)\s[^;]*?from\s+'([^']+)'/gms)]
    .map((m) => m[1] as string)
    .filter((s) => s.startsWith('.'))
    .map((s) => path.resolve(path.dirname(file), s));
}

const inFolder = (file: string, folder: string): boolean => file.startsWith(path.join(SRC, folder) + path.sep);
const rel = (file: string): string => path.relative(SRC, file);

describe('layering of views/ and control/', () => {
  it('views/ imports neither the engine nor cli/; control/ never imports cli/', () => {
    const offences: string[] = [];
    for (const file of filesUnder(path.join(SRC, 'views'))) {
      for (const dep of importsOf(file)) if (inFolder(dep, 'engine') || inFolder(dep, 'cli')) offences.push(`${rel(file)} → ${rel(dep)}`);
    }
    for (const file of filesUnder(path.join(SRC, 'control'))) {
      for (const dep of importsOf(file)) if (inFolder(dep, 'cli')) offences.push(`${rel(file)} → ${rel(dep)}`);
    }
    expect(offences).toEqual([]);
  });

  it('cli/ and control/ reach the engine only through engine/index.ts', () => {
    const offences: string[] = [];
    for (const file of [...filesUnder(path.join(SRC, 'cli')), ...filesUnder(path.join(SRC, 'control'))]) {
      for (const dep of importsOf(file)) if (inFolder(dep, 'engine') && rel(dep) !== 'engine/index.js') offences.push(`${rel(file)} → ${rel(dep)}`);
    }
    expect(offences).toEqual([]);
  });

  // `poll` of a 1,000-task run stays fast because its path never loads zod (npm run bench:cli).
  it('the built poll command loads no zod (the schemas are imported as types only)', () => {
    const entry = path.join(DIST, 'cli/commands/poll.js');
    expect(existsSync(entry), 'build first: npm run build').toBe(true);
    const seen = new Set<string>();
    const bare = new Set<string>();
    const walk = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/^(?:import|export)\s[^;]*?from\s+'([^']+)'|^import\s+'([^']+)'/gm)) {
        const spec = (m[1] ?? m[2]) as string;
        if (spec.startsWith('.')) walk(path.resolve(path.dirname(file), spec));
        else bare.add(spec);
      }
    };
    walk(entry);
    expect(seen.has(path.join(DIST, 'views/poll.js'))).toBe(true);
    expect(seen.has(path.join(DIST, 'views/waiting.js'))).toBe(true);
    expect([...seen].map((f) => path.relative(DIST, f)).filter((f) => f.includes('schema'))).toEqual(['views/schema-ids.js']);
    expect([...bare].filter((s) => !s.startsWith('node:'))).toEqual([]);
  });
});
