import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { foldEventLog } from '../../src/store/events/event-log.js';
import type { Manifest } from '../../src/store/manifest.js';
import { cli } from '../helpers/cli.js';
import { addFile, repoWithGraph, task } from '../helpers/run.js';
import { git, tempDir } from '../helpers/temp.js';

// A gate that reviews a markdown artifact its author writes: approve is refused while a section is
// still a placeholder; reject sends the reason to the author, who revises it, and the gate waits again.

const ARTIFACT = 'migrations/migration_x/artifacts/MIG-1-assessment.md';
const DRAFT = ['# MIG-1', '', '## Migration', 'Move the greeter to v2.', '', '## Motivation', 'The v1 API is deprecated.', '', '## Risk Level', '<fill: low, medium or high>'].join('\n');

const GRAPH = `
tasks:
  - id: mig-1-assessment
    role: builder
    prompt: |
      Write the assessment.
${addFile(ARTIFACT, DRAFT)}
  - id: gate-mig-1
    role: gate
    deps: [mig-1-assessment]
    approval:
      criteria: [Every affected component is named]
      artifact: ${ARTIFACT}
      author: mig-1-assessment
      sections: [Migration, Motivation, Risk Level]
  - id: mig-1-apply
    role: builder
    deps: [gate-mig-1]
    prompt: "\`\`\`sh\\necho applied > applied.txt\\n\`\`\`"
`;

/** A reason the offline stand-in carries out: its patch block fills in the placeholder. */
const REASON = [
  'The risk level is not rated.',
  '',
  '```patch',
  '*** Begin Patch',
  `*** Update File: ${ARTIFACT}`,
  '@@',
  '-<fill: low, medium or high>',
  "+Medium: the greeter's callers change.",
  '*** End Patch',
  '```',
].join('\n');

const REFUSED = [
  `error: cannot approve gate-mig-1: its artifact ${ARTIFACT} (from mig-1-assessment) is not complete`,
  '  still placeholders: Risk Level (line 10)',
  '  hint: reject the gate with what to change: mig-1-assessment revises the artifact and the gate waits again',
  '',
].join('\n');

function setup(): { repo: string; env: NodeJS.ProcessEnv; manifest: (id: string) => Manifest; runDir: (id: string) => string } {
  const { repo } = repoWithGraph(GRAPH);
  const env = { CODEX_ORCHESTRATOR_KEYS_DIR: path.join(tempDir(), 'keys') };
  const runDir = (id: string): string => path.join(repo, '.runs', id);
  return { repo, env, runDir, manifest: (id) => JSON.parse(readFileSync(path.join(runDir(id), 'manifest.json'), 'utf8')) as Manifest };
}

