import { readdirSync, readFileSync } from 'node:fs';

/** Live processes whose command line holds `marker` (a unique string a test put in a command). */
export function processesWith(marker: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      if (cmd.includes(marker) && !cmd.includes('vitest')) out.push(Number(name));
    } catch {
      // Gone while we looked.
    }
  }
  return out;
}
