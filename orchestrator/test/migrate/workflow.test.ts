import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/core/package-info.js';
import { artifactsOf, parseScript } from '../../src/model-server/script.js';
import { numberedItems } from '../../src/review/artifact-sections.js';
import { fenced, migrationGraph } from '../../src/migrate/workflow/graph.js';
import { journalRow, planDocument } from '../../src/migrate/workflow/documents.js';
import { migrationPatternText } from '../../src/migrate/workflow/pattern.js';
import { gateId, PHASES, WORKSTREAMS } from '../../src/migrate/workflow/phases.js';
import { workspaceState } from '../../src/migrate/workflow/status.js';

const values = {
  description: 'Move billing to Postgres\n\nFrom MySQL through sequelize.',
  title: 'Move billing to Postgres',
  slug: 'move-billing-to-postgres',
  workspace: 'migrations/migration_move-billing-to-postgres',
};

describe('the migration graph', () => {
  const graph = migrationGraph(values);
  const byId = new Map(graph.tasks.map((t) => [t.id, t]));

  it('is a spine of six phases, each followed by its gate, and the next phase after the gate', () => {
    expect(PHASES.map((p) => p.tag)).toEqual(['MIG-1', 'MIG-2', 'MIG-3', 'MIG-4', 'MIG-5', 'MIG-6']);
    PHASES.forEach((p, i) => {
      const gate = byId.get(gateId(p));
      expect(gate?.role).toBe('gate');
      expect(gate?.deps).toEqual([p.taskId]);
      expect(byId.get(p.taskId)?.deps).toEqual(i === 0 ? [] : [gateId(PHASES[i - 1]!)]);
    });
  });

  it('gives every gate the sections its phase prompt asks for, and the prompt an artifact block the stand-in writes', () => {
    for (const p of PHASES) {
      const task = byId.get(p.taskId)!;
      const gate = byId.get(gateId(p))!;
      expect(gate.approval?.author).toBe(p.taskId);
      expect(gate.approval?.criteria.length).toBeGreaterThan(0);
      const steps = parseScript(task.prompt!);
      expect(steps).toHaveLength(1);
      const step = steps[0]!;
      if (step.kind !== 'patch') throw new Error('expected a patch step');
      expect(step.files).toEqual([`A ${gate.approval!.artifact}`]);
      for (const section of gate.approval!.sections) expect(step.patch).toContain(`+## ${section}\n`);
      expect(step.patch).not.toContain('<fill:');
    }
  });

  it("fans MIG-4 out into the approved plan's numbered steps, which the stand-in's MIG-3 artifact has", () => {
    const mig4 = byId.get('mig-4-execute')!;
    expect(mig4.fanOut).toEqual({
      artifact: `${values.workspace}/artifacts/MIG-3-execution-plan.md`,
      section: 'Steps',
      from: 'gate-mig-3-execution-plan',
      stepArtifacts: `${values.workspace}/artifacts/MIG-4.{k}-step.md`,
    });
    expect(byId.get('gate-mig-3-execution-plan')?.approval?.artifact).toBe(mig4.fanOut?.artifact);
    const [plan] = artifactsOf(byId.get('mig-3-execution-plan')!.prompt!);
    expect(numberedItems(plan!.text, 'Steps')).toEqual([
      "1. Offline stand-in: the first step's title: Offline stand-in: what it changes (verify: Offline stand-in: the command that checks it)",
      "2. Offline stand-in: the next step's title: Offline stand-in: what it changes (verify: Offline stand-in: the command that checks it)",
    ]);
  });

  it("seeds MIG-1 with the assessment without making the report's own fenced commands steps", () => {
    const report = '# Migration assessment: billing\n\n```sh\nrm -rf /\n```\n\n````sh\necho four\n````\n';
    const seeded = migrationGraph({ ...values, assessment: { file: 'report.md', text: report } });
    const prompt = seeded.tasks.find((t) => t.id === 'mig-1-assessment')!.prompt!;
    expect(prompt).toContain('rm -rf /');
    expect(parseScript(prompt).map((s) => s.kind)).toEqual(['patch']);
  });

  it('runs the workstreams beside the spine: no gate waits for them', () => {
    const parallel = graph.tasks.filter((t) => t.id.startsWith('parallel-')).map((t) => t.id);
    expect(parallel).toEqual(WORKSTREAMS.map((w) => w.taskId));
    for (const t of graph.tasks) for (const id of parallel) expect(t.deps).not.toContain(id);
    for (const w of WORKSTREAMS) if (w.after) expect(byId.get(w.after)?.role).toBe('gate');
  });

  it('fences text with a fence longer than any backtick run in it', () => {
    expect(fenced('markdown', '', 'a ```` b')).toMatch(/^`{5}markdown\n/);
    expect(fenced('artifact', 'x.md', 'plain')).toBe('```artifact x.md\nplain\n```');
  });
});

describe('the workspace documents', () => {
  it('plan.md names every phase, gate and workstream', () => {
    const plan = planDocument(values, '2026-12-04T00:00:00.000Z');
    for (const p of PHASES) expect(plan).toContain(gateId(p));
    for (const w of WORKSTREAMS) expect(plan).toContain(w.taskId);
  });

  it('a journal row stays one table row whatever the note holds', () => {
    expect(journalRow({ at: 't', who: 'Ada', task: 'gate-x', status: 'rejected', note: 'a | b\nc' })).toBe('| t | Ada | gate-x | rejected | a \\| b c |\n');
    expect(journalRow({ at: 't', who: 'Ada', task: 'x', status: 's', note: '' })).toBe('| t | Ada | x | s | — |\n');
  });
});

describe('where a workspace stands', () => {
  const graph = migrationGraph(values);
  const states = (status: Record<string, string>) => graph.tasks.map((t) => ({ id: t.id, role: t.role, deps: t.deps, status: status[t.id] }));

  it('before a run: MIG-1, no gate waiting, the scout ready', () => {
    const s = workspaceState(states({}));
    expect(s.current?.tag).toBe('MIG-1');
    expect(s.gatesWaiting).toEqual([]);
    expect(s.readyParallel).toEqual(['parallel-scout']);
  });

  it('at the MIG-2 gate: MIG-2 is current, its gate waits, the telemetry workstream waits for it', () => {
    const s = workspaceState(
      states({ 'mig-1-assessment': 'succeeded', 'gate-mig-1-assessment': 'approved', 'mig-2-strategy': 'succeeded', 'gate-mig-2-strategy': 'awaiting-approval', 'parallel-scout': 'succeeded' }),
    );
    expect(s.current?.tag).toBe('MIG-2');
    expect(s.gatesWaiting).toEqual(['gate-mig-2-strategy']);
    expect(s.readyParallel).toEqual([]);
  });
});

describe('patterns/migration.yaml', () => {
  it('is generated from the phases (UPDATE_SCHEMA=1 rewrites it)', async () => {
    const file = path.join(packageRoot(), 'patterns', 'migration.yaml');
    const text = migrationPatternText();
    if (process.env.UPDATE_SCHEMA === '1') await writeFile(file, text);
    expect(await readFile(file, 'utf8')).toBe(text);
  });
});
