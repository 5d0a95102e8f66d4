import YAML from 'yaml';
import { migrationGraph } from './graph.js';

/**
 * `patterns/migration.yaml`: the workspace graph with the pattern placeholders in place of the
 * description, title and slug, so `plan --pattern migration` gives the same gated workflow
 * (its artifacts under `migrations/migration_<slug>/`). Generated; a test keeps the file current.
 */
export function migrationPatternText(): string {
  const graph = migrationGraph({ description: '{{description}}', title: '{{title}}', slug: '{{slug}}', workspace: 'migrations/migration_{{slug}}' });
  const header = [
    '# Workflow pattern "migration": the gated phases MIG-1 … MIG-6, each a builder that writes its',
    '# artifact from a template followed by a gate that checks it (approval.sections) against its',
    '# criteria, and parallel workstreams (parallel-*) beside them. A rejected gate sends its reason to',
    '# the phase task (approval.author), which revises the artifact; the gate then waits again.',
    '#',
    '#   codex-orchestrator plan "<description>" --pattern migration',
    '#   codex-orchestrator migrate plan "<description>"      (a whole workspace: plan, journal, prompt)',
    '#',
    '# Generated from orchestrator/src/migrate/workflow/phases.ts: do not edit by hand (the tests',
    '# regenerate it with UPDATE_SCHEMA=1).',
  ].join('\n');
  return `${header}\n${YAML.stringify(graph, { lineWidth: 0 })}`;
}
