import YAML from 'yaml';
import type { Random } from './battery.js';
import { HOSTILE_IDS } from './fuzz-ids.js';

/**
 * R7's graph fuzzer: from a few good graph files, makes broken ones of every kind people and
 * programs produce: edited text (lines and characters deleted, doubled, swapped, cut off), wrong
 * types, cycles, duplicate and hostile ids, missing and unknown keys, deep nesting, huge numbers,
 * huge graphs, YAML's own features (anchors, aliases, tags, documents), other line endings, and
 * bytes that are not text. Deterministic for a seed.
 */

export interface FuzzedGraph {
  /** What was done to make it, e.g. `demo.yaml: swap-lines, insert-char`. */
  readonly recipe: string;
  readonly ext: 'yaml' | 'json';
  readonly bytes: Buffer;
}

interface Base {
  readonly name: string;
  readonly ext: 'yaml' | 'json';
  readonly text: string;
}

/** The bases: the demo graph (as written, and as JSON) and two small ones in other styles. */
export function fuzzBases(demoYaml: string): Base[] {
  const demo: unknown = YAML.parse(demoYaml);
  return [
    { name: 'demo.yaml', ext: 'yaml', text: demoYaml },
    { name: 'demo.json', ext: 'json', text: `${JSON.stringify(demo, null, 2)}\n` },
    {
      name: 'flow.yaml',
      ext: 'yaml',
      text: 'tasks:\n  - {id: a, role: builder, prompt: "do a"}\n  - {id: b, role: tester, prompt: "check a", deps: [a], verify: ["npm test"]}\n  - {id: ok, role: gate, deps: [b]}\n',
    },
    {
      name: 'small.json',
      ext: 'json',
      text: '{"name":"small","settings":{"timeout":"10m","retries":1},"tasks":[{"id":"one","role":"builder","prompt":"x","timeout":30},{"id":"two","role":"tester","prompt":"y","deps":["one"]}]}\n',
    },
  ];
}

/** Characters that mean something to YAML or JSON, or to a terminal, or are not what they look like. */
const SPECIAL = [...':{}[],"\'-#&*!|>%@`?\t\n\r\\ 0.', '\0', '\u001b', '\uFEFF', '\u00a0', '\u2028', 'é', '😀', '\uFFFD'];

/** Lines that YAML or JSON gives a meaning to. */
const SNIPPETS = [
  '---',
  '...',
  '- id: x',
  '  - id: x',
  'deps: [',
  '  deps: [nope]',
  '&anchor',
  '*anchor',
  '<<: *anchor',
  '!!binary aGVsbG8=',
  '!!js/function f',
  '%YAML 1.2',
  '? complex',
  '"unterminated',
  "'",
  '|',
  '>-',
  '\t- tab',
  '{',
  '}',
  '[',
  ']',
  ',',
  '# comment',
  '//comment',
  '/* c */',
  'tasks: []',
  'tasks:',
  'version: 2',
  'version: "1"',
  'role: root',
  'id: ../../etc',
  'timeout: -5',
  'retries: 1e400',
  'cwd: /etc',
];

/** Values of the wrong type, or of the right type and wrong in some other way. */
const VALUES: readonly unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1.5,
  2 ** 53 + 2,
  -0,
  1e308,
  '',
  ' ',
  '0',
  'x'.repeat(10_000),
  [],
  [null],
  [[[]]],
  {},
  { a: 1 },
  ['a', 1, null],
  'builder',
  'gate',
  '10m',
  '-1s',
  '1e3s',
  'codex-mcp',
  '..',
  '/abs',
  'a\0b',
];

/** Stand-ins in serialized data for text that cannot be written as data. */
const RAW_VALUES = ['1e400', '-1e400', '123456789012345678901234567890', '0x1F', '0o17', '.inf', '-.inf', '.nan', '1_000', '~', 'NaN', 'Infinity', '-0'];

type Data = Record<string, unknown>;

/**
 * Nesting goes this deep at most: three times past where the parsers give up (the JSON check at
 * 256 levels, yaml's stack at about 800). Deeper only makes longer files, and then the time
 * measured is the YAML parser's reading ~70 KB of brackets (0.3 s) rather than anything new.
 */
const MAX_DEPTH = 2500;

