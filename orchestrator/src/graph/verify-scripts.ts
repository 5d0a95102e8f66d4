/**
 * The package scripts a verify command runs (`npm test`, `npm run lint`, `pnpm run build`,
 * `yarn run x`), so a script missing from `package.json` is reported before the run rather than
 * as a failed check after it. Deliberately conservative: only plain command lines are read
 * (words joined by `&&`, `;` or line breaks), and only calls that clearly name a script of the
 * package in the task's folder. Anything else (quotes, variables, pipes, `||`, redirections, a
 * `cd`, options that pick another package or allow a missing script) yields nothing: a check that
 * flags a command that works would be worse than none.
 */

export type PackageManager = 'npm' | 'pnpm' | 'yarn';

/** A script a verify command runs, in the package of the folder it runs in. */
export interface ScriptCall {
  readonly tool: PackageManager;
  readonly script: string;
  /** The words that run it, as written (`npm run lint`). */
  readonly text: string;
}

/** What may appear in a command line that is read, besides the separators `&&` and `;`. */
const PLAIN = /^[A-Za-z0-9_\-.,/:=@+%\s]*$/;
const SEPARATORS = /&&|;|\n/;
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;
const TOOLS: ReadonlySet<string> = new Set<PackageManager>(['npm', 'pnpm', 'yarn']);
/** Each tool's subcommands (with their aliases) that run a named script, and that run the `test` script. */
const RUN: Readonly<Record<PackageManager, ReadonlySet<string>>> = {
  npm: new Set(['run', 'run-script']),
  pnpm: new Set(['run', 'run-script']),
  yarn: new Set(['run']),
};
const TEST: Readonly<Record<PackageManager, ReadonlySet<string>>> = {
  npm: new Set(['test', 't']),
  pnpm: new Set(['test', 't']),
  yarn: new Set(['test']),
};
/** Commands after which the next words run somewhere else. */
const MOVES: ReadonlySet<string> = new Set(['cd', 'pushd', 'popd']);

export function scriptCalls(command: string): ScriptCall[] {
  const segments = command.split(SEPARATORS);
  if (!segments.every((s) => PLAIN.test(s))) return [];
  const calls: ScriptCall[] = [];
  for (const segment of segments) {
    const words = segment
      .trim()
      .split(/\s+/)
      .filter((w) => w !== '');
    while (words[0] !== undefined && ASSIGNMENT.test(words[0])) words.shift();
    const [tool, sub, name] = words;
    if (tool === undefined) continue;
    if (MOVES.has(tool)) break;
    if (!TOOLS.has(tool) || sub === undefined) continue;
    const pm = tool as PackageManager;
    const named = RUN[pm].has(sub);
    if (!named && !TEST[pm].has(sub)) continue;
    const script = named ? name : 'test';
    if (script === undefined || script.startsWith('-')) continue;
    const used = named ? 3 : 2;
    // An option before `--` may choose another package (`--prefix`, `-w`, `--filter`) or allow a
    // missing script (`--if-present`); after `--` the words are the script's own arguments.
    const rest = words.slice(used);
    const end = rest.indexOf('--');
    if ((end < 0 ? rest : rest.slice(0, end)).some((w) => w.startsWith('-'))) continue;
    calls.push({ tool: pm, script, text: words.slice(0, used).join(' ') });
  }
  return calls;
}
