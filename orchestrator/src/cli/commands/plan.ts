import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { assertNever } from '../../core/result.js';
import { openModelSession } from '../../engine/index.js';
import { planPaths, renderChecklist, titleOf } from '../../planning/plan-files.js';
import { detectProjectCommands, type ProjectCommand } from '../../planning/project-commands.js';
import { instantiate, loadPattern, patternDirs, type Pattern, type PatternFailure } from '../../planning/patterns.js';
import { Exit, UsageError, type Output } from '../output.js';
import { displayPath } from '../runs-dir.js';

export interface PlanCommandOptions {
  readonly description: string;
  /** A pattern name from `patterns/`; offline the default is `feature`. */
  readonly pattern: string | undefined;
  /** The graph file to write; default `tasks/<slug>.yaml` in the project. */
  readonly out: string | undefined;
  readonly force: boolean;
  readonly json: boolean;
  /** The project's root: checklist links and the default `tasks/` are relative to it. */
  readonly projectRoot: string;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

/** The pattern planning starts from offline, when none is named. */
export const OFFLINE_DEFAULT_PATTERN = 'feature';

export const PLAN_JSON_SCHEMA = 'codex-orchestrator/plan@1';

/**
 * `plan "<description>"`: the manager agent turns a description (and a workflow pattern) into a
 * graph, checked like any graph file, and writes it with its checklist. Builders and testers the
 * answer gives no `verify` commands get the project's own checks (`planning/project-commands.ts`). Exit 0 when both are
 * written, 2 for bad input or a plan that stayed invalid after one retry, 1 when the model failed.
 */
export async function planCommand(o: PlanCommandOptions, out: Output): Promise<number> {
  const description = o.description.trim();
  if (description === '') throw new UsageError('the description is empty', 'describe the work to plan, e.g. codex-orchestrator plan "Add a shout(name) function"');
  const paths = planPaths(o.projectRoot, description, o.out, o.cwd);
  if (!paths.ok) throw new UsageError(paths.error);
  const { graphFile, checklistFile } = paths.value;
  const shown = (file: string): string => displayPath(file, o.cwd);
  if (!o.force) {
    const taken = [graphFile, checklistFile].filter((f) => existsSync(f));
    if (taken.length > 0) {
      throw new UsageError(`${taken.map(shown).join(' and ')} already exist${taken.length === 1 ? 's' : ''}`, 'pass --force to overwrite, or choose another graph file with --out');
    }
  }

  const { verify, setup } = await detectProjectCommands(o.projectRoot);
  const model = await openModelSession(o.env, undefined);
  try {
    const patternName = o.pattern ?? (model.kind === 'offline' ? OFFLINE_DEFAULT_PATTERN : undefined);
    let pattern: (Pattern & { filled: unknown }) | undefined;
    if (patternName !== undefined) {
      const loaded = await loadPattern(patternName, patternDirs(o.projectRoot));
      if (!loaded.ok) {
        reportFailure(o, out, { reason: loaded.error.reason, message: describePatternFailure(loaded.error) });
        return Exit.usage;
      }
      pattern = { ...loaded.value, filled: instantiate(loaded.value.data, { description, title: titleOf(description), slug: paths.value.slug }) };
    }
    // The agents (and their SDK) load only for this command.
    const { openAgentRuntime, plan } = await import('../../../../agents/index.js');
    const runtime = await openAgentRuntime({ access: model.access, env: o.env, workflowName: 'codex-orchestrator plan' });
    const modelName = model.kind === 'offline' ? 'offline stand-in' : model.name;
    let result: Awaited<ReturnType<typeof plan>>;
    try {
      result = await plan(runtime, {
        description,
        pattern,
        context: {
          paths: paths.value,
          description,
          displayRoot: o.cwd,
          verify: verify.map((v) => v.command),
          setup: setup.map((s) => s.command),
          header: [
            `Planned by codex-orchestrator${pattern ? ` from the pattern "${pattern.name}"` : ''} (model: ${modelName}).`,
            `Work: ${titleOf(description, 90)}`,
            `Checklist: ${paths.value.checklistRef}. Check this file with: codex-orchestrator validate ${paths.value.graphRef}`,
          ],
        },
      });
    } finally {
      await runtime.close();
    }
    if (!result.ok) {
      const f = result.error;
      if (f.reason === 'invalid-plan') {
        const note = `nothing was written; lines are shown as they would be in ${shown(graphFile)}`;
        reportFailure(o, out, { reason: f.reason, message: `${f.message}. The last answer's problems (${note}):\n${f.problems}`, attempts: f.attempts, problems: f.problems });
        out.info('  hint: describe the work more precisely, or start from a workflow pattern with --pattern NAME');
        return Exit.usage;
      }
      reportFailure(o, out, { reason: f.reason, message: f.message });
      return Exit.failed;
    }
    const planned = result.value;
    const tasks = planned.graph.tasks;
    await mkdir(path.dirname(graphFile), { recursive: true });
    const flag = o.force ? 'w' : 'wx';
    await writeFile(graphFile, planned.yaml, { flag });
    await writeFile(checklistFile, renderChecklist(planned.graph.name, paths.value.graphRef, tasks), { flag });
    if (o.json) {
      out.data(
        JSON.stringify(
          {
            schema: PLAN_JSON_SCHEMA,
            ok: true,
            graph: graphFile,
            checklist: checklistFile,
            name: planned.graph.name,
            pattern: pattern?.name ?? null,
            model: { kind: model.kind, name: model.name },
            attempts: planned.attempts,
            tasks: tasks.map((t) => ({ id: t.id, title: t.title, role: t.role, deps: t.deps, checklist: t.checklist ?? null })),
            order: planned.graph.order,
            verify: { commands: verify, addedTo: planned.verifyAddedTo },
            setup: { commands: setup, added: planned.setupAdded },
          },
          null,
          2,
        ),
      );
    }
    const roles = ['builder', 'tester', 'gate'].map((r) => `${tasks.filter((t) => t.role === r).length} ${r}`).join(', ');
    out.info(
      [
        `planned ${tasks.length} tasks (${roles})${pattern ? ` from the pattern "${pattern.name}"` : ''} with the ${modelName} model${planned.attempts > 1 ? `, after ${planned.attempts} attempts` : ''}:`,
        `  ${shown(graphFile)}`,
        `  ${shown(checklistFile)}`,
        verifyLine(verify, planned.verifyAddedTo),
        ...(setup.length > 0 ? [setupLine(setup, planned.setupAdded)] : []),
        `next: codex-orchestrator validate ${shown(graphFile)}   then: codex-orchestrator run ${shown(graphFile)}`,
      ].join('\n'),
    );
    return Exit.ok;
  } finally {
    await model.close();
  }
}

/** What `plan` says about the dependency installs it found in the project (only when it found some). */
export function setupLine(found: readonly ProjectCommand[], added: boolean): string {
  const commands = found.map((s) => `${s.command} (${s.source})`).join(', ');
  return added ? `setup: ${commands}; written as settings.setup (each task worktree runs it before its agent)` : `setup: ${commands}; the graph sets its own settings.setup`;
}

/** What `plan` says about the verify commands it found in the project, and where it wrote them. */
export function verifyLine(found: readonly ProjectCommand[], addedTo: readonly string[]): string {
  if (found.length === 0) {
    return 'verify: no checks found in the project (package.json scripts, pytest, a Makefile test or check target, go.mod, Cargo.toml); give the builders and testers `verify` commands (a tester whose checks run nothing fails)';
  }
  const commands = found.map((v) => `${v.command} (${v.source})`).join(', ');
  return addedTo.length === 0 ? `verify: ${commands}; every builder and tester has its own` : `verify: ${commands}; added to ${addedTo.join(', ')}`;
}

interface FailureReport {
  readonly reason: string;
  readonly message: string;
  readonly attempts?: number;
  readonly problems?: string;
}

function reportFailure(o: PlanCommandOptions, out: Output, f: FailureReport): void {
  if (o.json) out.data(JSON.stringify({ schema: PLAN_JSON_SCHEMA, ok: false, reason: f.reason, message: f.message, attempts: f.attempts ?? null, problems: f.problems ?? null }, null, 2));
  out.info(`error: could not plan: ${f.message}`);
}

function describePatternFailure(f: PatternFailure): string {
  switch (f.reason) {
    case 'pattern-not-found':
      return `no workflow pattern "${f.name}" (looked in ${f.searched.join(', ')}); available: ${f.available.join(', ') || 'none'}`;
    case 'pattern-invalid':
      return `the workflow pattern ${f.file} is not a valid graph:\n${f.message}`;
    default:
      return assertNever(f, 'pattern failure');
  }
}
