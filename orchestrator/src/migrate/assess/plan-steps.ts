import { BRANCH, backupCommand, migrationTools, PILOT_GRAPH, restoreCommand } from './plan-data.js';
import type { PlanInput } from './plan.js';
import type { Detection, PhaseName, Risk } from './schema.js';
import { count } from './words.js';

/**
 * The plan's steps, phase by phase, each with the commands it runs and why it is there: the
 * detected install, build and test commands, git's for the branch and the worktree, each
 * database's backup and restore, each migration tool's status and apply. `plan.ts` gives them
 * their hours and days.
 */

/** A step before its hours are known: `weight` is its share of the phase's hours. */
export interface StepSpec {
  readonly id: string;
  readonly phase: PhaseName;
  readonly title: string;
  readonly weight: number;
  readonly risk: Risk;
  readonly commands: string[];
  readonly why: string;
}

export function stepsOf(input: PlanInput): StepSpec[] {
  const { detection: d, features: f, scoring } = input;
  const install = d.commands.install.map((c) => c.command);
  const build = d.commands.build.map((c) => c.command);
  const test = d.commands.test.map((c) => c.command);
  const checks = [...install, ...build, ...test];
  const overall = scoring.risk.level;
  const steps: StepSpec[] = [];
  const step = (s: StepSpec): void => void steps.push(s);

  // Preparation
  step(
    f.inGit
      ? {
          id: 'prepare-branch',
          phase: 'preparation',
          title: `Start the branch ${BRANCH} from a clean, up-to-date checkout`,
          weight: 1,
          risk: 'low',
          commands: ['git status --short', 'git fetch --all --prune', `git switch -c ${BRANCH}`],
          why: 'every change of the migration stays on one branch until it is reviewed',
        }
      : {
          id: 'prepare-history',
          phase: 'preparation',
          title: 'Put the folder under git before anything changes',
          weight: 2,
          risk: 'medium',
          commands: ['git init', 'git add -A', 'git commit -m "Baseline before the migration"', `git switch -c ${BRANCH}`],
          why: 'the folder is not a git repository: without a baseline commit there is nothing to roll back to',
        },
  );
  step({
    id: 'prepare-baseline',
    phase: 'preparation',
    title: checks.length > 0 ? "Run the project's install, build and test commands as they are today (the baseline)" : 'Record that the project declares no install, build or test command',
    weight: 2,
    risk: 'low',
    commands: checks.length > 0 ? checks : ['# no commands detected: note how the project is built and checked by hand'],
    why:
      checks.length > 0
        ? `the commands come from ${unique(d.commands.install.concat(d.commands.build, d.commands.test).map((c) => c.evidence.path)).join(', ')}`
        : 'no manifest script, Makefile target or test runner was found',
  });
  step({
    id: 'prepare-review',
    phase: 'preparation',
    title: 'Review this report with the people who own the code',
    weight: 1,
    risk: 'low',
    commands: f.inGit ? ['git shortlog -sn --all | head -20'] : [],
    why: f.contributors === null ? 'no history names the owners' : `${count(f.contributors, 'contributor')} in the history`,
  });

  // Configuration
  step({
    id: 'configure-ignore',
    phase: 'configuration',
    title: "Keep the orchestrator's run records and keys out of version control",
    weight: 1,
    risk: 'low',
    commands: ["printf '%s\\n' '.runs/' '.codex-orchestrator/keys/' '.codex-orchestrator/codex-home/' >> .gitignore", 'git add .gitignore'],
    why: 'runs write their records under .runs/ and the signing key under .codex-orchestrator/',
  });
  const instructions = d.agentSetups.find((a) => a.name === 'agents-md');
  step({
    id: 'configure-instructions',
    phase: 'configuration',
    title: instructions ? "Bring AGENTS.md up to date with the project's commands" : "Write AGENTS.md: the project's layout and the commands that install, build and test it",
    weight: 1,
    risk: 'low',
    commands: instructions ? [`git log -1 --format=%cs -- ${instructions.evidence[0]?.path ?? 'AGENTS.md'}`] : ['touch AGENTS.md', 'git add AGENTS.md'],
    why: instructions ? `AGENTS.md exists (${instructions.evidence.map((e) => e.path).join(', ')})` : 'Codex reads AGENTS.md; none was found',
  });
  const others = d.agentSetups.filter((a) => a.name !== 'agents-md');
  if (others.length > 0) {
    step({
      id: 'configure-reconcile',
      phase: 'configuration',
      title: `Reconcile the agent setups already present (${others.map((a) => a.name).join(', ')}) with the orchestrator's roles`,
      weight: 1,
      risk: 'low',
      commands: unique(others.flatMap((a) => a.evidence.map((e) => `git log -1 --format='%cs %an' -- ${e.path}`))).slice(0, 5),
      why: 'two setups that give agents different instructions make their work disagree',
    });
  }
  step({
    id: 'configure-graph',
    phase: 'configuration',
    title: `Plan a pilot task graph whose setup is the install commands and whose verify is the test commands`,
    weight: 2,
    risk: 'low',
    commands: [`npx codex-orchestrator plan "Pilot: one small, reviewed change" --out ${PILOT_GRAPH}`, `npx codex-orchestrator validate ${PILOT_GRAPH}`],
    why: `setup: ${install.join('; ') || 'none detected'}; verify: ${test.join('; ') || 'none detected (see gap implementation)'}`,
  });

  // Data migration
  if (d.dataStores.length > 0) {
    const databases = d.dataStores.filter((s) => s.kind === 'database');
    const tools = migrationTools(d.dataStores);
    const compose = d.infrastructure.find((i) => i.name === 'docker-compose');
    step({
      id: 'data-backup',
      phase: 'data-migration',
      title: `Back up ${databases.length > 0 ? databases.map((s) => s.name).join(', ') : 'the database'} before anything changes`,
      weight: 2,
      risk: 'high',
      commands: databases.length > 0 ? databases.map((s) => backupCommand(s.name)) : ['# the database the ORM talks to: back it up with its own tool'],
      why: `data stores: ${d.dataStores.map((s) => `${s.name} (${s.kind})`).join(', ')}`,
    });
    step({
      id: 'data-isolation',
      phase: 'data-migration',
      title: 'Give every task worktree a database of its own (never the shared one) and migrate it in the setup',
      weight: 2,
      risk: 'medium',
      commands: [...(compose ? [`docker compose -f ${compose.evidence[0]?.path ?? 'docker-compose.yml'} up -d`] : []), ...tools.map((t) => t.apply)],
      why: 'tasks run in parallel worktrees; a shared database would let one task see or break another',
    });
    if (tools.length > 0) {
      step({
        id: 'data-status',
        phase: 'data-migration',
        title: `Check that the schema migrations are in step (${tools.map((t) => t.name).join(', ')})`,
        weight: 1,
        risk: 'medium',
        commands: tools.map((t) => t.status),
        why: 'a task that adds a migration must start from the schema the branch has',
      });
    }
    step({
      id: 'data-restore-drill',
      phase: 'data-migration',
      title: 'Rehearse the restore into an empty database',
      weight: 1,
      risk: 'high',
      commands: databases.map((s) => restoreCommand(s.name)),
      why: 'a backup that was never restored is not known to work',
    });
  }

  // Gap implementation
  if (!f.hasTests) {
    step({
      id: 'gap-tests',
      phase: 'gap-implementation',
      title: `Add characterisation tests that pin today's behaviour${f.languages[0] ? ` of the ${f.languages[0]} code` : ''}`,
      weight: 3,
      risk: 'medium',
      commands: [`npx codex-orchestrator plan "Characterisation tests for the current behaviour" --out tasks/characterisation-tests.yaml`, ...starterTest(f.languages[0])],
      why: 'no test runner was found: without tests no task can be verified',
    });
  } else if (f.testFiles * 10 < f.sourceFiles) {
    step({
      id: 'gap-tests-sparse',
      phase: 'gap-implementation',
      title: 'Add tests around the code the pilot tasks touch',
      weight: 2,
      risk: 'medium',
      commands: test,
      why: `${count(f.testFiles, 'test file')} for ${count(f.sourceFiles, 'source file')}`,
    });
  }
  if (!f.hasCi) {
    step({
      id: 'gap-ci',
      phase: 'gap-implementation',
      title: 'Add CI that runs the install, build and test commands on every push',
      weight: 2,
      risk: 'low',
      commands: ['mkdir -p .github/workflows', ...checks.map((c) => `# in the workflow: ${c}`)],
      why: 'no CI configuration was found: merged task results would go unchecked',
    });
  }
  if (f.unlocked.length > 0) {
    step({
      id: 'gap-lockfile',
      phase: 'gap-implementation',
      title: `Pin the dependencies of ${f.unlocked.join(', ')} with a lockfile`,
      weight: 1,
      risk: 'low',
      commands: d.packageManagers.filter((p) => f.unlocked.includes(p.manifest)).map((p) => lockCommand(p.name, p.manifest)),
      why: 'every worktree installs the same versions only from a lockfile',
    });
  }

  // Testing
  step({
    id: 'test-worktree',
    phase: 'testing',
    title: 'Run the checks in a fresh worktree, as every task will',
    weight: 2,
    risk: 'low',
    commands: [
      `git worktree add ../${input.name}-check ${BRANCH}`,
      ...(checks.length > 0 ? [`cd ../${input.name}-check && ${checks.join(' && ')}`] : []),
      `git worktree remove ../${input.name}-check`,
    ],
    why: 'a task starts from a clean checkout: what works only in a used one will fail there',
  });
  step({
    id: 'test-trial-run',
    phase: 'testing',
    title: 'Run the pilot graph on the offline model, then review it',
    weight: 2,
    risk: 'low',
    commands: [`npx codex-orchestrator run ${PILOT_GRAPH} --model offline`, 'npx codex-orchestrator poll latest', 'npx codex-orchestrator review latest', 'npx codex-orchestrator verify latest'],
    why: 'the run checks the graph, the setup and the verify commands end to end without a model',
  });
  step({
    id: 'test-compare',
    phase: 'testing',
    title: 'Compare the test results with the baseline',
    weight: 1,
    risk: 'low',
    commands: test.length > 0 ? test : ['# the characterisation tests of gap implementation'],
    why: 'the migration must not change what the project does',
  });

  // Deployment
  step({
    id: 'deploy-merge',
    phase: 'deployment',
    title: `Open a pull request for ${BRANCH}, merge it after review`,
    weight: 2,
    risk: overall,
    commands: [`git push -u origin ${BRANCH}`, 'git switch main', `git merge --no-ff ${BRANCH}`],
    why: `overall risk: ${overall}`,
  });
  step({
    id: 'deploy-ci',
    phase: 'deployment',
    title: d.ci.length > 0 ? `Check the pilot graph in CI (${d.ci.map((c) => c.name).join(', ')})` : 'Check the pilot graph in the new CI',
    weight: 1,
    risk: 'low',
    commands: [`npx codex-orchestrator validate ${PILOT_GRAPH}`],
    why: 'a graph that no longer matches the repository is caught before the next run',
  });
  if (f.deployInfra.length > 0) {
    step({
      id: 'deploy-infrastructure',
      phase: 'deployment',
      title: `Check the deployment is unchanged (${f.deployInfra.join(', ')})`,
      weight: 1,
      risk: 'medium',
      commands: infraChecks(d),
      why: 'the migration must not change what is deployed',
    });
  }
  return steps;
}

