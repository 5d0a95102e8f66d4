import path from 'node:path';
import YAML from 'yaml';
import { err, ok, type Result } from '../core/result.js';

/**
 * The files `plan` writes: the graph (`tasks/<slug>.yaml` by default) and its checklist
 * (`tasks-<slug>.md` beside it), each task linked to its item as `<checklist>#<task-id>`, the
 * checklist's path relative to the project root, as `tasks/demo.yaml` links `tasks/tasks-demo.md`.
 */

/** A file-name-safe short name from a description: `Add a shout() function!` → `add-a-shout-function`. */
export function slugify(text: string, maxLength = 40): string {
  const words = text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  let slug = '';
  for (const word of words) {
    const next = slug ? `${slug}-${word}` : word;
    if (next.length > maxLength) break;
    slug = next;
  }
  return slug || (words[0]?.slice(0, maxLength) ?? '') || 'plan';
}

/** The description's first line, shortened for titles. */
export function titleOf(description: string, maxLength = 60): string {
  const line = description.trim().split('\n')[0]?.trim() ?? '';
  if (line.length <= maxLength) return line;
  const cut = line.slice(0, maxLength - 1);
  return `${cut.slice(0, cut.lastIndexOf(' ') > 20 ? cut.lastIndexOf(' ') : cut.length)}…`;
}

export interface PlanPaths {
  readonly slug: string;
  /** Absolute. */
  readonly graphFile: string;
  /** Absolute: `tasks-<slug>.md` beside the graph. */
  readonly checklistFile: string;
  /** The checklist as tasks link it: relative to the project root, `/` separated. */
  readonly checklistRef: string;
  /** The graph relative to the project root, for the checklist's text. */
  readonly graphRef: string;
}

/**
 * Where the plan goes. `out` (relative to `cwd`) names the graph, and its base name is the slug;
 * otherwise the description's slug under `<project>/tasks/`. Both files must be inside the
 * project, since checklist links are relative to its root.
 */
export function planPaths(projectRoot: string, description: string, out: string | undefined, cwd: string): Result<PlanPaths, string> {
  const graphFile = out === undefined ? path.join(projectRoot, 'tasks', `${slugify(description)}.yaml`) : path.resolve(cwd, out);
  const ext = path.extname(graphFile).toLowerCase();
  if (ext !== '.yaml' && ext !== '.yml') return err(`the graph is written as YAML: give --out a .yaml or .yml file (got ${out})`);
  const slug = path.basename(graphFile, path.extname(graphFile));
  const checklistFile = path.join(path.dirname(graphFile), `tasks-${slug}.md`);
  const relative = (file: string): string | undefined => {
    const rel = path.relative(projectRoot, file);
    return rel === '' || rel.startsWith('..') || path.isAbsolute(rel) ? undefined : rel.split(path.sep).join('/');
  };
  const checklistRef = relative(checklistFile);
  const graphRef = relative(graphFile);
  if (checklistRef === undefined || graphRef === undefined) return err(`--out must be inside the project (${projectRoot}): checklist links are relative to its root`);
  return ok({ slug, graphFile, checklistFile, checklistRef, graphRef });
}

/** A task as the checklist lists it. */
export interface ChecklistTask {
  readonly id: string;
  readonly title: string;
}

/** The checklist: one `- [ ] <task-id>: <title>` item per task, in graph order. */
export function renderChecklist(name: string, graphRef: string, tasks: readonly ChecklistTask[]): string {
  return [
    `# ${name} checklist`,
    '',
    `Each item is linked from a task of \`${graphRef}\` (its \`checklist\` field).`,
    "A reviewer's approval ticks the item; a rejection unticks it.",
    '',
    ...tasks.map((t) => `- [ ] ${t.id}: ${t.title.replace(/\s*\n\s*/g, ' ')}`),
    '',
  ].join('\n');
}

/** The graph as YAML, after a comment header: long texts as block scalars, `deps: [a, b]` on one line. */
export function renderGraphYaml(data: unknown, header: readonly string[]): string {
  const doc = new YAML.Document(data);
  YAML.visit(doc, {
    Pair(_, pair) {
      if (YAML.isScalar(pair.key) && pair.key.value === 'deps' && YAML.isSeq(pair.value)) pair.value.flow = true;
    },
  });
  const body = doc.toString({ lineWidth: 0, blockQuote: 'literal', flowCollectionPadding: false });
  return `${header.map((l) => `# ${l}`.trimEnd()).join('\n')}\n${body}`;
}
