import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { isRunId, quoteId, type RunId } from '../core/ids.js';
import { orchestratorVersion } from '../core/package-info.js';
import { isBackendName } from '../graph/backend-names.js';
import type { DecisionRequest } from '../review/decide.js';
import { renderReadFailure } from '../store/read-failure.js';
import { consoleOutput, Exit, UsageError, type Output } from './output.js';
import { resolveRunsDir } from './runs-dir.js';

const HELP = `codex-orchestrator — run a graph of coding tasks with Codex agents in parallel git worktrees

usage:
  codex-orchestrator run <graph> [--concurrency N|builder=N,tester=M] [--backend codex-mcp|codex-app-server|codex-exec]
                                 [--agents on|off] [--model offline|openai|codex-login] [--detach] [--json] [--keep-worktrees] [--exit-at-gates]
  codex-orchestrator poll <run-id|latest> [--watch] [--json] [--interval SECONDS]
  codex-orchestrator ls [--status STATUS] [--json]
  codex-orchestrator resume <run-id|latest> [--detach] [--json] [--keep-worktrees] [--exit-at-gates]
  codex-orchestrator stop <run-id|latest> [--json] [--wait SECONDS]
  codex-orchestrator validate <graph> [--json]
  codex-orchestrator review <run-id|latest> [--task T] [--json]
  codex-orchestrator approve <run-id|latest> --task T [--reviewer NAME] [--note TEXT] [--json]
  codex-orchestrator reject <run-id|latest> --task T [--reviewer NAME] --reason TEXT [--json]
  codex-orchestrator send <run-id|latest> --task T "<follow-up prompt>" [--json]
  codex-orchestrator retry <run-id|latest> --task T [--reload] [--json]
  codex-orchestrator verify <run-id|latest> [--json]
  codex-orchestrator spec-guard [--json]
  codex-orchestrator plan "<description>" [--pattern NAME] [--out FILE] [--force] [--json]
  codex-orchestrator migrate assess [--path DIR] [--output FILE] [--json]
  codex-orchestrator migrate setup [--connector NAME]... [--mcp NAME]... [--force] [--check] [--json]
  codex-orchestrator migrate plan "<description>" [--from-assessment FILE] [--json]
  codex-orchestrator migrate run [--workspace DIR] [--new] [--wait-at-gates] [--detach] [run's --backend, --concurrency, --agents, --model] [--json]
  codex-orchestrator migrate status [--workspace DIR] [--json]
  codex-orchestrator migrate execute [TASK --status done|blocked|running [--note TEXT] [--by NAME]] [--workspace DIR] [--json]

options for every command:
  --runs-dir DIR   where runs live (default: .runs/ at the top of the current git repository)
  -h, --help       this text
  --version        the version

exit codes: 0 ok, 1 a task or check failed, 2 bad usage or bad input file, 3 internal error,
130/143 stopped by SIGINT/SIGTERM. With --json, data goes to stdout and messages to stderr.
Model (run --model, else settings.model): OPENAI_API_KEY if set, else your Codex sign-in
($CODEX_HOME/auth.json), else the offline model server (a deterministic stand-in).
Runs are sealed with the project's key in .codex-orchestrator/keys/ (or $CODEX_ORCHESTRATOR_KEYS_DIR).
approve and reject without --reviewer name the reviewer from git config user.name.
migrate assess reads a repository (never changes it) and writes a migration report (default
migration-report.md in the current folder): what it has, complexity, risk, effort and a phased plan.
migrate setup writes .codex/migrate/manifest.toml (the systems a migration touches and the MCP servers
its tasks get; edit it by hand) and an empty .codex/migrate/index.json at the project's top; it never
replaces a manifest without --force (which keeps a backup); --check validates the manifest.
migrate plan makes a workspace migrations/migration_<slug>/ (plan.md, journal.md, tasks.json, prompt.txt,
artifacts/, runs/) with the gated phases MIG-1…MIG-6 and parallel workstreams, registered in
.codex/migrate/index.json. migrate run runs its graph (or continues its last run) and ends at each gate;
migrate status shows each workspace's phase, the gates waiting and the workstreams ready.
migrate execute picks the next runnable task of the workspace's run, claims a manual one and writes
its runbook (runs/<task>.md); with TASK --status it marks a manual task (done releases its dependents).`;