describe('a gate that reviews an artifact', () => {
  it('ended at its gates: approve is refused naming the placeholder; reject and resume revise it; the gate waits again; approve releases its dependent', async () => {
    const { repo, env, manifest, runDir } = setup();
    const first = await cli(['run', 'graph.yaml', '--exit-at-gates', '--json'], repo, env);
    expect(first.code).toBe(0);
    const runId = (JSON.parse(first.stdout) as { runId: string }).runId;
    let m = manifest(runId);
    expect(m.status).toBe('awaiting-approval');
    const thread = task(m, 'mig-1-assessment').threadId;
    const draftCommit = task(m, 'mig-1-assessment').resultCommit as string;
    expect(git(repo, 'show', `${draftCommit}:${ARTIFACT}`)).toBe(DRAFT);

    // What the reviewer reads: the criteria and the command that shows the artifact.
    const polled = await cli(['poll', runId], repo, env);
    expect(polled.stdout).toContain(
      [
        'gate-mig-1 is approved on:',
        '  criteria: - Every affected component is named',
        `  artifact: ${ARTIFACT}, written by mig-1-assessment (sections: Migration, Motivation, Risk Level)`,
        `  read it:  git show ${draftCommit}:${ARTIFACT}`,
      ].join('\n'),
    );
    const doc = JSON.parse((await cli(['poll', runId, '--json'], repo, env)).stdout) as { tasks: { id: string; approval: unknown }[] };
    expect(doc.tasks.find((t) => t.id === 'gate-mig-1')?.approval).toEqual({
      criteria: ['Every affected component is named'],
      artifact: ARTIFACT,
      author: 'mig-1-assessment',
      sections: ['Migration', 'Motivation', 'Risk Level'],
      commit: draftCommit,
      show: `git show ${draftCommit}:${ARTIFACT}`,
    });
    const reviewed = await cli(['review', runId, '--task', 'gate-mig-1'], repo, env);
    expect(reviewed.stdout).toContain(`  criteria:  - Every affected component is named\n  artifact:  ${ARTIFACT}, written by mig-1-assessment`);

    const refused = await cli(['approve', runId, '--task', 'gate-mig-1', '--reviewer', 'rita'], repo, env);
    expect(refused).toMatchObject({ code: 1, stderr: REFUSED });
    expect(task(manifest(runId), 'gate-mig-1')).toMatchObject({ status: 'awaiting-approval' });
    expect(task(manifest(runId), 'gate-mig-1').reviews).toBeUndefined();

    const rejected = await cli(['reject', runId, '--task', 'gate-mig-1', '--reviewer', 'rita', '--reason', REASON], repo, env);
    expect(rejected.code).toBe(0);
    expect(rejected.stderr).toContain(`revise: the reason goes to mig-1-assessment's Codex thread when the run continues: codex-orchestrator resume ${runId}; then gate-mig-1 awaits approval again`);
    m = manifest(runId);
    expect(m).toMatchObject({
      status: 'awaiting-approval',
      message: `gate-mig-1 rejected by rita; mig-1-assessment revises the artifact, then gate-mig-1 awaits approval again: continue the run with: codex-orchestrator resume ${runId}`,
    });
    expect(task(m, 'gate-mig-1')).toMatchObject({ status: 'pending', reviews: [{ decision: 'rejected', reviewer: 'rita', reason: REASON }] });
    expect(task(m, 'gate-mig-1').awaitingSince).toBeUndefined();
    expect(task(m, 'mig-1-assessment')).toMatchObject({ status: 'succeeded', followUp: { from: 'reject', by: 'rita' } });
    expect(task(m, 'mig-1-apply').status).toBe('pending');
    // Nothing to approve until the author has revised it.
    expect((await cli(['approve', runId, '--task', 'gate-mig-1', '--reviewer', 'rita'], repo, env)).stderr).toContain('cannot approve gate-mig-1: its status is pending');

    const resumed = await cli(['resume', runId, '--exit-at-gates', '--json'], repo, env);
    expect(resumed.code).toBe(0);
    m = manifest(runId);
    expect(m.status).toBe('awaiting-approval');
    const author = task(m, 'mig-1-assessment');
    expect(author.attempts.map((a) => [a.n, a.status, a.followUp?.from ?? null, a.threadId])).toEqual([
      [1, 'succeeded', null, thread],
      [2, 'succeeded', 'reject', thread],
    ]);
    expect(author.followUp).toBeUndefined();
    const revised = git(repo, 'show', `${author.resultCommit}:${ARTIFACT}`);
    expect(revised).toBe(DRAFT.replace('<fill: low, medium or high>', "Medium: the greeter's callers change."));
    expect(task(m, 'gate-mig-1').status).toBe('awaiting-approval');
    expect(task(m, 'mig-1-apply')).toMatchObject({ status: 'pending', attempts: [] });
    const log = readFileSync(path.join(runDir(runId), 'runner.log'), 'utf8');
    expect(log).toContain(`task mig-1-assessment: revises ${ARTIFACT} for gate gate-mig-1 (reject by rita); then gate-mig-1 awaits approval again`);

    const approved = await cli(['approve', runId, '--task', 'gate-mig-1', '--reviewer', 'rita', '--note', 'rated'], repo, env);
    expect(approved.code).toBe(0);
    const review = task(manifest(runId), 'gate-mig-1').reviews?.at(-1);
    expect(review).toMatchObject({
      decision: 'approved',
      artifact: { path: ARTIFACT, commit: author.resultCommit, sha256: createHash('sha256').update(`${revised}\n`).digest('hex') },
    });

    const finished = await cli(['resume', runId, '--json'], repo, env);
    expect(finished.code).toBe(0);
    m = manifest(runId);
    expect(m.status).toBe('succeeded');
    expect(task(m, 'mig-1-apply').status).toBe('succeeded');
    expect(task(m, 'mig-1-assessment').attempts).toHaveLength(2);
    // The log folds to the state on disk (what resume reads).
    const folded = await foldEventLog(runDir(runId));
    if (!folded.ok || !folded.value) throw new Error('no log');
    expect(folded.value.manifest.tasks).toEqual(m.tasks);
    expect((await cli(['verify', runId], repo, env)).code).toBe(0);
  });

  it('live: the orchestrator waiting at the gate revises at once after a reject, waits again, and goes on after the approval', async () => {
    const { repo, env, manifest } = setup();
    const started = await cli(['run', 'graph.yaml', '--detach', '--json'], repo, env);
    const { runId } = JSON.parse(started.stdout) as { runId: string };
    await expect.poll(() => manifest(runId).status, { timeout: 90_000, interval: 100 }).toBe('awaiting-approval');

    const refused = await cli(['approve', runId, '--task', 'gate-mig-1', '--reviewer', 'rita'], repo, env);
    expect(refused).toMatchObject({ code: 1, stderr: REFUSED });

    const rejected = await cli(['reject', runId, '--task', 'gate-mig-1', '--reviewer', 'rita', '--reason', REASON], repo, env);
    expect(rejected.code).toBe(0);
    expect(rejected.stderr).toContain("revise: the run's orchestrator sends the reason to mig-1-assessment's Codex thread now; gate-mig-1 awaits approval again after it");
    await expect.poll(() => task(manifest(runId), 'mig-1-assessment').attempts.map((a) => a.status), { timeout: 90_000, interval: 100 }).toEqual(['succeeded', 'succeeded']);
    await expect.poll(() => task(manifest(runId), 'gate-mig-1').status, { timeout: 90_000, interval: 100 }).toBe('awaiting-approval');
    await expect.poll(() => manifest(runId).status, { timeout: 90_000, interval: 100 }).toBe('awaiting-approval');
    expect(task(manifest(runId), 'mig-1-apply')).toMatchObject({ status: 'pending', attempts: [] });

    const approved = await cli(['approve', runId, '--task', 'gate-mig-1', '--reviewer', 'rita'], repo, env);
    expect(approved.code).toBe(0);
    await expect.poll(() => manifest(runId).status, { timeout: 90_000, interval: 100 }).toBe('succeeded');
    const m = manifest(runId);
    expect(task(m, 'mig-1-apply').status).toBe('succeeded');
    expect(task(m, 'gate-mig-1').reviews?.map((r) => r.decision)).toEqual(['rejected', 'approved']);
    expect(git(repo, 'show', `codex-orchestrator/${runId}:${ARTIFACT}`)).toContain('Medium');
  });
});