export function fuzzGraph(rng: Random, bases: readonly Base[]): FuzzedGraph {
  const base = rng.pick(bases);
  const steps: string[] = [];
  let ext = base.ext;
  let text: string;
  const family = rng.int(0, 99);
  if (family < 40) {
    text = base.text;
  } else if (family < 80) {
    const [mutated, step] = mutateData(rng, YAML.parse(base.text) as Data, ext);
    text = mutated;
    steps.push(step);
  } else {
    const special = rng.pick(SPECIALS);
    steps.push(special.name);
    const made = special.make(rng, base);
    if (Buffer.isBuffer(made)) return { recipe: `${base.name}: ${steps.join(', ')}`, ext, bytes: made };
    text = made.text;
    ext = made.ext;
  }
  // Text edits: at least one for plain copies, sometimes more on top of anything else.
  const edits = family < 40 ? rng.int(1, 4) : rng.chance(0.3) ? rng.int(1, 2) : 0;
  for (let i = 0; i < edits; i++) {
    const edit = rng.pick(TEXT_EDITS);
    text = edit.apply(rng, text);
    steps.push(edit.name);
  }
  return { recipe: `${base.name}: ${steps.join(', ') || 'unchanged'}`, ext, bytes: Buffer.from(text, 'utf8') };
}

// ---------------------------------------------------------------------------------------------
// Text edits

interface TextEdit {
  readonly name: string;
  apply(rng: Random, text: string): string;
}

function lines(text: string): string[] {
  return text.split('\n');
}

const TEXT_EDITS: readonly TextEdit[] = [
  { name: 'delete-line', apply: (rng, t) => withLines(t, (ls) => ls.splice(rng.int(0, ls.length - 1), 1)) },
  {
    name: 'duplicate-line',
    apply: (rng, t) =>
      withLines(t, (ls) => {
        const i = rng.int(0, ls.length - 1);
        ls.splice(i, 0, ls[i] ?? '');
      }),
  },
  {
    name: 'swap-lines',
    apply: (rng, t) =>
      withLines(t, (ls) => {
        const i = rng.int(0, ls.length - 1);
        const j = rng.int(0, ls.length - 1);
        [ls[i], ls[j]] = [ls[j] ?? '', ls[i] ?? ''];
      }),
  },
  {
    name: 'reindent-line',
    apply: (rng, t) =>
      withLines(t, (ls) => {
        const i = rng.int(0, ls.length - 1);
        const line = ls[i] ?? '';
        ls[i] = rng.chance(0.5) ? ' '.repeat(rng.int(1, 4)) + line : line.replace(/^ {1,4}/, '');
      }),
  },
  { name: 'insert-line', apply: (rng, t) => withLines(t, (ls) => ls.splice(rng.int(0, ls.length), 0, ' '.repeat(rng.int(0, 6)) + rng.pick(SNIPPETS))) },
  { name: 'delete-chars', apply: (rng, t) => at(rng, t, (i) => t.slice(0, i) + t.slice(i + rng.int(1, 3))) },
  { name: 'duplicate-chars', apply: (rng, t) => at(rng, t, (i) => t.slice(0, i) + t.slice(i, i + rng.int(1, 3)) + t.slice(i)) },
  { name: 'swap-chars', apply: (rng, t) => at(rng, t, (i) => t.slice(0, i) + (t[i + 1] ?? '') + (t[i] ?? '') + t.slice(i + 2)) },
  { name: 'insert-char', apply: (rng, t) => at(rng, t, (i) => t.slice(0, i) + rng.pick(SPECIAL) + t.slice(i)) },
  { name: 'replace-char', apply: (rng, t) => at(rng, t, (i) => t.slice(0, i) + rng.pick(SPECIAL) + t.slice(i + 1)) },
  { name: 'truncate', apply: (rng, t) => t.slice(0, rng.int(0, t.length)) },
  { name: 'crlf', apply: (_rng, t) => t.replace(/\n/g, '\r\n') },
  { name: 'cr-only', apply: (_rng, t) => t.replace(/\n/g, '\r') },
  { name: 'bom', apply: (_rng, t) => `\uFEFF${t}` },
  { name: 'tabs', apply: (_rng, t) => t.replace(/^( {2})+/gm, (s) => '\t'.repeat(s.length / 2)) },
];

function withLines(text: string, change: (ls: string[]) => void): string {
  const ls = lines(text);
  change(ls);
  return ls.join('\n');
}

function at(rng: Random, text: string, edit: (i: number) => string): string {
  return edit(rng.int(0, Math.max(0, text.length - 1)));
}

