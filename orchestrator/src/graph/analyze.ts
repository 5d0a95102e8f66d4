import { createHash } from 'node:crypto';
import { basename, dirname, extname, posix, resolve, win32 } from 'node:path';
import { quoteId, taskIdProblem, toTaskId, TASK_ID_MAX_LENGTH } from '../core/ids.js';
import { err, ok, type Result } from '../core/result.js';
import { compileSecretPattern } from '../core/secret-patterns.js';
import type { Diagnostic, SourcePosition } from '../core/source-position.js';
import type { AnalyzedGraph, AnalyzedTask, FanOutSpec, GateApproval } from './analyzed.js';
import { cycleThrough, stronglyConnectedComponents, topologicalOrder } from './cycles.js';
import type { GraphSourceMap, ParsedGraphSource } from './parse.js';
import {
  type Approval,
  DEFAULT_CONCURRENCY,
  DEFAULT_MAX_FIX_ATTEMPTS,
  MAX_DEFAULT_KEPT_WORKTREES,
  DEFAULT_RETRY_BACKOFF_MS,
  DEFAULT_SETUP_TIMEOUT_MS,
  DEFAULT_TASK_TIMEOUT_MS,
  durationMs,
  Role,
  TaskGraph,
} from './schema.js';
import { closest } from './suggest.js';
import { isRecord, issueDiagnostics, taskName } from './zod-issues.js';

/**
 * Checks a parsed graph file against the schema and the rules zod cannot express, and applies
 * the defaults. Reports every problem it finds, sorted by position, rather than stopping at the
 * first: fixing a graph file should take one round trip, not one per mistake.
 */
export function analyzeGraph(file: string, source: string, parsed: ParsedGraphSource, files?: FileProbe): Result<AnalyzedGraph, Diagnostic[]> {
  const checked = TaskGraph.safeParse(parsed.data);
  const diagnostics = [
    ...(checked.success ? [] : issueDiagnostics(checked.error.issues, parsed.data, parsed.positions)),
    // The structural checks read the raw data leniently, so they still run when zod has complaints.
    ...structureDiagnostics(sketchTasks(parsed.data), parsed.data, parsed.positions, { graphDir: dirname(file), files }),
    ...secretPatternDiagnostics(parsed.data, parsed.positions),
    ...mcpServerDiagnostics(parsed.data, parsed.positions),
  ].sort((a, b) => a.position.line - b.position.line || a.position.column - b.position.column);
  if (!checked.success || diagnostics.length > 0) return err(diagnostics);
  return ok(build(file, source, checked.data));
}

/**
 * Tells whether a file exists. Loading a graph from disk passes one, so a missing
 * `instructionsFile` is reported like any other mistake; analyzing text alone does not look.
 */
export interface FileProbe {
  isFile(absolutePath: string): boolean;
}

/** What the structural checks need from one task, taken from the raw data whatever its shape. */
interface TaskSketch {
  readonly index: number;
  readonly id: string | undefined;
  readonly role: Role | undefined;
  readonly prompt: unknown;
  readonly deps: readonly { readonly name: string; readonly index: number }[];
  readonly cwd: unknown;
  readonly instructions: unknown;
  readonly instructionsFile: unknown;
  readonly fix: unknown;
  readonly approval: unknown;
  readonly fanOut: unknown;
  readonly when: unknown;
  /** Keys present on the task (for fields that only some roles take). */
  readonly keys: readonly string[];
}

function sketchTasks(data: unknown): TaskSketch[] {
  const tasks = isRecord(data) ? data['tasks'] : undefined;
  if (!Array.isArray(tasks)) return [];
  return tasks.flatMap((task: unknown, index): TaskSketch[] => {
    if (!isRecord(task)) return [];
    const role = Role.safeParse(task['role']);
    const deps = Array.isArray(task['deps']) ? task['deps'] : [];
    return [
      {
        index,
        id: typeof task['id'] === 'string' ? task['id'] : undefined,
        role: role.success ? role.data : undefined,
        prompt: task['prompt'],
        deps: deps.flatMap((name: unknown, i) => (typeof name === 'string' ? [{ name, index: i }] : [])),
        cwd: task['cwd'],
        instructions: task['instructions'],
        instructionsFile: task['instructionsFile'],
        fix: task['fix'],
        approval: task['approval'],
        fanOut: task['fanOut'],
        when: task['when'],
        keys: Object.keys(task),
      },
    ];
  });
}

