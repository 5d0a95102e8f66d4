import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/store/manifest.js';
import { cli } from '../helpers/cli.js';
import { repoWithGraph, task } from '../helpers/run.js';
import { git, tempDir } from '../helpers/temp.js';

/** The real Codex, on the offline stand-in: an artifact block written from its template, then revised by a rework. */

const ARTIFACT = 'migrations/migration_x/artifacts/MIG-1-assessment.md';

const graph = (settings: string): string => `
${settings}
tasks:
  - id: assess
    role: builder
    prompt: |
      Write the assessment from this template.

      \`\`\`artifact ${ARTIFACT}
      # MIG-1 Assessment
      ## Migration
      <fill: what moves from where to where>
      ## Risk Level
      <fill: low, medium or high, and why>
      \`\`\`
    verify: ["test -s ${ARTIFACT}"]
`;

const FILLED = ['# MIG-1 Assessment', '## Migration', 'Offline stand-in: what moves from where to where', '## Risk Level', 'Offline stand-in: low, medium or high, and why', ''].join('\n');

function setup(graphYaml: string, files: Record<string, string> = {}): { repo: string; env: NodeJS.ProcessEnv; manifest: (id: string) => Manifest; runDir: (id: string) => string } {
  const { repo } = repoWithGraph(graphYaml, files);
  const env = { CODEX_ORCHESTRATOR_KEYS_DIR: path.join(tempDir(), 'keys') };
  const runDir = (id: string): string => path.join(repo, '.runs', id);
  return { repo, env, runDir, manifest: (id) => JSON.parse(readFileSync(path.join(runDir(id), 'manifest.json'), 'utf8')) as Manifest };
}

describe('artifact blocks with the real Codex', () => {
  it('a builder writes the artifact with its fills; a rejection revises it on the same thread', async () => {
    const { repo, env, manifest, runDir } = setup(graph(''));
    const first = await cli(['run', 'graph.yaml', '--json'], repo, env);
    expect(first.code).toBe(0);
    const runId = (JSON.parse(first.stdout) as { runId: string }).runId;
    const thread = task(manifest(runId), 'assess').threadId;
    expect(task(manifest(runId), 'assess').status).toBe('succeeded');
    expect(git(repo, 'show', `codex-orchestrator/${runId}:${ARTIFACT}`)).toBe(FILLED.trimEnd());
    const diff = readFileSync(path.join(runDir(runId), 'tasks/assess/diff.patch'), 'utf8');
    expect(diff).toContain(`+++ b/${ARTIFACT}`);
    expect(diff).toContain('+Offline stand-in: low, medium or high, and why');
    expect(diff).not.toContain('<fill:');

    const reason = 'The risk level says nothing about the database.\nName the tables that move.';
    const rejected = await cli(['reject', runId, '--task', 'assess', '--reviewer', 'rita', '--reason', reason], repo, env);
    expect(rejected.code).toBe(0);
    const resumed = await cli(['resume', runId], repo, env);
    expect(resumed.code).toBe(0);
    const assess = task(manifest(runId), 'assess');
    expect(assess.status).toBe('succeeded');
    expect(assess.attempts.map((a) => [a.n, a.status, a.followUp?.from ?? null, a.threadId])).toEqual([
      [1, 'succeeded', null, thread],
      [2, 'succeeded', 'reject', thread],
    ]);
    const revised = git(repo, 'show', `codex-orchestrator/${runId}:${ARTIFACT}`);
    // The follow-up Codex got (the engine's rework prompt), quoted in a `## Revision` section.
    expect(revised).toBe(
      [
        FILLED,
        '## Revision',
        '',
        '> A reviewer (rita) rejected your change. Their reason:',
        '>',
        '> The risk level says nothing about the database.',
        '> Name the tables that move.',
        '>',
        '> Rework the change in this worktree so that it addresses the reason, then summarise what you changed.',
      ].join('\n'),
    );
    expect(revised).not.toContain('<fill:');
    const reworkDiff = readFileSync(path.join(runDir(runId), 'tasks/assess/diff.patch'), 'utf8');
    expect(reworkDiff).toContain('+## Revision');
  });

  it('writes the artifact over a file the worktree already has (a rerun)', async () => {
    const { repo, env } = setup(graph('settings:\n  agents: false'), { [ARTIFACT]: '# an earlier assessment\n' });
    const run = await cli(['run', 'graph.yaml', '--json'], repo, env);
    expect(run.code).toBe(0);
    const runId = (JSON.parse(run.stdout) as { runId: string }).runId;
    expect(git(repo, 'show', `codex-orchestrator/${runId}:${ARTIFACT}`)).toBe(FILLED.trimEnd());
  });
});