// ---------------------------------------------------------------------------------------------
// Data mutations: parse the base, change the data, write it back in the file's format

function tasksOf(data: Data): Data[] {
  const tasks = data['tasks'];
  return Array.isArray(tasks) ? (tasks.filter((t) => typeof t === 'object' && t !== null) as Data[]) : [];
}

const TASK_KEYS = ['id', 'title', 'role', 'prompt', 'deps', 'verify', 'cwd', 'checklist', 'timeout', 'retries'];
const TOP_KEYS = ['version', 'name', 'description', 'settings', 'tasks'];
const SETTINGS_KEYS = ['repo', 'baseRef', 'backend', 'concurrency', 'timeout', 'retries'];

const DATA_MUTATIONS: readonly { readonly name: string; apply(rng: Random, data: Data): void }[] = [
  {
    name: 'random-type',
    apply: (rng, data) => {
      const task = rng.chance(0.7) ? rng.pick(tasksOf(data).concat([data])) : data;
      const keys = task === data ? (rng.chance(0.3) ? SETTINGS_KEYS : TOP_KEYS) : TASK_KEYS;
      const key = rng.pick(keys);
      const target = keys === SETTINGS_KEYS ? ((data['settings'] ??= {}) as Data) : task;
      if (typeof target === 'object' && target !== null) target[key] = structuredClone(rng.pick(VALUES));
    },
  },
  {
    name: 'cycle',
    apply: (rng, data) => {
      const tasks = tasksOf(data);
      const ring = tasks.filter(() => rng.chance(0.6));
      ring.forEach((t, i) => {
        const next = ring[(i + 1) % ring.length];
        t['deps'] = [...(Array.isArray(t['deps']) ? t['deps'] : []), next?.['id']];
      });
    },
  },
  {
    name: 'duplicate-id',
    apply: (rng, data) => {
      const tasks = tasksOf(data);
      rng.pick(tasks.concat([{}]))['id'] = rng.pick(tasks.concat([{}]))['id'];
    },
  },
  {
    name: 'hostile-id',
    apply: (rng, data) => {
      const task = rng.pick(tasksOf(data).concat([{}]));
      if (rng.chance(0.5)) task['id'] = rng.pick(HOSTILE_IDS);
      else task['deps'] = [rng.pick(HOSTILE_IDS)];
    },
  },
  {
    name: 'drop-key',
    apply: (rng, data) => {
      if (rng.chance(0.2)) delete data['tasks'];
      else delete rng.pick(tasksOf(data).concat([{}]))[rng.pick(['id', 'role', 'prompt'])];
    },
  },
  {
    name: 'unknown-key',
    apply: (rng, data) => {
      const target = rng.chance(0.5) ? rng.pick(tasksOf(data).concat([data])) : data;
      target[rng.pick(['dep', 'tiemout', 'promt', 'setting', 'Tasks', '__proto__', 'constructor', '', ' ', 'id ', 'x'.repeat(2000)])] = 1;
    },
  },
  {
    name: 'huge-number',
    apply: (rng, data) => {
      const task = rng.pick(tasksOf(data).concat([data]));
      task[rng.pick(['timeout', 'retries', 'version'])] = `@@RAW:${rng.pick(RAW_VALUES)}@@`;
    },
  },
  {
    name: 'deep-nesting',
    apply: (rng, data) => {
      const task = rng.pick(tasksOf(data).concat([data]));
      task[rng.pick(['deps', 'verify', 'title', 'description', 'settings'])] = `@@DEEP:${rng.int(50, MAX_DEPTH)}:${rng.pick(['[]', '{}'])}@@`;
    },
  },
];

function mutateData(rng: Random, data: Data, ext: 'yaml' | 'json'): [string, string] {
  const names: string[] = [];
  for (let i = rng.int(1, 3); i > 0; i--) {
    const m = rng.pick(DATA_MUTATIONS);
    if (typeof data !== 'object' || data === null) break;
    m.apply(rng, data);
    names.push(m.name);
  }
  return [serialize(data, ext), names.join('+')];
}