interface FileContext {
  readonly graphDir: string;
  readonly files: FileProbe | undefined;
}

function structureDiagnostics(tasks: readonly TaskSketch[], data: unknown, positions: GraphSourceMap, context: FileContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  const firstById = new Map<string, TaskSketch>();
  for (const task of tasks) {
    if (task.id === undefined) continue;
    // Positions are looked up only for what is reported: looking up every id and dependency cost
    // a 10,000-task graph most of the analyzer's time.
    const position = (): SourcePosition => positions.valueAt(['tasks', task.index, 'id']);
    const problem = taskIdProblem(task.id);
    if (problem !== undefined) {
      out.push({
        position: position(),
        message: `unsafe task id ${quoteId(task.id)}: ${problem}`,
        hint: `use letters, digits, ".", "_" and "-", starting with a letter or digit, at most ${TASK_ID_MAX_LENGTH} characters`,
      });
    }
    const first = firstById.get(task.id);
    if (first === undefined) {
      firstById.set(task.id, task);
      continue;
    }
    const at = positions.valueAt(['tasks', first.index, 'id']);
    out.push({
      position: position(),
      message: `duplicate task id ${quoteId(task.id)}`,
      hint: `the first task with this id is at ${at.line}:${at.column}; give each task its own id`,
    });
  }

  const ids = [...firstById.keys()];
  const edges: number[][] = tasks.map(() => []);
  const slot = new Map(tasks.map((t, i) => [t, i]));
  for (const [i, task] of tasks.entries()) {
    let shown: string | undefined;
    const name = (): string => (shown ??= taskName(data, task.index));
    for (const dep of task.deps) {
      const position = (): SourcePosition => positions.valueAt(['tasks', task.index, 'deps', dep.index]);
      const target = firstById.get(dep.name);
      if (dep.name === task.id) {
        out.push({ position: position(), message: `${name()} depends on itself`, hint: 'remove it from its own "deps"' });
      } else if (target === undefined) {
        const guess = closest(dep.name, ids);
        out.push({
          position: position(),
          message: `unknown dependency ${quoteId(dep.name)} in ${name()}`,
          hint: guess !== undefined ? `did you mean ${JSON.stringify(guess)}?` : 'no task has this id; add the task or remove the dependency',
        });
      } else {
        edges[i]!.push(slot.get(target)!);
      }
    }
    out.push(
      ...taskFieldDiagnostics(task, name, positions),
      ...instructionsDiagnostics(task, name, positions, context),
      ...approvalDiagnostics(task, name, positions, firstById),
      ...fanOutDiagnostics(task, name, positions, firstById),
    );
  }

  for (const component of stronglyConnectedComponents(edges)) {
    if (component.length < 2) continue; // self-dependencies are reported above and not in `edges`
    const cycle = cycleThrough(edges, component).map((i) => tasks[i]!);
    const related = cycle.map((from, k) => {
      const to = cycle[(k + 1) % cycle.length]!;
      const dep = from.deps.find((d) => d.name === to.id)!;
      return {
        position: positions.valueAt(['tasks', from.index, 'deps', dep.index]),
        message: `${taskName(data, from.index)} depends on ${quoteId(to.id ?? '')}`,
      };
    });
    out.push({
      position: related[0]!.position,
      message: `dependency cycle: ${[...cycle, cycle[0]!].map((t) => shownId(t.id ?? '')).join(' -> ')}`,
      hint: 'no task in a cycle can ever start; remove one of these dependencies',
      related,
    });
  }
  return out;
}

