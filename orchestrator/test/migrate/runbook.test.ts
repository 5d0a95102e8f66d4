import { describe, expect, it } from 'vitest';
import { artifactBlocks, renderRunbook } from '../../src/migrate/workflow/runbook.js';

describe('runbooks (migrate execute)', () => {
  it('a manual task: goal, inputs with the git show that reads each, template, criteria, commands', () => {
    const prompt = 'Confirm the window.\n\n```artifact migrations/m/artifacts/window.md\n# Window\n\n## Time\n\n<fill: when>\n```\n';
    const text = renderRunbook({
      runId: 'r1',
      task: { id: 'cutover', title: 'Confirm the cutover window', role: 'manual', prompt },
      inputs: [{ id: 'gate-mig-3', title: 'Gate', status: 'approved', commit: 'abc', artifacts: ['migrations/m/artifacts/MIG-3.md'] }],
      criteria: [{ gate: 'gate-cutover', criteria: ['The DBA agreed'] }],
      claimed: { by: 'ada', at: '2026-12-01T10:00:00Z' },
      at: '2026-12-01T10:00:01Z',
    });
    expect(text).toBe(`# Runbook: Confirm the cutover window

Task \`cutover\` (manual) of run \`r1\`, written 2026-12-01T10:00:01Z.
Claimed by ada since 2026-12-01T10:00:00Z.

## Goal

${prompt.trim()}

## Inputs

- \`gate-mig-3\` (approved): Gate
  - migrations/m/artifacts/MIG-3.md: \`git show abc:migrations/m/artifacts/MIG-3.md\`

## Template

Write \`migrations/m/artifacts/window.md\`:

\`\`\`artifact migrations/m/artifacts/window.md
# Window

## Time

<fill: when>
\`\`\`

## Acceptance criteria

Gate \`gate-cutover\` approves it on:
- The DBA agreed

## Commands

\`\`\`sh
codex-orchestrator migrate execute cutover --status running --note "what you start"   # claim it
codex-orchestrator migrate execute cutover --status blocked --note "what stops you"
codex-orchestrator migrate execute cutover --status done --note "what you did"         # releases its dependents
\`\`\`
`);
  });

  it('an agent task: says the orchestrator runs it; no inputs, template or gate said so', () => {
    const text = renderRunbook({ runId: 'r1', task: { id: 'b', title: 'B', role: 'builder', prompt: 'Do B.' }, inputs: [], criteria: [], claimed: undefined, at: 'now' });
    expect(text).toContain('The orchestrator runs builder tasks: this runbook is for reading or for doing it in another agent; `codex-orchestrator migrate run` runs it.');
    expect(text).toContain('## Inputs\n\nNone: it depends on no task.');
    expect(text).toContain('## Template\n\nNone: its prompt has no artifact template.');
    expect(text).toContain('## Acceptance criteria\n\nNo gate reviews it.');
    expect(text).toContain('codex-orchestrator migrate run   # the orchestrator runs it');
    expect(artifactBlocks('````artifact a.md\n```sh\nx\n```\n````')).toEqual([{ path: 'a.md', block: '````artifact a.md\n```sh\nx\n```\n````' }]);
  });
});
