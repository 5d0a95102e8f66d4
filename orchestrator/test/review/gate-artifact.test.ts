import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkGateArtifact, renderGateArtifactFailure, reviseRework } from '../../src/review/gate-artifact.js';
import type { Manifest, TaskRecord } from '../../src/store/manifest.js';
import { manifestFixture } from '../helpers/manifests.js';
import { git, tempRepo, writeFiles } from '../helpers/temp.js';

const ARTIFACT = 'migrations/migration_x/artifacts/MIG-1-assessment.md';
const gate: TaskRecord = {
  id: 'gate-mig-1',
  title: 'gate-mig-1',
  role: 'gate',
  deps: ['mig-1-assessment'],
  status: 'awaiting-approval',
  attempts: [],
  artifacts: {},
  approval: { criteria: ['Every affected component is named'], artifact: ARTIFACT, author: 'mig-1-assessment', sections: ['Migration', 'Motivation', 'Risk Level', 'Risk Factors'] },
};

/** A run whose author's result commit holds `text` as the artifact (or no result when `text` is undefined). */
function runWith(text: string | undefined): Manifest {
  const repo = tempRepo();
  const m = manifestFixture();
  const author: TaskRecord = { id: 'mig-1-assessment', title: 'assess', role: 'builder', deps: [], status: 'succeeded', attempts: [], artifacts: {} };
  if (text !== undefined) {
    writeFiles(repo, { [ARTIFACT]: text });
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'assessment');
    author.resultCommit = git(repo, 'rev-parse', 'HEAD');
  }
  return { ...m, repo: { ...m.repo, root: repo }, tasks: [author, gate] };
}

const head = 'error: cannot approve gate-mig-1';

describe("a gate's artifact", () => {
  it('is approved when complete, with the commit and sha256 it was read at', async () => {
    const text = '## Migration\nv1 to v2\n## Motivation\nspeed\n## Risk Level\nlow\n## Risk Factors\nnone\n';
    const m = runWith(text);
    const checked = await checkGateArtifact(m, gate);
    expect(checked).toEqual({ ok: true, value: { path: ARTIFACT, commit: m.tasks[0]?.resultCommit, sha256: createHash('sha256').update(text).digest('hex') } });
  });

  it('is refused naming every missing section and every placeholder with its line', async () => {
    const checked = await checkGateArtifact(runWith('# MIG-1\n\n## Migration\nv1 to v2\n\n## Motivation\nspeed\n\n## Risk Level\n<!-- low, medium or high -->\n\n<fill: the level>\n'), gate);
    if (checked.ok) throw new Error('expected a refusal');
    expect(renderGateArtifactFailure(checked.error, head)).toBe(
      [
        `${head}: its artifact ${ARTIFACT} (from mig-1-assessment) is not complete`,
        '  missing sections: Risk Factors',
        '  still placeholders: Risk Level (line 12)',
        '  hint: reject the gate with what to change: mig-1-assessment revises the artifact and the gate waits again',
      ].join('\n'),
    );
  });

  it('is refused when the author has no result, or its result has no such file', async () => {
    const none = await checkGateArtifact(runWith(undefined), gate);
    if (none.ok) throw new Error('expected a refusal');
    expect(renderGateArtifactFailure(none.error, head)).toBe(
      `${head}: its artifact ${ARTIFACT} cannot be read: mig-1-assessment has no result commit\n  hint: reject the gate with what to change: mig-1-assessment revises the artifact and the gate waits again`,
    );
    const m = runWith('x');
    const elsewhere = { ...gate, approval: { ...gate.approval!, artifact: 'docs/other.md' } };
    const missing = await checkGateArtifact(m, elsewhere);
    if (missing.ok) throw new Error('expected a refusal');
    expect(missing.error).toMatchObject({ reason: 'gate-artifact-missing', commit: m.tasks[0]?.resultCommit });
    expect(renderGateArtifactFailure(missing.error, head).split('\n')).toEqual([
      `${head}: its artifact docs/other.md cannot be read: it is not in mig-1-assessment's result (commit ${m.tasks[0]?.resultCommit?.slice(0, 12)})`,
      expect.stringMatching(/^ {2}git: fatal: .*docs\/other\.md/),
      '  hint: reject the gate with what to change: mig-1-assessment revises the artifact and the gate waits again',
    ]);
  });

  it('a gate without an artifact has nothing to check, and its rejection no rework', async () => {
    const plain = { ...gate, approval: { criteria: ['Looks right'] } };
    expect(await checkGateArtifact(runWith(undefined), plain)).toEqual({ ok: true, value: undefined });
    const review = { decision: 'rejected' as const, reviewer: 'rita', at: 'x', reason: 'no', attempt: 0, digests: {} };
    expect(reviseRework(plain, review, 'no')).toBeUndefined();
    expect(reviseRework(gate, review, 'fill in the risk level')).toEqual({
      task: 'mig-1-assessment',
      followUp: {
        from: 'reject',
        by: 'rita',
        requestedAt: 'x',
        prompt: `A reviewer (rita) rejected gate gate-mig-1, which reviews ${ARTIFACT}. Their reason:\n\nfill in the risk level\n\nRevise ${ARTIFACT} in this worktree so that it addresses the reason, keeping its sections (Migration, Motivation, Risk Level, Risk Factors), then summarise what you changed.`,
      },
    });
  });
});