/** A safe id as written (as in `a -> b -> a`), any other quoted. */
function shownId(id: string): string {
  return taskIdProblem(id) === undefined ? id : quoteId(id);
}

/** `name`: how messages name the task (made only for a message). */
function taskFieldDiagnostics(task: TaskSketch, name: () => string, positions: GraphSourceMap): Diagnostic[] {
  const out: Diagnostic[] = [];
  if ((task.role === 'builder' || task.role === 'tester' || task.role === 'manual') && (task.prompt === undefined || isBlank(task.prompt))) {
    const empty = task.prompt !== undefined;
    out.push({
      position: positions.valueAt(['tasks', task.index, empty ? 'prompt' : 'role']),
      message: `${task.role} ${name()} has ${empty ? 'an empty' : 'no'} prompt`,
      hint: task.role === 'manual' ? 'add a "prompt" saying what the operator does (its runbook shows it)' : 'add a "prompt" telling the agent what to do; only gate tasks may leave it out',
    });
  }
  out.push(...roleFieldDiagnostics(task, name, positions));
  if (typeof task.cwd === 'string' && task.cwd !== '') {
    const position = (): SourcePosition => positions.valueAt(['tasks', task.index, 'cwd']);
    const got = JSON.stringify(task.cwd);
    const problem = cwdProblem(task.cwd);
    if (problem === 'absolute') {
      out.push({
        position: position(),
        message: `"cwd" must be relative to the repository (got ${got})`,
        hint: 'write it from the repository root, e.g. "packages/api"',
      });
    } else if (problem === 'outside') {
      out.push({
        position: position(),
        message: `"cwd" must stay inside the repository (got ${got})`,
        hint: 'a task works in its own worktree and cannot reach outside it',
      });
    }
  }
  return out;
}

/** Task fields that only some roles take: the fix loop is a builder's and a tester's (its builders rework its findings), a verdict needs an agent. */
const ROLE_FIELDS: readonly { readonly key: string; readonly roles: readonly Role[]; readonly hint: string }[] = [
  { key: 'judge', roles: ['builder', 'tester'], hint: 'remove "judge"; a gate is decided by a reviewer, not by the tester agent' },
  { key: 'maxFixAttempts', roles: ['builder', 'tester'], hint: 'remove "maxFixAttempts"; a gate is decided by a reviewer and fixes nothing' },
  { key: 'setup', roles: ['builder', 'tester'], hint: 'remove "setup"; a gate has no worktree to set up' },
  { key: 'fix', roles: ['builder', 'tester'], hint: 'remove "fix"; a gate is decided by a reviewer and fixes nothing' },
  { key: 'expectChanges', roles: ['builder'], hint: 'remove "expectChanges"; only a builder is expected to change files' },
  { key: 'approval', roles: ['gate'], hint: 'remove "approval"; only a gate waits for a reviewer, put it on a gate that depends on this task' },
  { key: 'fanOut', roles: ['builder'], hint: 'remove "fanOut"; only a builder fans out into the steps of a plan' },
  { key: 'when', roles: ['builder', 'tester'], hint: 'remove "when"; a gate waits for a reviewer, it never runs as a rollback' },
];

/**
 * What a manual task cannot have: it is done by hand (`migrate execute <task> --status done`), so
 * it has no worktree, no agent, no checks and no fix loop.
 */
const MANUAL_FIELDS: readonly string[] = ['verify', 'setup', 'cwd', 'judge', 'fix', 'maxFixAttempts', 'fanOut', 'approval', 'expectChanges', 'when'];

