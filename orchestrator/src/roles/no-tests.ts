/**
 * Checks that ran nothing. A test runner that finds no tests often exits 0 (`go test` on packages
 * without tests, `node --test` on a folder without any, mocha, cargo, jest or vitest with
 * `--passWithNoTests`), so an exit code alone would let a tester pass a task it never tested. Here
 * the output of a check says whether it ran any test; plain data and rules, no I/O.
 */

/** What a check's output shows about the tests it ran. */
export interface CheckOutput {
  readonly command: string;
  /** null when the command was killed. */
  readonly exitCode: number | null;
  /** The command's whole output (stdout and stderr). */
  readonly output: string;
}

/** A runner's way of saying it ran no tests: a test of the check, and why it counts. */
interface NoTestsRule {
  readonly matches: (c: CheckOutput) => boolean;
  /** Why it counts as having run nothing, after "ran no tests (…)". */
  readonly why: string;
}

const says =
  (re: RegExp) =>
  (c: CheckOutput): boolean =>
    re.test(c.output);

const RULES: readonly NoTestsRule[] = [
  // vitest (exit 1, or 0 with --passWithNoTests)
  { matches: says(/No test files found/), why: 'its output says "No test files found"' },
  // jest (exit 1, or 0 with --passWithNoTests)
  { matches: says(/No tests found/), why: 'its output says "No tests found"' },
  // pytest: exit code 5 is "no tests collected"
  { matches: (c) => c.exitCode === 5 && /\bpytest\b/.test(c.command), why: 'pytest exited 5: it collected no tests' },
  { matches: says(/^=+ no tests ran\b/m), why: 'its output says "no tests ran"' },
  { matches: goTestRanNothing, why: 'every package it tested says "[no test files]" or "[no tests to run]"' },
  { matches: cargoRanNothing, why: 'its output says "running 0 tests"' },
  // node --test: the TAP summary, or the spec reporter's
  { matches: says(/^(?:#|ℹ) tests 0$/m), why: 'its output says "tests 0"' },
  // mocha
  { matches: (c) => /^\s*0 passing\b/m.test(c.output) && !/^\s*[1-9]\d* (?:failing|pending)\b/m.test(c.output), why: 'its output says "0 passing"' },
];

/**
 * Why a check ran no tests (`its output says "tests 0"`), or undefined when its output does not
 * say so. A check that exited 0 but says it ran no tests has verified nothing.
 */
export function noTestsReason(check: CheckOutput): string | undefined {
  // Colours (FORCE_COLOR, a runner that colours anyway) would hide the words.
  const plain = { ...check, output: check.output.replace(ANSI, '') };
  return RULES.find((r) => r.matches(plain))?.why;
}

const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;

/** `go test ./...`: at least one package line, and every one of them without tests. */
function goTestRanNothing(c: CheckOutput): boolean {
  const packages = c.output.split('\n').filter((l) => /^(?:ok|\?|FAIL|---)\s/.test(l));
  return packages.length > 0 && packages.every((l) => /\[no test files\]|\[no tests to run\]/.test(l));
}

/** `cargo test` runs one binary per target (and the doc tests): nothing ran when every one ran 0 tests. */
function cargoRanNothing(c: CheckOutput): boolean {
  const counts = [...c.output.matchAll(/^running (\d+) tests?$/gm)].map((m) => Number(m[1]));
  return counts.length > 0 && counts.every((n) => n === 0);
}

/** A check as the ran-nothing rule sees it. */
export interface RanCheck {
  readonly command: string;
  /** Why it ran no tests, from `noTestsReason`; undefined when it ran some (or says nothing about it). */
  readonly noTests?: string | undefined;
}

/**
 * What a tester's checks ran nothing of, one description each (empty: they ran something). A
 * tester with no verify commands whose own work ran no command has checked nothing at all; a
 * check whose output says it ran no tests has checked nothing either.
 */
export function ranNothing(checks: readonly RanCheck[], workCommands: number): string[] {
  if (checks.length === 0) return workCommands === 0 ? ['the task has no verify commands and its work ran no command'] : [];
  return checks.flatMap((c) => (c.noTests === undefined ? [] : [`\`${c.command}\` ran no tests (${c.noTests})`]));
}
