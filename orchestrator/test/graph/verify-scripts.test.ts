import { describe, expect, it } from 'vitest';
import { scriptCalls } from '../../src/graph/verify-scripts.js';

describe('the package scripts a verify command runs', () => {
  it('reads npm, pnpm and yarn calls in plain command lines joined by && and ;', () => {
    const cases: [string, string[]][] = [
      ['npm test', ['npm:test']],
      ['npm t', ['npm:test']],
      ['npm run lint', ['npm:lint']],
      ['npm run-script build:all -- --watch=false', ['npm:build:all']],
      ['npm run lint && npm test; pnpm run build', ['npm:lint', 'npm:test', 'pnpm:build']],
      ['CI=1 NODE_ENV=test npm test', ['npm:test']],
      ['pnpm test', ['pnpm:test']],
      ['yarn run e2e', ['yarn:e2e']],
      ['yarn test', ['yarn:test']],
      ['node --test\nnpm run lint', ['npm:lint']],
      ['npm run lint && cd sub && npm run other', ['npm:lint']],
    ];
    for (const [command, expected] of cases) {
      expect(
        scriptCalls(command).map((c) => `${c.tool}:${c.script}`),
        command,
      ).toEqual(expected);
    }
    expect(scriptCalls('CI=1 npm run-script lint')).toEqual([{ tool: 'npm', script: 'lint', text: 'npm run-script lint' }]);
  });

  it('leaves alone what it cannot read for sure', () => {
    for (const command of [
      'npm run', // lists the scripts
      'npm install',
      'npx eslint .',
      'yarn lint', // a script or one of yarn's own commands
      'pnpm lint',
      'npm run lint --if-present',
      'npm run lint --workspace=api',
      'npm --prefix api run lint',
      'pnpm --filter api run lint',
      'npm -s test',
      'cd api && npm test',
      'npm run lint || true',
      'npm test | tee out.txt',
      'npm test > out.txt',
      'npm run "lint"',
      "npm run 'lint'",
      'npm run $SCRIPT',
      'npm run lint & npm test',
      'bash -c "npm test"',
      '(npm test)',
      'npm test # the tests',
    ]) {
      expect(scriptCalls(command), command).toEqual([]);
    }
  });
});