function roleFieldDiagnostics(task: TaskSketch, name: () => string, positions: GraphSourceMap): Diagnostic[] {
  if (task.role === undefined) return [];
  const role = task.role;
  if (role === 'manual') {
    return MANUAL_FIELDS.filter((key) => task.keys.includes(key)).map((key) => ({
      position: positions.keyAt(['tasks', task.index, key]),
      message: `manual ${name()} cannot have "${key}"`,
      hint: `remove "${key}"; a manual task is done by hand (migrate execute ${task.id ?? '<task>'} --status done), with no worktree, agent or checks`,
    }));
  }
  const out: Diagnostic[] = ROLE_FIELDS.filter((f) => task.keys.includes(f.key) && !f.roles.includes(role)).map((f) => ({
    position: positions.keyAt(['tasks', task.index, f.key]),
    message: `${role} ${name()} cannot have "${f.key}" (${f.roles.join(' and ')} only)`,
    hint: f.hint,
  }));
  if (role === 'builder' && isBlank(task.fix)) {
    out.push({ position: positions.valueAt(['tasks', task.index, 'fix']), message: `${name()} has an empty "fix"`, hint: 'say what a fix attempt should do, or remove the key' });
  }
  return out;
}

/**
 * A gate's `approval`: its artifact is a path inside the repository, comes with the author that
 * writes it and the sections it must have, and the author is one of the gate's dependencies and a
 * builder (only a builder's result holds files). `approval` on other roles is `ROLE_FIELDS`'.
 */
function approvalDiagnostics(task: TaskSketch, name: () => string, positions: GraphSourceMap, byId: ReadonlyMap<string, TaskSketch>): Diagnostic[] {
  const a = task.approval;
  if (task.role !== 'gate' || !isRecord(a)) return [];
  const at = (key: string): (string | number)[] => ['tasks', task.index, 'approval', key];
  const out: Diagnostic[] = [];
  const artifact = a['artifact'];
  const author = a['author'];
  const sections = a['sections'];
  if (artifact === undefined) {
    for (const key of ['author', 'sections'] as const) {
      if (a[key] === undefined) continue;
      out.push({
        position: positions.keyAt(at(key)),
        message: `the approval of gate ${name()} has "${key}" but no "artifact"`,
        hint: `add "artifact": the path of the markdown file the author writes (relative to the repository root), or remove "${key}"`,
      });
    }
    return out;
  }
  if (typeof artifact === 'string' && artifact !== '') {
    const problem = artifactPathProblem(artifact);
    const got = JSON.stringify(artifact);
    if (problem !== undefined) {
      out.push({
        position: positions.valueAt(at('artifact')),
        message:
          problem === 'absolute'
            ? `"approval.artifact" must be relative to the repository (got ${got})`
            : problem === 'outside'
              ? `"approval.artifact" must not contain ".." (got ${got})`
              : `"approval.artifact" must name a file (got ${got})`,
        hint: 'write the path from the repository root, e.g. "migrations/migration_x/artifacts/MIG-1-assessment.md"; it is read from the author\'s result commit',
      });
    }
  }
  if (author === undefined) {
    out.push({
      position: positions.keyAt(at('artifact')),
      message: `the artifact of gate ${name()} has no "author"`,
      hint: 'add "author": the dependency whose result holds the artifact (it revises the artifact when the gate is rejected)',
    });
  }
  if (sections === undefined || (Array.isArray(sections) && sections.length === 0)) {
    out.push({
      position: sections === undefined ? positions.keyAt(at('artifact')) : positions.valueAt(at('sections')),
      message: `the artifact of gate ${name()} has ${sections === undefined ? 'no' : 'an empty'} "sections"`,
      hint: 'list the headings the artifact must have, filled in, e.g. sections: [Migration, Motivation, Risk Level]',
    });
  }
  if (typeof author === 'string' && author !== '') {
    const position = (): SourcePosition => positions.valueAt(at('author'));
    const deps = task.deps.map((d) => d.name);
    const target = byId.get(author);
    if (!deps.includes(author)) {
      const guess = closest(author, deps);
      out.push({
        position: position(),
        message: `the author ${quoteId(author)} of gate ${name()}'s artifact is not one of its deps`,
        hint:
          guess !== undefined
            ? `did you mean ${JSON.stringify(guess)}?`
            : deps.length > 0
              ? `name one of its deps (${deps.join(', ')}), or add ${JSON.stringify(author)} to "deps"`
              : `add ${JSON.stringify(author)} to the gate's "deps"`,
      });
    } else if (target?.role !== undefined && target.role !== 'builder') {
      out.push({
        position: position(),
        message: `the author ${quoteId(author)} of gate ${name()}'s artifact is a ${target.role}, not a builder`,
        hint: "name the builder that writes the artifact: only a builder's result holds files, and it revises them when the gate is rejected",
      });
    }
  }
  return out;
}