function serialize(data: unknown, ext: 'yaml' | 'json'): string {
  const text = ext === 'json' ? `${JSON.stringify(data, null, 2)}\n` : YAML.stringify(data, { lineWidth: 0 });
  // Stand-ins become text the serializers would not write: raw numbers, deep nesting.
  return text.replace(/(["']?)@@(RAW|DEEP):([^@]*)@@\1/g, (_m, _q, kind: string, arg: string) => {
    if (kind === 'RAW') return arg;
    const [depth, pair] = arg.split(':') as [string, string];
    const d = Number(depth);
    return pair === '[]' ? '['.repeat(d) + ']'.repeat(d) : '{"a":'.repeat(d) + '1' + '}'.repeat(d);
  });
}

// ---------------------------------------------------------------------------------------------
// Special files

const SPECIALS: readonly { readonly name: string; make(rng: Random, base: Base): Buffer | { text: string; ext: 'yaml' | 'json' } }[] = [
  {
    name: 'binary-junk',
    make: (rng) => Buffer.from(Array.from({ length: rng.int(1, 2000) }, () => rng.int(0, 255))),
  },
  {
    name: 'bytes-in-text',
    make: (rng, base) => {
      const bytes = Buffer.from(base.text, 'utf8');
      const i = rng.int(0, bytes.length);
      return Buffer.concat([bytes.subarray(0, i), Buffer.from([rng.pick([0x80, 0xbf, 0xc0, 0xc3, 0xe2, 0xed, 0xf0, 0xf5, 0xfe, 0xff])]), bytes.subarray(i)]);
    },
  },
  { name: 'empty', make: (rng, base) => ({ text: rng.pick(['', ' ', '\n\n', '---\n', '...\n', '# only a comment\n', 'null\n', '[]\n', '"tasks"\n']), ext: base.ext }) },
  {
    name: 'unclosed-nesting',
    make: (rng, base) => ({ text: `tasks: ${rng.pick(['[', '{']).repeat(rng.int(100, MAX_DEPTH))}`, ext: base.ext }),
  },
  {
    name: 'deep-block-nesting',
    // Up to 1,200 levels (700 KB of indentation): past where the parser runs out of stack.
    make: (rng, base) => ({ text: `tasks:\n${Array.from({ length: rng.int(50, 1200) }, (_, i) => `${' '.repeat(i + 2)}- `).join('\n')}x\n`, ext: base.ext }),
  },
  {
    name: 'alias-bomb',
    make: (_rng, base) => ({
      text: 'a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ntasks: [*d]\n',
      ext: base.ext,
    }),
  },
  {
    name: 'yaml-features',
    make: (rng, base) => ({
      text: rng.pick([
        'base: &t {role: builder, prompt: x}\ntasks:\n  - <<: *t\n    id: a\n  - <<: *t\n    id: b\n    deps: [a]\n',
        'tasks:\n  - id: !!str 1\n    role: !!binary YnVpbGRlcg==\n    prompt: !custom x\n',
        'tasks:\n  - ? id\n    : a\n    role: gate\n',
        'tasks:\n  - id: a\n    role: gate\n---\ntasks: []\n',
        '%YAML 1.1\n---\ntasks:\n  - {id: a, role: gate, deps: *missing}\n',
        'tasks:\n  - id: a\n    role: gate\n    deps: &d [*d]\n',
        '{tasks: [{id: a, role: gate}], tasks: []}\n',
        `tasks:\n  - id: a\n    role: builder\n    prompt: |\n${'      line\n'.repeat(5000)}`,
      ]),
      ext: base.ext,
    }),
  },
  { name: 'wrong-format', make: (_rng, base) => ({ text: base.text, ext: base.ext === 'yaml' ? 'json' : 'yaml' }) },
  {
    name: 'many-tasks',
    make: (rng, base) => {
      // Up to 1,000 tasks (~100 KB): a hundred times a large real graph. The loader's time grows
      // with the file (the YAML parser reads ~1 MB/s here), so bigger files would measure the parser.
      const n = rng.int(100, 1000);
      const shape = rng.int(0, 4);
      const tasks = Array.from({ length: n }, (_, i) => {
        const deps =
          shape === 0
            ? i > 0
              ? [`task-${i - 1}`]
              : [] // a long chain
            : shape === 1
              ? [`task-${(i + 1) % n}`] // one big cycle
              : shape === 2
                ? [`tsak-${i}`] // a typo in every dependency
                : shape === 3
                  ? Array.from({ length: 5 }, () => `task-${rng.int(0, n - 1)}`) // random, cycles likely
                  : [`task-${i}`]; // every task depends on itself
        return { id: `task-${i}`, role: 'builder', prompt: `do ${i}`, deps };
      });
      return { text: serialize({ tasks }, base.ext), ext: base.ext };
    },
  },
];
