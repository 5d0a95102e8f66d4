import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRoleText, roleFile, sectionFor, taskInstructions } from '../../src/roles/instructions.js';
import { tempDir } from '../helpers/temp.js';

describe('role instructions', () => {
  it('splits a role file into its sections, ignoring headings inside code fences', () => {
    const role = parseRoleText(['# Builder', '', 'For people.', '', '## Agent', '', 'Drive Codex.', '```md', '## Not a section', '```', '', '## Codex', 'Edit files.', ''].join('\n'));
    expect([...role.sections.keys()]).toEqual(['Agent', 'Codex']);
    expect(sectionFor(role, 'Agent')).toBe('Drive Codex.\n```md\n## Not a section\n```');
    expect(sectionFor(role, 'Codex')).toBe('Edit files.');
    expect(sectionFor(role, 'Planning')).toBeUndefined();
  });

  it('gives a text without sections whole to every reader', () => {
    const role = parseRoleText('Be careful with the database.\n');
    expect(sectionFor(role, 'Agent')).toBe('Be careful with the database.');
    expect(sectionFor(role, 'Codex')).toBe('Be careful with the database.');
  });

  it('ships every role with the sections its readers need', () => {
    const sections = (r: 'builder' | 'tester' | 'manager'): string[] => [...parseRoleText(readFileSync(roleFile(r), 'utf8')).sections.keys()];
    expect(sections('builder')).toEqual(['Agent', 'Codex']);
    expect(sections('tester')).toEqual(['Agent', 'Codex']);
    expect(sections('manager')).toEqual(['Agent', 'Planning', 'Triage']);
  });

  it("uses a task's own instructions (text or file) in place of its role's, and reports an unreadable file", async () => {
    const own = await taskInstructions('builder', { kind: 'text', text: '## Agent\nPlan first.\n## Codex\nTouch only docs/.' });
    expect(own.ok && sectionFor(own.value, 'Codex')).toBe('Touch only docs/.');
    expect(own.ok && sectionFor(own.value, 'Agent')).toBe('Plan first.');
    const codexOnly = await taskInstructions('builder', { kind: 'text', text: '## Codex\nTouch only docs/.' });
    expect(codexOnly.ok && sectionFor(codexOnly.value, 'Codex')).toBe('Touch only docs/.');
    expect(codexOnly.ok && sectionFor(codexOnly.value, 'Agent')).toContain('You are the builder agent of codex-orchestrator.');
    const dir = tempDir();
    const file = path.join(dir, 'careful.md');
    writeFileSync(file, 'Careful.\n');
    const fromFile = await taskInstructions('tester', { kind: 'file', path: file });
    expect(fromFile.ok && sectionFor(fromFile.value, 'Agent')).toBe('Careful.');
    const role = await taskInstructions('tester', undefined);
    expect(role.ok && sectionFor(role.value, 'Codex')).toContain('You are a tester agent run by codex-orchestrator.');
    const missing = await taskInstructions('builder', { kind: 'file', path: path.join(dir, 'gone.md') });
    expect(missing.ok ? undefined : missing.error).toMatchObject({ reason: 'instructions-unreadable', file: path.join(dir, 'gone.md') });
  });
});