/**
 * A builder's `fanOut`: the plan is a path inside the repository, `from` is one of its deps (a gate
 * whose approval's artifact is the plan, or a builder), and the steps' reports a path with `{k}`.
 * A fan-out is never a rollback (`when: failure`), and a rollback needs a dependency to watch.
 */
function fanOutDiagnostics(task: TaskSketch, name: () => string, positions: GraphSourceMap, byId: ReadonlyMap<string, TaskSketch>): Diagnostic[] {
  const out: Diagnostic[] = [];
  if (task.when === 'failure' && task.deps.length === 0) {
    out.push({
      position: positions.valueAt(['tasks', task.index, 'when']),
      message: `${name()} runs only when a dependency fails ("when: failure") but has no "deps"`,
      hint: 'add the tasks it rolls back to "deps", or remove "when"',
    });
  }
  const f = task.fanOut;
  if (task.role !== 'builder' || !isRecord(f)) return out;
  const at = (key: string): (string | number)[] => ['tasks', task.index, 'fanOut', key];
  if (task.when === 'failure') {
    out.push({
      position: positions.keyAt(['tasks', task.index, 'when']),
      message: `${name()} fans out, so it cannot also be a rollback ("when: failure")`,
      hint: 'remove "when"; give the rollback its own task',
    });
  }
  const artifact = f['artifact'];
  if (typeof artifact === 'string' && artifact !== '') {
    const problem = artifactPathProblem(artifact);
    if (problem !== undefined) {
      out.push({
        position: positions.valueAt(at('artifact')),
        message: `"fanOut.artifact" must be a file inside the repository (got ${JSON.stringify(artifact)})`,
        hint: 'write the plan\'s path from the repository root, e.g. "migrations/migration_x/artifacts/MIG-3-execution-plan.md"',
      });
    }
  }
  const reports = f['stepArtifacts'];
  if (typeof reports === 'string' && reports !== '') {
    const problem = reports.includes('{k}') ? artifactPathProblem(reports.replaceAll('{k}', '1')) : 'no-k';
    if (problem !== undefined) {
      out.push({
        position: positions.valueAt(at('stepArtifacts')),
        message:
          problem === 'no-k'
            ? `"fanOut.stepArtifacts" must hold "{k}", the step's number (got ${JSON.stringify(reports)})`
            : `"fanOut.stepArtifacts" must be a file inside the repository (got ${JSON.stringify(reports)})`,
        hint: 'write a path from the repository root with {k} where the step\'s number goes, e.g. "migrations/migration_x/artifacts/MIG-4.{k}-step.md"',
      });
    }
  }
  const from = f['from'];
  if (typeof from !== 'string' || from === '') return out;
  const deps = task.deps.map((d) => d.name);
  const source = byId.get(from);
  if (!deps.includes(from)) {
    const guess = closest(from, deps);
    out.push({
      position: positions.valueAt(at('from')),
      message: `the fan-out of ${name()} comes from ${quoteId(from)}, which is not one of its deps`,
      hint: guess !== undefined ? `did you mean ${JSON.stringify(guess)}?` : `add ${JSON.stringify(from)} to "deps": the plan is read once it is done`,
    });
  } else if (source?.role === 'tester') {
    out.push({
      position: positions.valueAt(at('from')),
      message: `the fan-out of ${name()} comes from ${quoteId(from)}, a tester`,
      hint: "name the gate that approves the plan, or the builder that writes it: only a builder's result holds files",
    });
  } else if (source?.role === 'gate') {
    const approval = isRecord(source.approval) ? source.approval['artifact'] : undefined;
    const same = typeof approval === 'string' && typeof artifact === 'string' && normaliseCwd(approval) === normaliseCwd(artifact);
    if (!same) {
      out.push({
        position: positions.valueAt(at('from')),
        message: `gate ${quoteId(from)} does not approve ${typeof artifact === 'string' ? JSON.stringify(artifact) : 'the plan'} (its "approval.artifact" is ${typeof approval === 'string' ? JSON.stringify(approval) : 'not set'})`,
        hint: 'fan out from the gate whose approval names the plan, so the steps are those a reviewer approved',
      });
    }
  }
  return out;
}

