import { describe, expect, it } from 'vitest';
import { analyzeGraphSource } from '../../src/graph/load.js';
import { closest, editDistance } from '../../src/graph/suggest.js';
import { lines, report } from './helpers.js';

// Graph files that broke the loader under the reliability battery's fuzzer (R7): each one
// crashed it, put an error off its line, flooded the terminal, or took seconds.

describe('hostile graph files', () => {
  it('reports JSON nested deeper than any graph instead of running out of stack', () => {
    const text = report('deep.json', `{"tasks": ${'['.repeat(100_000)}\n`);
    expect(text.split('\n')[0]).toBe('tasks/deep.json:1:266: error: invalid JSON: nested more than 256 levels deep');
    expect(text).toMatch(/\n {2}hint: a graph file needs only a few levels of nesting; check for brackets that never close\n\n1 problem in tasks\/deep\.json$/);
  });

  it('reports YAML too deep to parse once, not once per level', () => {
    const text = report('deep.yaml', `tasks: ${'['.repeat(100_000)}\n`);
    expect(text.match(/: error: /g)).toHaveLength(1);
    expect(text).toMatch(/^tasks\/deep\.yaml:1:\d+: error: the file is nested too deeply to read\n/);
    const block = report('block.yaml', `tasks:\n${Array.from({ length: 3000 }, (_, i) => `${' '.repeat(i + 2)}- `).join('\n')}x\n`);
    expect(block.match(/: error: the file is nested too deeply to read/g)).toHaveLength(1);
  });

  it('shows the first 20 syntax errors and counts the rest', () => {
    const source = `tasks:\n${'\t- {id: a, role: gate}\n'.repeat(500)}`;
    const result = analyzeGraphSource('/virtual/tasks/tabs.yaml', source);
    if (result.ok || result.error.reason !== 'invalid') throw new Error('expected diagnostics');
    const { diagnostics } = result.error;
    expect(diagnostics).toHaveLength(21);
    expect(diagnostics[20]?.message).toMatch(/^\d+ more syntax errors from here on$/);
    expect(diagnostics[20]?.hint).toBe('they often follow from the ones before; fix those first and validate again');
  });

  it('keeps positions on their lines when YAML cannot tokenize the line breaks', () => {
    // Old Mac line ends before Windows ones: yaml's own line counter loses count here.
    const source = 'tasks:\r\r\n  - {id: a, role: gate}\r\r\n  - {id: b, role: gate}\r\r\n';
    const result = analyzeGraphSource('/virtual/tasks/crcr.yaml', source);
    if (result.ok || result.error.reason !== 'invalid') throw new Error('expected diagnostics');
    const rows = source.split('\n');
    for (const { position } of result.error.diagnostics) {
      expect(position.column).toBeLessThanOrEqual((rows[position.line - 1] ?? '').length + 1);
    }
    expect(report('crcr.yaml', source)).toContain('tasks/crcr.yaml:3:10: error: YAML syntax error: nested mappings are not allowed in compact mappings\n    3 |   - {id: b, role: gate}\uFFFD\n');
  });

  it('takes a byte order mark only at the start of a JSON file', () => {
    expect(analyzeGraphSource('/virtual/ok.json', '\uFEFF{"tasks": [{"id": "a", "role": "gate"}]}').ok).toBe(true);
    expect(report('bom.json', '{"tasks": [\uFEFF]}')).toBe(
      lines(
        'tasks/bom.json:1:12: error: invalid JSON: expected a value but found "\uFEFF"',
        '    1 | {"tasks": [\uFFFD]}',
        '      |            ^',
        '  hint: strings must be in double quotes',
        '',
        '1 problem in tasks/bom.json',
      ).trimEnd(),
    );
  });

  it('shows control characters in excerpts as U+FFFD and quotes them in messages', () => {
    expect(report('ctrl.yaml', lines('tasks:', '  - id: "a\\e[2J"', '    role: gate'))).toBe(
      lines(
        'tasks/ctrl.yaml:2:9: error: unsafe task id "a\\u001b[2J": it may use only letters, digits, ".", "_" and "-", and must start with a letter or digit',
        '    2 |   - id: "a\\e[2J"',
        '      |         ^^^^^^^^',
        '  hint: use letters, digits, ".", "_" and "-", starting with a letter or digit, at most 64 characters',
        '',
        '1 problem in tasks/ctrl.yaml',
      ).trimEnd(),
    );
    expect(report('nul.yaml', 'tasks: [\u0000]\n').split('\n').slice(1, 3)).toEqual(['    1 | tasks: [\uFFFD]', '      |         ^']);
  });

  it('shortens huge ids in messages and shows a window of huge lines', () => {
    const text = report('huge.yaml', lines('tasks:', `  - id: ${'a'.repeat(1_000_000)}`, '    role: gate'));
    expect(text.length).toBeLessThan(1000);
    expect(text.split('\n').slice(0, 3)).toEqual([
      `tasks/huge.yaml:2:9: error: unsafe task id "${'a'.repeat(48)}"… (1000000 characters): it is 1000000 characters long (at most 64)`,
      `    2 |   - id: ${'a'.repeat(152)}…`,
      `      |         ${'^'.repeat(152)}`,
    ]);
    const wide = report('wide.json', `{"tasks": [{"id": "a", "role": "gate", "title": "${'x'.repeat(300)}", "deps": [1]}]}\n`);
    const [first, excerpt = '', marker = ''] = wide.split('\n');
    expect(first).toBe('tasks/wide.json:1:362: error: "deps[0]" must be a string (got 1)');
    expect(excerpt).toMatch(/^ {4}1 \| …x+", "deps": \[1\]\}\]\}$/);
    expect(excerpt.length).toBeLessThanOrEqual('    1 | …'.length + 160);
    // The marker is still under the place: the 1.
    expect(marker).toMatch(/^ {6}\| +\^$/);
    expect(excerpt[marker.length - 1]).toBe('1');
  });

  it('suggests ids in a graph of thousands of typos without comparing every pair in full', () => {
    const ids = Array.from({ length: 3000 }, (_, i) => `task-${i}`);
    expect(closest('tsak-2999', ids)).toBe('task-2999');
    expect(closest('task-29999', ids)).toBe('task-2999');
    expect(closest('x'.repeat(101), ['x'.repeat(100)])).toBeUndefined();
    // The limit stops the work, not the answer: below it, distances are exact.
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('kitten', 'sitting', 3)).toBe(3);
    expect(editDistance('kitten', 'sitting', 2)).toBe(3);
    expect(editDistance('tiemout', 'timeout', 1)).toBe(1);
    expect(editDistance('a'.repeat(100_000), 'b'.repeat(100_000), 5)).toBe(6);
  });
});
