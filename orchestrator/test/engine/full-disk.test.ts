import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Manifest } from '../../src/store/manifest.js';
import { cli } from '../helpers/cli.js';
import { repoWithGraph } from '../helpers/run.js';
import { tempDir } from '../helpers/temp.js';

// A real full disk: `.runs` on a small tmpfs that a check fills up while the run writes there.
// Mounting needs root, as the test machines and CI run; a mount that fails fails the test.

const mounted: string[] = [];
afterEach(() => {
  for (const dir of mounted.splice(0)) execFileSync('umount', ['-l', dir]);
});

function mountSmallDisk(dir: string, size: string): void {
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0755`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (e) {
    throw new Error(`this test needs to mount a small tmpfs (run it as root): ${(e as { stderr?: Buffer }).stderr?.toString().trim() ?? String(e)}`, { cause: e });
  }
  mounted.push(dir);
}

function filesBelow(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).map((f) => path.join(dir, f)).filter((f) => !f.includes(`${path.sep}worktrees${path.sep}`));
}

describe('a run whose disk really fills up', () => {
  it('ends with a clear error (exit 1), leaves no torn file, and resumes once space is freed', async () => {
    const outside = tempDir('co-fill-');
    const once = path.join(outside, 'filled');
    const { graph, runsDir } = repoWithGraph(`
tasks:
  - id: fill
    role: builder
    prompt: "\`\`\`sh\\necho filling > out.txt\\n\`\`\`"
    verify: ["[ -e ${once} ] || { touch ${once}; head -c $(( $(df -B1 --output=avail RUNS_DIR | tail -1) - 16384 )) /dev/zero > RUNS_DIR/filler; } >/dev/null 2>&1"]
  - id: after
    role: builder
    title: ${'long '.repeat(6000)}
    deps: [fill]
    prompt: "\`\`\`sh\\necho after > after.txt\\n\`\`\`"
`);
    // The first check fills the disk `.runs` is on but for 16 KB (once: the resumed run's check
    // leaves it be). The next manifest (some 30 KB: a long title) no longer fits: its write comes
    // back short, and the one after fails.
    writeFileSync(graph, readFileSync(graph, 'utf8').replaceAll('RUNS_DIR', runsDir));
    mountSmallDisk(runsDir, '6m');

    const first = await cli(['run', graph], path.dirname(runsDir));
    const runs = readdirSync(runsDir).filter((n) => /^\d{4}-/.test(n));
    expect(runs).toHaveLength(1);
    const runId = runs[0] as string;
    const runDir = path.join(runsDir, runId);
    expect(first.code).toBe(1);
    // Which write meets the full disk first depends on timing; what is said about it does not.
    expect(first.stderr.trimEnd().split('\n').at(-1)).toMatch(
      new RegExp(`^error: the disk is full while writing \\.runs/${runId}/\\S+; the last good manifest is kept; free space and run: codex-orchestrator resume ${runId}$`),
    );
    expect(first.stderr).not.toMatch(/\n\s+at /);

    // Nothing torn: every JSON file parses, every JSONL line parses, the manifest is valid.
    for (const file of filesBelow(runDir)) {
      if (file.endsWith('.json')) expect(() => JSON.parse(readFileSync(file, 'utf8')), file).not.toThrow();
      if (file.endsWith('.jsonl')) {
        for (const line of readFileSync(file, 'utf8').split('\n').filter(Boolean)) expect(() => JSON.parse(line), file).not.toThrow();
      }
    }
    const stopped = Manifest.parse(JSON.parse(readFileSync(path.join(runDir, 'manifest.json'), 'utf8')));
    expect(stopped.tasks.find((t) => t.id === 'after')?.status).toBe('pending');
    expect(JSON.parse(readFileSync(path.join(runsDir, 'index.json'), 'utf8'))).toBeTruthy();

    rmSync(path.join(runsDir, 'filler'));
    const resumed = await cli(['resume', runId], path.dirname(runsDir));
    expect(resumed.stderr).not.toContain('error:');
    expect(resumed.code).toBe(0);
    const done = Manifest.parse(JSON.parse(readFileSync(path.join(runDir, 'manifest.json'), 'utf8')));
    expect(done.status).toBe('succeeded');
    expect(done.tasks.map((t) => [t.id, t.status])).toEqual([
      ['fill', 'succeeded'],
      ['after', 'succeeded'],
    ]);
    const verified = await cli(['verify', runId], path.dirname(runsDir));
    expect(verified.code).toBe(0);
    expect(existsSync(path.join(runsDir, 'filler'))).toBe(false);
  });
});