/** Why an artifact path cannot be read from a commit as written. */
function artifactPathProblem(file: string): 'absolute' | 'outside' | 'not-a-file' | undefined {
  if (posix.isAbsolute(file) || win32.isAbsolute(file)) return 'absolute';
  if (file.replace(/\\/g, '/').split('/').includes('..')) return 'outside';
  return normaliseCwd(file) === undefined ? 'not-a-file' : undefined;
}

/** `settings.mcpServers` names are unique: Codex knows each server by its name. */
function mcpServerDiagnostics(data: unknown, positions: GraphSourceMap): Diagnostic[] {
  const settings = isRecord(data) ? data['settings'] : undefined;
  const servers = isRecord(settings) ? settings['mcpServers'] : undefined;
  if (!Array.isArray(servers)) return [];
  const first = new Map<string, number>();
  return servers.flatMap((server: unknown, i): Diagnostic[] => {
    const name = isRecord(server) ? server['name'] : undefined;
    if (typeof name !== 'string') return [];
    const earlier = first.get(name);
    if (earlier === undefined) {
      first.set(name, i);
      return [];
    }
    return [
      {
        position: positions.valueAt(['settings', 'mcpServers', i, 'name']),
        message: `duplicate MCP server name "${name}" (also settings.mcpServers[${earlier}])`,
        hint: 'give each MCP server its own name',
      },
    ];
  });
}

/** Every `settings.secrets` entry must be a pattern the redactor can use. */
function secretPatternDiagnostics(data: unknown, positions: GraphSourceMap): Diagnostic[] {
  const settings = isRecord(data) ? data['settings'] : undefined;
  const patterns = isRecord(settings) ? settings['secrets'] : undefined;
  if (!Array.isArray(patterns)) return [];
  return patterns.flatMap((pattern: unknown, i): Diagnostic[] => {
    if (typeof pattern !== 'string' || pattern === '') return [];
    const compiled = compileSecretPattern(pattern);
    if (compiled.ok) return [];
    const position = positions.valueAt(['settings', 'secrets', i]);
    const name = `"settings.secrets[${i}]"`;
    switch (compiled.error.reason) {
      case 'invalid':
        return [{ position, message: `${name} is not a valid regular expression: ${compiled.error.detail}`, hint: PATTERN_HINT }];
      case 'matches-empty':
        return [
          {
            position,
            message: `${name} matches the empty string, so it would mark every position of every file as a secret`,
            hint: 'make it match at least one character, e.g. "[A-Za-z0-9]+" rather than "[A-Za-z0-9]*"',
          },
        ];
    }
  });
}

const PATTERN_HINT = 'write a JavaScript regular expression without slashes or flags, e.g. "ghp_[A-Za-z0-9]{36}"; put a backslash before ( ) [ ] { } . * + ? | ^ $ \\ to match it as written';

