import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CODEX_PROTOCOL_VERSION } from '../../src/backends/app-server-protocol/index.js';
import { packageRoot } from '../../src/core/package-info.js';
import { CODEX_HERE } from '../helpers/codex-here.js';

// The backend's requests are type-checked against the protocol types Codex itself makes
// (`app-server-protocol/`, kept by scripts/codex-protocol-types.mjs). Real Codex.

describe('the kept codex app-server protocol types', () => {
  it(`are those the installed Codex makes, or the script shows how they differ (here ${CODEX_HERE}, kept ${CODEX_PROTOCOL_VERSION})`, () => {
    const check = spawnSync(process.execPath, [path.join(packageRoot(), 'scripts/codex-protocol-types.mjs'), '--check'], { encoding: 'utf8', timeout: 120_000 });
    if (CODEX_HERE === CODEX_PROTOCOL_VERSION) {
      expect([check.status, check.stdout.trim(), check.stderr]).toEqual([0, `the kept protocol types are those of Codex ${CODEX_HERE}`, '']);
    } else {
      expect(check.status).toBe(1);
      expect(check.stderr).toContain(`Codex ${CODEX_HERE} makes other protocol types than the kept ones`);
      expect(check.stdout).toContain('diff --git');
    }
  });
});