function starterTest(language: string | undefined): string[] {
  switch (language) {
    case 'JavaScript':
    case 'TypeScript':
      return ['npm install --save-dev vitest', 'npx vitest run'];
    case 'Python':
      return ['python -m pip install pytest', 'python -m pytest'];
    case 'Go':
      return ['go test ./...'];
    case 'Rust':
      return ['cargo test'];
    case 'Ruby':
      return ['bundle add rspec --group test', 'bundle exec rspec --init'];
    default:
      return [];
  }
}

function lockCommand(manager: string, manifest: string): string {
  const cd = manifest.includes('/') ? `cd ${manifest.slice(0, manifest.lastIndexOf('/'))} && ` : '';
  const lock: Record<string, string> = {
    npm: 'npm install --package-lock-only',
    yarn: 'yarn install',
    pnpm: 'pnpm install --lockfile-only',
    bun: 'bun install',
    bundler: 'bundle lock',
    composer: 'composer update --lock',
    poetry: 'poetry lock',
    uv: 'uv lock',
    pipenv: 'pipenv lock',
  };
  return `${cd}${lock[manager] ?? `# ${manager}: write a lockfile`}`;
}

function infraChecks(d: Detection): string[] {
  const out: string[] = [];
  for (const i of d.infrastructure) {
    const first = i.evidence[0]?.path ?? '.';
    const dir = first.includes('/') ? first.slice(0, first.lastIndexOf('/')) : '.';
    if (i.name === 'kubernetes') out.push(`kubectl diff -f ${dir}`);
    else if (i.name === 'helm') out.push(`helm lint ${dir}`);
    else if (i.name === 'kustomize') out.push(`kubectl diff -k ${dir}`);
    else if (i.name === 'terraform') out.push(`terraform -chdir=${dir} plan`);
    else if (i.name === 'pulumi') out.push('pulumi preview');
  }
  return unique(out);
}

function unique(xs: readonly string[]): string[] {
  return [...new Set(xs)];
}