function instructionsDiagnostics(task: TaskSketch, name: () => string, positions: GraphSourceMap, context: FileContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  const text = task.instructions;
  const file = task.instructionsFile;
  if (text === undefined && file === undefined) return out;
  if (task.role === 'gate' || task.role === 'manual') {
    const key = text !== undefined ? 'instructions' : 'instructionsFile';
    out.push({
      position: positions.keyAt(['tasks', task.index, key]),
      message: `${task.role} ${name()} has no agent, so "${key}" would have no effect`,
      hint: `remove "${key}"; instructions are for builder and tester tasks`,
    });
    return out;
  }
  if (text !== undefined && file !== undefined) {
    out.push({
      position: positions.keyAt(['tasks', task.index, 'instructionsFile']),
      message: `${name()} sets both "instructions" and "instructionsFile"`,
      hint: 'keep one: the instructions themselves, or the path of a markdown file that holds them',
    });
  }
  if (isBlank(text)) {
    out.push({
      position: positions.valueAt(['tasks', task.index, 'instructions']),
      message: `${name()} has empty "instructions"`,
      hint: "write the instructions, or remove the key to use the role's own",
    });
  }
  if (typeof file === 'string' && file.trim() !== '') {
    const position = positions.valueAt(['tasks', task.index, 'instructionsFile']);
    if (posix.isAbsolute(file) || win32.isAbsolute(file)) {
      out.push({
        position,
        message: `"instructionsFile" must be relative to the graph file (got ${JSON.stringify(file)})`,
        hint: 'write the path from the folder that holds the graph file, e.g. "../agents/careful-builder.md"',
      });
    } else if (context.files && !context.files.isFile(resolve(context.graphDir, file))) {
      out.push({
        position,
        message: `instructions file ${JSON.stringify(file)} of ${name()} does not exist (looked for ${resolve(context.graphDir, file)})`,
        hint: 'the path is relative to the graph file; create the file or fix the path',
      });
    }
  }
  return out;
}

function isBlank(value: unknown): boolean {
  return typeof value === 'string' && value.trim() === '';
}

/** Why a `cwd` cannot be used as written: an absolute path, or one that leads out of the repository. */
export function cwdProblem(cwd: string): 'absolute' | 'outside' | undefined {
  if (posix.isAbsolute(cwd) || win32.isAbsolute(cwd)) return 'absolute';
  return normaliseCwd(cwd)?.split('/')[0] === '..' ? 'outside' : undefined;
}

/** `a//b/./c/` -> `a/b/c`; undefined for the repository root itself. */
export function normaliseCwd(cwd: string): string | undefined {
  const normal = posix.normalize(cwd.replace(/\\/g, '/')).replace(/\/+$/, '');
  return normal === '.' || normal === '' ? undefined : normal;
}

function gateApproval(a: Approval): GateApproval {
  const artifact = a.artifact === undefined ? undefined : normaliseCwd(a.artifact);
  return { criteria: a.criteria ?? [], artifact, author: a.author === undefined ? undefined : toTaskId(a.author), sections: a.sections ?? [], revise: a.revise !== false };
}

/** A builder's fan-out with the plan's author found: the gate's author, or the builder `from` names. */
function fanOutSpec(id: string, f: NonNullable<TaskGraph['tasks'][number]['fanOut']>, graph: TaskGraph): FanOutSpec {
  const artifact = normaliseCwd(f.artifact) ?? f.artifact;
  const source = graph.tasks.find((t) => t.id === f.from);
  const author = source?.role === 'gate' ? (source.approval?.author ?? f.from) : f.from;
  const folder = posix.dirname(artifact);
  const stepArtifacts = f.stepArtifacts === undefined ? `${folder === '.' ? '' : `${folder}/`}${id}-step-{k}.md` : (normaliseCwd(f.stepArtifacts) ?? f.stepArtifacts);
  return { artifact, section: f.section, from: toTaskId(f.from), author: toTaskId(author), stepArtifacts };
}