const RUN_ID_HINT = 'run ids look like 2026-11-21T10-04-05Z-7f3a';

/** Commands of the product contract that this version does not have yet. */
const NOT_YET = new Set(['archive', 'ui']);

const COMMON = {
  'runs-dir': { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies ParseArgsConfig['options'];

function parse<O extends NonNullable<ParseArgsConfig['options']>>(args: readonly string[], options: O) {
  try {
    return parseArgs({ args: [...args], options: { ...COMMON, ...options }, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/\. To specify a positional argument.*$/, ''), 'see: codex-orchestrator --help');
  }
}

function one(positionals: string[], what: string): string {
  if (positionals.length === 0) throw new UsageError(`missing ${what}`, 'see: codex-orchestrator --help');
  if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`, 'see: codex-orchestrator --help');
  return positionals[0] as string;
}

export function parseConcurrency(raw: string | undefined): { builder?: number; tester?: number } | undefined {
  if (raw === undefined) return undefined;
  const count = (s: string): number => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 1 || n > 64) throw new UsageError(`--concurrency: "${s}" is not a whole number from 1 to 64`);
    return n;
  };
  if (/^\d+$/.test(raw)) {
    const n = count(raw);
    return { builder: n, tester: n };
  }
  const out: { builder?: number; tester?: number } = {};
  for (const part of raw.split(',')) {
    const [role, value] = part.split('=');
    if ((role !== 'builder' && role !== 'tester') || value === undefined) {
      throw new UsageError(`--concurrency: cannot read "${part}"`, 'use a number (all roles) or builder=N,tester=M');
    }
    out[role] = count(value);
  }
  return out;
}

export async function main(argv: readonly string[], out: Output = consoleOutput): Promise<number> {
  try {
    return await dispatch(argv, out);
  } catch (e) {
    if (e instanceof UsageError) {
      out.info(`error: ${e.message}${e.hint ? `\n  hint: ${e.hint}` : ''}`);
      return Exit.usage;
    }
    const error = e instanceof Error ? e : new Error(String(e));
    out.info(`internal error: ${error.message}\n${error.stack ?? ''}\nThis is a bug in codex-orchestrator; please report it with the command you ran.`);
    return Exit.internal;
  }
}

/**
 * Commands are loaded when they run: `validate` and `poll` do not need the engine, Codex, MCP and
 * Agents SDKs that `run` loads, which would double their start-up time.
 */
async function dispatch(argv: readonly string[], out: Output): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    out.info(HELP);
    return command === undefined ? Exit.usage : Exit.ok;
  }
  if (command === '--version' || command === '-v') {
    out.data(orchestratorVersion());
    return Exit.ok;
  }
  switch (command) {
    case 'validate': {
      const { values, positionals } = parse(rest, {});
      if (values.help) return help(out);
      const { validateCommand } = await import('./commands/validate.js');
      return validateCommand(one(positionals, 'graph file'), path.dirname(resolveRunsDir(values['runs-dir'])), values.json, out);
    }
    case 'plan': {
      const { values, positionals } = parse(rest, { pattern: { type: 'string' }, out: { type: 'string' }, force: { type: 'boolean', default: false } });
      if (values.help) return help(out);
      if (positionals.length === 0) throw new UsageError('missing the description of the work to plan', 'e.g. codex-orchestrator plan "Add a shout(name) function" --pattern feature');
      const { planCommand } = await import('./commands/plan.js');
      return planCommand(
        {
          description: positionals.join(' '),
          pattern: values.pattern,
          out: values.out,
          force: values.force,
          json: values.json,
          projectRoot: path.dirname(resolveRunsDir(values['runs-dir'])),
          env: process.env,
          cwd: process.cwd(),
        },
        out,
      );
    }
    case 'migrate': {
      const { values, positionals } = parse(rest, {
        path: { type: 'string' },
        output: { type: 'string' },
        connector: { type: 'string', multiple: true },
        mcp: { type: 'string', multiple: true },
        force: { type: 'boolean', default: false },
        check: { type: 'boolean', default: false },
        'from-assessment': { type: 'string' },
        workspace: { type: 'string' },
        new: { type: 'boolean', default: false },
        'wait-at-gates': { type: 'boolean', default: false },
        detach: { type: 'boolean', default: false },
        'keep-worktrees': { type: 'boolean', default: false },
        concurrency: { type: 'string' },
        backend: { type: 'string' },
        agents: { type: 'string' },
        model: { type: 'string' },
        status: { type: 'string' },
        note: { type: 'string' },
        by: { type: 'string' },
      });
      if (values.help) return help(out);
      const sub = positionals[0];
      const { MIGRATE_NOT_YET, MIGRATE_AVAILABLE, MIGRATE_FLAGS } = await import('./commands/migrate.js');
      if (sub === undefined) throw new UsageError('missing the migrate subcommand', `available now: ${MIGRATE_AVAILABLE}`);
      if (MIGRATE_NOT_YET.includes(sub)) {
        throw new UsageError(`"migrate ${sub}" is not available in this version yet (${orchestratorVersion()})`, `available now: ${MIGRATE_AVAILABLE}`);
      }
      const allowed = MIGRATE_FLAGS[sub];
      if (allowed === undefined) throw new UsageError(`unknown migrate subcommand "${sub}"`, `available now: ${MIGRATE_AVAILABLE}`);
      const foreign = Object.keys(values).find(
        (f) => !['runs-dir', 'json', 'help', ...allowed].includes(f) && (values as Record<string, unknown>)[f] !== undefined && (values as Record<string, unknown>)[f] !== false,
      );
      if (foreign !== undefined) throw new UsageError(`--${foreign} is not an option of migrate ${sub}`, 'see: codex-orchestrator --help');
      const projectRoot = path.dirname(resolveRunsDir(values['runs-dir']));
      if (sub === 'setup') {
        if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`, 'name connectors with --connector NAME and MCP servers with --mcp NAME');
        const { entryNames, migrateSetupCommand } = await import('./commands/migrate-setup.js');
        const connectors = entryNames(values.connector ?? [], '--connector');
        const mcp = entryNames(values.mcp ?? [], '--mcp');
        if (values.check && (connectors.length > 0 || mcp.length > 0 || values.force)) {
          throw new UsageError('--check only checks the manifest', 'drop --connector, --mcp and --force, or drop --check to write a new manifest');
        }
        return migrateSetupCommand({ projectRoot, connectors, mcp, force: values.force, check: values.check, json: values.json, cwd: process.cwd(), now: () => new Date() }, out);
      }
      if (sub === 'plan') {
        if (positionals.length < 2)
          throw new UsageError('missing the description of the migration', 'e.g. codex-orchestrator migrate plan "Move billing to Postgres" --from-assessment migration-report.md');
        const from = values['from-assessment'];
        if (from !== undefined && from.trim() === '') throw new UsageError('--from-assessment is empty', 'name a report written by: codex-orchestrator migrate assess --output FILE');
        const { migratePlanCommand } = await import('./commands/migrate-workspace.js');
        return migratePlanCommand({ description: positionals.slice(1).join(' '), fromAssessment: from, projectRoot, json: values.json, cwd: process.cwd(), now: () => new Date() }, out);
      }
      if (sub === 'execute') {
        if (positionals.length > 2) throw new UsageError(`unexpected argument "${positionals[2]}"`, 'name one task: codex-orchestrator migrate execute TASK --status done');
        if (values.workspace !== undefined && values.workspace.trim() === '') throw new UsageError('--workspace is empty', 'name a workspace folder (migrations/migration_<slug>) or its slug');
        const status = values.status;
        if (status !== undefined && status !== 'done' && status !== 'blocked' && status !== 'running') throw new UsageError(`--status: "${status}" is not one of done, blocked, running`);
        const task = positionals[1];
        if (status !== undefined && task === undefined) throw new UsageError('--status needs the task', 'e.g. codex-orchestrator migrate execute TASK --status done --note "what you did"');
        if (values.by !== undefined && values.by.trim() === '') throw new UsageError('--by is empty', 'name who did it, e.g. --by ada');
        const { migrateExecuteCommand } = await import('./commands/migrate-execute.js');
        return migrateExecuteCommand(
          { workspace: values.workspace, task, status, note: values.note, by: values.by, runsDir: resolveRunsDir(values['runs-dir']), json: values.json, cwd: process.cwd(), now: () => new Date() },
          out,
        );
      }
      if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`, sub === 'assess' ? 'name the folder with --path DIR' : 'name the workspace with --workspace DIR');
      if (values.workspace !== undefined && values.workspace.trim() === '') throw new UsageError('--workspace is empty', 'name a workspace folder (migrations/migration_<slug>) or its slug');
      if (sub === 'status') {
        const { migrateStatusCommand } = await import('./commands/migrate-status.js');
        return migrateStatusCommand({ workspace: values.workspace, runsDir: resolveRunsDir(values['runs-dir']), json: values.json, cwd: process.cwd() }, out);
      }
      if (sub === 'run') {
        const flags = runFlags(values);
        const { migrateRunCommand } = await import('./commands/migrate-run.js');
        return migrateRunCommand(
          {
            workspace: values.workspace,
            runsDir: resolveRunsDir(values['runs-dir']),
            cwd: process.cwd(),
            fresh: values.new,
            waitAtGates: values['wait-at-gates'],
            detach: values.detach,
            json: values.json,
            keepWorktrees: values['keep-worktrees'],
            ...flags,
            now: () => new Date(),
          },
          out,
        );
      }
      if (values.path !== undefined && values.path.trim() === '') throw new UsageError('--path is empty', 'name the folder of the repository to assess, e.g. --path .');
      if (values.output !== undefined && values.output.trim() === '') throw new UsageError('--output is empty', `name the report file, e.g. --output migration-report.md`);
      const { migrateAssessCommand } = await import('./commands/migrate.js');
      return migrateAssessCommand({ path: values.path ?? '.', output: values.output, json: values.json, cwd: process.cwd(), now: () => new Date() }, out);
    }
    case 'run': {
      const { values, positionals } = parse(rest, {
        concurrency: { type: 'string' },
        backend: { type: 'string' },
        agents: { type: 'string' },
        model: { type: 'string' },
        detach: { type: 'boolean', default: false },
        'keep-worktrees': { type: 'boolean', default: false },
        'exit-at-gates': { type: 'boolean', default: false },
        'run-id': { type: 'string' },
      });
      if (values.help) return help(out);
      const { backend, concurrency, agents, model } = runFlags(values);
      const runId = values['run-id'];
      if (runId !== undefined && !isRunId(runId)) throw new UsageError(`--run-id: ${quoteId(runId)} is not a run id`, RUN_ID_HINT);
      const { runCommand } = await import('./commands/run.js');
      return runCommand(
        {
          graphFile: one(positionals, 'graph file'),
          runsDir: resolveRunsDir(values['runs-dir']),
          backend,
          concurrency,
          agents,
          model,
          detach: values.detach,
          json: values.json,
          keepWorktrees: values['keep-worktrees'],
          exitAtGates: values['exit-at-gates'],
          runId: runId as RunId | undefined,
        },
        out,
        argv,
      );
    }
    case 'poll': {
      const { values, positionals } = parse(rest, { watch: { type: 'boolean', default: false }, interval: { type: 'string' } });
      if (values.help) return help(out);
      const interval = values.interval === undefined ? 1 : Number(values.interval);
      if (!(interval > 0 && interval <= 3600)) throw new UsageError(`--interval must be a number of seconds (got "${values.interval}")`);
      const target = one(positionals, 'run id (or "latest")');
      if (!isRunTarget(target)) return badRunTarget(target, out);
      const { pollCommand } = await import('./commands/poll.js');
      return pollCommand({ runsDir: resolveRunsDir(values['runs-dir']), target, watch: values.watch, json: values.json, intervalMs: interval * 1000 }, out);
    }
    case 'ls': {
      const { values, positionals } = parse(rest, { status: { type: 'string' } });
      if (values.help) return help(out);
      if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`, 'ls lists every run; narrow it with --status STATUS');
      const { lsCommand } = await import('./commands/ls.js');
      return lsCommand({ runsDir: resolveRunsDir(values['runs-dir']), status: values.status, json: values.json }, out);
    }
    case 'resume': {
      const { values, positionals } = parse(rest, {
        detach: { type: 'boolean', default: false },
        'keep-worktrees': { type: 'boolean', default: false },
        'exit-at-gates': { type: 'boolean', default: false },
      });
      if (values.help) return help(out);
      const target = one(positionals, 'run id (or "latest")');
      if (!isRunTarget(target)) return badRunTarget(target, out);
      const { resumeCommand } = await import('./commands/resume.js');
      return resumeCommand(
        {
          runsDir: resolveRunsDir(values['runs-dir']),
          target,
          detach: values.detach,
          json: values.json,
          keepWorktrees: values['keep-worktrees'],
          exitAtGates: values['exit-at-gates'],
        },
        out,
        argv,
      );
    }
    case 'stop': {
      const { values, positionals } = parse(rest, { wait: { type: 'string' } });
      if (values.help) return help(out);
      const wait = values.wait === undefined ? 60 : Number(values.wait);
      if (!(wait > 0 && wait <= 3600)) throw new UsageError(`--wait must be a number of seconds (got "${values.wait}")`);
      const target = one(positionals, 'run id (or "latest")');
      if (!isRunTarget(target)) return badRunTarget(target, out);
      const { stopCommand } = await import('./commands/stop.js');
      return stopCommand({ runsDir: resolveRunsDir(values['runs-dir']), target, json: values.json, waitMs: wait * 1000 }, out);
    }
    case 'review': {
      const { values, positionals } = parse(rest, { task: { type: 'string' } });
      if (values.help) return help(out);
      const target = one(positionals, 'run id (or "latest")');
      if (!isRunTarget(target)) return badRunTarget(target, out);
      const { reviewCommand } = await import('./commands/review.js');
      return reviewCommand({ runsDir: resolveRunsDir(values['runs-dir']), target, task: values.task, json: values.json }, out);
    }
    case 'approve':
    case 'reject': {
      const { values, positionals } = parse(rest, {
        task: { type: 'string' },
        reviewer: { type: 'string' },
        note: { type: 'string' },
        reason: { type: 'string' },
      });
      if (values.help) return help(out);
      const target = one(positionals, 'run id (or "latest")');
      const taskId = required(values.task, '--task', 'the task to decide on');
      const { decideCommand, gitUserName } = await import('./commands/decide.js');
      // Without --reviewer, the name git records as the author of the user's commits.
      const fromGit = values.reviewer === undefined ? gitUserName() : undefined;
      const reviewer = required(values.reviewer ?? fromGit, '--reviewer', 'who decides');
      if (command === 'approve' && values.reason !== undefined) throw new UsageError('approve takes --note, not --reason', 'to refuse a task, use: codex-orchestrator reject');
      if (command === 'reject' && values.note !== undefined) throw new UsageError('reject takes --reason, not --note');
      const request: DecisionRequest =
        command === 'approve'
          ? { decision: 'approved', taskId, reviewer, note: values.note }
          : { decision: 'rejected', taskId, reviewer, reason: required(values.reason, '--reason', 'why the task is rejected') };
      if (!isRunTarget(target)) return badRunTarget(target, out);
      return decideCommand({ runsDir: resolveRunsDir(values['runs-dir']), target, request, json: values.json, reviewerFromGit: fromGit !== undefined }, out);
    }
    case 'send': {
      const { values, positionals } = parse(rest, { task: { type: 'string' } });
      if (values.help) return help(out);
      if (positionals.length < 2) throw new UsageError('send needs a run id and a prompt', 'codex-orchestrator send <run-id> --task T "<follow-up prompt>"');
      if (positionals.length > 2) throw new UsageError(`unexpected argument "${positionals[2]}"`, 'quote the prompt: codex-orchestrator send <run-id> --task T "<follow-up prompt>"');
      const taskId = required(values.task, '--task', 'the task whose Codex thread gets the prompt');
      const target = positionals[0] as string;
      if (!isRunTarget(target)) return badRunTarget(target, out);
      const { sendCommand } = await import('./commands/send.js');
      return sendCommand({ runsDir: resolveRunsDir(values['runs-dir']), target, taskId, prompt: positionals[1] as string, json: values.json }, out);
    }
    case 'retry': {
      const { values, positionals } = parse(rest, { task: { type: 'string' }, reload: { type: 'boolean', default: false } });
      if (values.help) return help(out);
      const taskId = required(values.task, '--task', 'the failed task to run again');
      const target = one(positionals, 'run id (or "latest")');
      if (!isRunTarget(target)) return badRunTarget(target, out);
      const { retryCommand } = await import('./commands/retry.js');
      return retryCommand({ runsDir: resolveRunsDir(values['runs-dir']), target, taskId, reload: values.reload, json: values.json }, out);
    }
    case 'verify': {
      const { values, positionals } = parse(rest, {});
      if (values.help) return help(out);
      const target = one(positionals, 'run id (or "latest")');
      if (!isRunTarget(target)) return badRunTarget(target, out);
      const { verifyCommand } = await import('./commands/verify.js');
      return verifyCommand({ runsDir: resolveRunsDir(values['runs-dir']), target, json: values.json }, out);
    }
    case 'spec-guard': {
      const { values, positionals } = parse(rest, {});
      if (values.help) return help(out);
      if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`, 'spec-guard checks the project it is run in');
      const { specGuardCommand } = await import('./commands/spec-guard.js');
      return specGuardCommand({ runsDir: resolveRunsDir(values['runs-dir']), json: values.json }, out);
    }
    default:
      if (NOT_YET.has(command)) {
        throw new UsageError(
          `"${command}" is part of the planned CLI but not available in this version (${orchestratorVersion()})`,
          'available now: run, poll, ls, resume, stop, validate, review, approve, reject, send, retry, verify, spec-guard, plan, migrate assess, migrate setup, migrate plan, migrate run, migrate status, migrate execute',
        );
      }
      throw new UsageError(`unknown command "${command}"`, 'see: codex-orchestrator --help');
  }
}

/** The options `run` and `migrate run` share: backend, concurrency, agents and model, checked. */
function runFlags(values: { readonly backend?: string | undefined; readonly concurrency?: string | undefined; readonly agents?: string | undefined; readonly model?: string | undefined }) {
  const agents = values.agents === undefined ? undefined : values.agents === 'on' ? true : values.agents === 'off' ? false : undefined;
  if (values.agents !== undefined && agents === undefined) {
    throw new UsageError(`--agents must be on or off (got "${values.agents}")`, 'on: builders and testers work through their role agents (the default); off: prompts go straight to Codex');
  }
  const backend = values.backend;
  if (backend !== undefined && !isBackendName(backend)) throw new UsageError(`--backend must be codex-mcp, codex-app-server or codex-exec (got "${backend}")`);
  const model = values.model;
  if (model !== undefined && model !== 'offline' && model !== 'openai' && model !== 'codex-login') {
    throw new UsageError(`--model must be offline, openai or codex-login (got "${model}")`, 'offline: the stand-in model server; openai: OPENAI_API_KEY; codex-login: your own Codex sign-in');
  }
  return { backend, concurrency: parseConcurrency(values.concurrency), agents, model: model as 'offline' | 'openai' | 'codex-login' | undefined };
}

function required(value: string | undefined, flag: string, what: string): string {
  if (value === undefined || value.trim() === '') throw new UsageError(`missing ${flag} (${what})`, 'see: codex-orchestrator --help');
  return value;
}

/**
 * Whether a run named on the command line can be one: a run id or `latest`. A mistyped one is
 * answered here, as `namedRun` would answer it, before the command (and the store, and the search
 * for the repository's runs folder) is loaded: a typo gets its answer at the speed of `node`.
 */
function isRunTarget(target: string): boolean {
  return target === 'latest' || isRunId(target);
}

function badRunTarget(target: string, out: Output): number {
  out.info(renderReadFailure({ reason: 'bad-run-id', given: target }));
  return Exit.usage;
}

function help(out: Output): number {
  out.info(HELP);
  return Exit.ok;
}
