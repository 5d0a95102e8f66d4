import { describe, expect, it } from 'vitest';
import { noTestsReason, ranNothing } from '../../src/roles/no-tests.js';
import { enforceTestsRan, type Verdict } from '../../src/roles/verdict.js';

// Outputs as the runners print them (node 20, pytest 9, vitest 4; go, cargo, jest and mocha in
// their documented formats).

const NODE_TAP_EMPTY = 'TAP version 13\n1..0\n# tests 0\n# suites 0\n# pass 0\n# fail 0\n# cancelled 0\n# skipped 0\n# todo 0\n# duration_ms 7.18\n';
const NODE_SPEC_EMPTY = '\u001b[34mℹ tests 0\u001b[39m\n\u001b[34mℹ suites 0\u001b[39m\n\u001b[34mℹ pass 0\u001b[39m\n';
const PYTEST_EMPTY =
  '============================= test session starts ==============================\nplatform linux -- Python 3.11.7, pytest-9.0.3, pluggy-1.6.0\nrootdir: /w\ncollected 0 items\n\n============================ no tests ran in 0.80s =============================\n';
const VITEST_EMPTY = '\n RUN  v4.1.12 /w\n\nNo test files found, exiting with code 0\n\ninclude: **/*.{test,spec}.?(c|m)[jt]s?(x)\n';

describe('checks that ran no tests', () => {
  it('recognises each runner’s way of saying so', () => {
    const cases: [string, number | null, string, string][] = [
      ['node --test', 0, NODE_TAP_EMPTY, 'its output says "tests 0"'],
      ['node --test', 0, NODE_SPEC_EMPTY, 'its output says "tests 0"'],
      ['python3 -m pytest', 5, PYTEST_EMPTY, 'pytest exited 5: it collected no tests'],
      ['tox', 0, PYTEST_EMPTY, 'its output says "no tests ran"'],
      ['npx vitest run --passWithNoTests', 0, VITEST_EMPTY, 'its output says "No test files found"'],
      ['npx jest --passWithNoTests', 0, 'No tests found, exiting with code 0\n', 'its output says "No tests found"'],
      ['go test ./...', 0, '?   \texample.com/a\t[no test files]\n?   \texample.com/b\t[no test files]\n', 'every package it tested says "[no test files]" or "[no tests to run]"'],
      ['go test -run Nope ./...', 0, 'ok  \texample.com/a\t0.002s [no tests to run]\n', 'every package it tested says "[no test files]" or "[no tests to run]"'],
      ['cargo test', 0, 'running 0 tests\n\ntest result: ok. 0 passed; 0 failed\n\n   Doc-tests demo\n\nrunning 0 tests\n', 'its output says "running 0 tests"'],
      ['npx mocha', 0, '\n\n  0 passing (2ms)\n\n', 'its output says "0 passing"'],
    ];
    for (const [command, exitCode, output, why] of cases) expect(noTestsReason({ command, exitCode, output }), command).toBe(why);
  });

  it('leaves checks alone that ran tests, or that are no test runner', () => {
    const cases: [string, number | null, string][] = [
      ['node --test', 0, 'TAP version 13\nok 1 - adds\n1..1\n# tests 1\n# pass 1\n'],
      ['go test ./...', 0, '?   \texample.com/a\t[no test files]\nok  \texample.com/b\t0.004s\n'],
      ['cargo test', 0, 'running 3 tests\ntest a ... ok\n\ntest result: ok. 3 passed\n\n   Doc-tests demo\n\nrunning 0 tests\n'],
      ['npx mocha', 1, '  0 passing (4ms)\n  2 failing\n'],
      ['make lint', 5, 'lint: 5 problems\n'],
      ['grep -q alpha a.txt', 0, ''],
      ['npm test', 0, '# tests 10\n# pass 10\n'],
    ];
    for (const [command, exitCode, output] of cases) expect(noTestsReason({ command, exitCode, output }), `${command}: ${output}`).toBeUndefined();
  });

  it('says what a tester’s checks ran nothing of', () => {
    expect(ranNothing([], 0)).toEqual(['the task has no verify commands and its work ran no command']);
    expect(ranNothing([], 2)).toEqual([]);
    expect(ranNothing([{ command: 'node --test', noTests: 'its output says "tests 0"' }, { command: 'test -f a.js' }], 0)).toEqual(['`node --test` ran no tests (its output says "tests 0")']);
    expect(ranNothing([{ command: 'npm test' }], 0)).toEqual([]);
  });

  it('makes the verdict fail with a finding that says which check ran nothing and why', () => {
    const pass: Verdict = { verdict: 'pass', summary: 'All good.', findings: [] };
    const nothing = ['`node --test` ran no tests (its output says "tests 0")'];
    expect(enforceTestsRan(pass, [])).toEqual({ verdict: pass, overridden: false });
    const finding = {
      file: null,
      line: null,
      severity: 'error',
      message: 'the checks ran no tests (`node --test` ran no tests (its output says "tests 0")), so the verdict is fail: a tester cannot pass a task it did not test',
    };
    expect(enforceTestsRan(pass, nothing)).toEqual({
      overridden: true,
      verdict: { verdict: 'fail', summary: 'The checks ran no tests, so the verdict is fail: `node --test` ran no tests (its output says "tests 0"). The tester said: All good.', findings: [finding] },
    });
    const fail: Verdict = { verdict: 'fail', summary: 'Broken.', findings: [] };
    expect(enforceTestsRan(fail, nothing)).toEqual({ overridden: false, verdict: { ...fail, findings: [finding] } });
  });
});