function build(file: string, source: string, graph: TaskGraph): AnalyzedGraph {
  const settings = graph.settings;
  const tasks: AnalyzedTask[] = graph.tasks.map((task, index) => {
    const timeout = task.timeout ?? settings.timeout;
    return {
      id: toTaskId(task.id),
      title: task.title ?? task.id,
      role: task.role,
      prompt: task.prompt,
      deps: [...new Set(task.deps)].map(toTaskId),
      verify: task.verify,
      setup: task.role === 'gate' || task.role === 'manual' ? [] : (task.setup ?? settings.setup ?? []),
      cwd: task.cwd === undefined ? undefined : normaliseCwd(task.cwd),
      instructions:
        task.instructions !== undefined
          ? { kind: 'text', text: task.instructions }
          : task.instructionsFile !== undefined
            ? { kind: 'file', path: resolve(dirname(file), task.instructionsFile) }
            : undefined,
      checklist: task.checklist,
      timeoutMs: timeout === undefined ? DEFAULT_TASK_TIMEOUT_MS : durationMs(timeout),
      retries: task.retries ?? settings.retries ?? 0,
      judge: task.role === 'gate' || task.role === 'manual' ? false : (task.judge ?? task.role === 'tester'),
      maxFixAttempts: task.role === 'builder' || task.role === 'tester' ? (task.maxFixAttempts ?? settings.maxFixAttempts ?? DEFAULT_MAX_FIX_ATTEMPTS) : 0,
      fix: task.fix,
      expectChanges: task.role === 'builder' && task.expectChanges !== false,
      approval: task.role === 'gate' && task.approval !== undefined ? gateApproval(task.approval) : undefined,
      fanOut: task.role === 'builder' && task.fanOut !== undefined ? fanOutSpec(task.id, task.fanOut, graph) : undefined,
      when: task.when ?? 'success',
      index,
    };
  });
  const position = new Map(tasks.map((t, i) => [t.id as string, i]));
  const order = topologicalOrder(tasks.map((t) => t.deps.map((d) => position.get(d)!)));
  if (order === undefined) throw new Error('Internal error: cycle left after analysis');
  return {
    file,
    source,
    sha256: createHash('sha256').update(source, 'utf8').digest('hex'),
    name: graph.name ?? basename(file, extname(file)),
    settings: {
      repo: settings.repo === undefined ? undefined : resolve(dirname(file), settings.repo),
      baseRef: settings.baseRef ?? 'HEAD',
      backend: settings.backend ?? 'codex-app-server',
      concurrency: {
        builder: settings.concurrency?.builder ?? DEFAULT_CONCURRENCY.builder,
        tester: settings.concurrency?.tester ?? DEFAULT_CONCURRENCY.tester,
      },
      retryBackoffMs: settings.retryBackoff === undefined ? DEFAULT_RETRY_BACKOFF_MS : durationMs(settings.retryBackoff),
      runTimeoutMs: settings.runTimeout === undefined ? undefined : durationMs(settings.runTimeout),
      // What reaches an MCP server through its environment is a secret of the run too.
      secrets: { patterns: settings.secrets ?? [], env: [...new Set([...(settings.secretEnv ?? []), ...(settings.mcpServers ?? []).flatMap((m) => m.env)])] },
      mcpServers: settings.mcpServers ?? [],
      agents: settings.agents ?? true,
      model: settings.model,
      maxTokens: settings.maxTokens,
      setupTimeoutMs: settings.setupTimeout === undefined ? DEFAULT_SETUP_TIMEOUT_MS : durationMs(settings.setupTimeout),
      setupCache: settings.setupCache ?? 'copy',
      worktreeRoot: settings.worktreeRoot === undefined ? undefined : resolve(dirname(file), settings.worktreeRoot),
      keptWorktrees:
        settings.keptWorktrees ?? Math.min(MAX_DEFAULT_KEPT_WORKTREES, (settings.concurrency?.builder ?? DEFAULT_CONCURRENCY.builder) + (settings.concurrency?.tester ?? DEFAULT_CONCURRENCY.tester)),
    },
    tasks,
    order: order.map((i) => tasks[i]!.id),
  };
}
