import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { isAlive } from '../../src/core/process-tree.js';
import type { Manifest } from '../../src/store/manifest.js';
import { RUN_LOCK_STALE_MS, runLockPath } from '../../src/store/run-lock.js';
import { cli } from '../helpers/cli.js';
import { cpuHogs } from '../helpers/cpu-hog.js';
import { processesWith } from '../helpers/processes.js';
import { repoWithGraph, task } from '../helpers/run.js';
import { tempDir } from '../helpers/temp.js';
import { duration, figure, scaled } from './battery.js';

// R13: one writer for a run of any length. A real run (offline model, real Codex) lives well past
// the lock's stale time under CPU load: a task waits for a file, gates wait for reviewers. The
// whole time, a second `resume` is refused (exit 2, naming the run's process), a second `run` of
// the same run id is refused (exit 2), and `approve` of a gate is handed to the live run, which
// records it (exit 0). At the end the run finishes on its own, every approval kept, its seal intact.

const HOLD_MS = scaled({ ci: 25_000, full: 60_000 });
const GATES = scaled({ ci: 3, full: 6 });
const HOGS = 2;

function graphYaml(release: string, marker: string): string {
  const work = ['  - id: work', '    role: builder', `    prompt: ${JSON.stringify(`\`\`\`sh\nuntil [ -f ${release} ]; do sleep 0.1; done; echo ${marker} > work.txt\n\`\`\``)}`];
  const gates = Array.from({ length: GATES }, (_, i) => [`  - id: gate-${i + 1}`, '    role: gate'].join('\n'));
  return `tasks:\n${[work.join('\n'), ...gates].join('\n')}\n`;
}

describe('R13 one writer for a run of any length', () => {
  it(`a live run held ${duration(HOLD_MS)} under CPU load refuses a second resume/run and takes approvals through its inbox`, { timeout: HOLD_MS + 180_000 }, async (context) => {
    const release = path.join(tempDir(), 'release');
    const marker = `r13-marker-${process.pid}-${Date.now()}`;
    const { repo } = repoWithGraph(graphYaml(release, marker));
    const env = { CODEX_ORCHESTRATOR_KEYS_DIR: path.join(tempDir(), 'keys') };
    const hogs = cpuHogs(HOGS);
    let runPid: number | undefined;
    let runId = '';
    try {
      const started = await cli(['run', 'graph.yaml', '--detach', '--json'], repo, env);
      ({ runId, pid: runPid } = JSON.parse(started.stdout) as { runId: string; pid: number });
      const runDir = path.join(repo, '.runs', runId);
      const manifest = (): Manifest => JSON.parse(readFileSync(path.join(runDir, 'manifest.json'), 'utf8')) as Manifest;
      const lockOwner = (): number | undefined => {
        try {
          return (JSON.parse(readFileSync(path.join(runLockPath(runDir), 'owner.json'), 'utf8')) as { pid: number }).pid;
        } catch {
          return undefined;
        }
      };
      // The work task's command runs: the run is live, its lock taken.
      await expect.poll(() => processesWith(`until [ -f ${release} ]`).length, { timeout: 60_000, interval: 100 }).toBeGreaterThan(0);
      const heldFrom = performance.now();

      const resumeCodes: (number | null)[] = [];
      const runCodes: (number | null)[] = [];
      const approveCodes: (number | null)[] = [];
      const unexpected: string[] = [];
      const owners = new Set<number | undefined>();
      let approved = 0;
      const tryResume = async (): Promise<void> => {
        const resumed = await cli(['resume', runId], repo, env);
        resumeCodes.push(resumed.code);
        if (resumed.code !== 2 || !resumed.stderr.includes(`error: ${runId} is in use by process ${runPid} `)) unexpected.push(`resume: exit ${resumed.code}: ${resumed.stderr.trim()}`);
      };
      const tryRun = async (): Promise<void> => {
        const again = await cli(['run', 'graph.yaml', '--run-id', runId], repo, env);
        runCodes.push(again.code);
        if (again.code !== 2 || !again.stderr.includes(`error: run ${runId} already exists`)) unexpected.push(`run: exit ${again.code}: ${again.stderr.trim()}`);
      };
      const approve = async (gate: string): Promise<void> => {
        const decided = await cli(['approve', runId, '--task', gate, '--reviewer', 'r13'], repo, env);
        approveCodes.push(decided.code);
        if (decided.code !== 0 || !decided.stderr.includes(`approved ${gate} in run ${runId} (attempt 0) by r13`)) unexpected.push(`approve ${gate}: exit ${decided.code}: ${decided.stderr.trim()}`);
      };
      while (performance.now() - heldFrom < HOLD_MS) {
        // The gates are approved one by one over the whole hold, the last ones after the stale time.
        const due = approved < GATES && performance.now() - heldFrom >= ((approved + 1) * HOLD_MS) / (GATES + 1);
        await Promise.all([tryResume(), tryResume(), tryRun(), ...(due ? [approve(`gate-${++approved}`)] : [])]);
        owners.add(lockOwner());
        if (!isAlive(runPid)) {
          unexpected.push(`the run's process ${runPid} ended during the hold`);
          break;
        }
        await sleep(200);
      }
      const heldMs = performance.now() - heldFrom;
      // Rounds are slow under load: gates not yet due when the hold ended are approved now (the run still lives).
      while (approved < GATES && isAlive(runPid)) await approve(`gate-${++approved}`);
      const during = manifest();

      writeFileSync(release, '');
      // The run ends on its own once the work is released (a bound, not a sleep: it returns as soon as it ends).
      const endBy = performance.now() + 120_000;
      while (isAlive(runPid) && performance.now() < endBy) await sleep(100);
      const final = manifest();
      const verified = await cli(['verify', runId], repo, env);
      const log = readFileSync(path.join(runDir, 'runner.log'), 'utf8');
      const kept = final.tasks.filter((t) => t.role === 'gate' && t.status === 'approved' && t.reviews?.[0]?.reviewer === 'r13').length;

      figure(
        context,
        `R13 lock held: a live run held ${duration(heldMs)} (${(heldMs / RUN_LOCK_STALE_MS).toFixed(1)}× the ${duration(RUN_LOCK_STALE_MS)} stale time) beside ${HOGS} CPU hogs; ` +
          `${resumeCodes.length} second resumes refused (exit ${[...new Set(resumeCodes)].join('/')}), ${runCodes.length} second runs refused (exit ${[...new Set(runCodes)].join('/')}), ` +
          `${approveCodes.length} approvals handed to the live run (exit ${[...new Set(approveCodes)].join('/')}), ${unexpected.length} unexpected; ` +
          `lock owner(s) ${[...owners].join('/')}; ${kept} of ${GATES} approvals kept at the end; run ${final.status}, verify exit ${verified.code}`,
      );
      expect(unexpected).toEqual([]);
      expect(heldMs).toBeGreaterThanOrEqual(HOLD_MS);
      expect(heldMs).toBeGreaterThan(2 * RUN_LOCK_STALE_MS);
      expect(approveCodes).toEqual(Array.from({ length: GATES }, () => 0));
      expect([...owners]).toEqual([runPid]);
      expect(during.status).toBe('running');
      expect(during.process.pid).toBe(runPid);
      expect(during.resumes ?? []).toEqual([]);
      expect(task(during, 'work').status).toBe('running');
      expect(final.status).toBe('succeeded');
      expect(isAlive(runPid)).toBe(false);
      expect(final.resumes ?? []).toEqual([]);
      expect(task(final, 'work').attempts).toHaveLength(1);
      expect(kept).toBe(GATES);
      expect(verified.code).toBe(0);
      expect(log).not.toContain('lost the run lock');
      expect(existsSync(path.join(repo, '.runs', runId, 'run.lock'))).toBe(false);
    } finally {
      if (!existsSync(release)) writeFileSync(release, '');
      if (runPid !== undefined && isAlive(runPid)) {
        await cli(['stop', runId], repo, env);
        if (isAlive(runPid)) process.kill(runPid, 'SIGKILL');
      }
      for (const pid of processesWith(marker)) process.kill(pid, 'SIGKILL');
      hogs.stop();
    }
  });
});
