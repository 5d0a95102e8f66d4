import type { Detection } from './schema.js';
import { count } from './words.js';

/**
 * The measures the scoring rules and the planner read, taken from a detection once: counts,
 * presences and gaps, so a rule is one line of arithmetic and the planner and the analyzer agree
 * on what "no tests" or "has a database" means.
 */
export interface Features {
  readonly files: number;
  readonly sourceFiles: number;
  readonly sourceLines: number;
  /** Null when there is no git history to count. */
  readonly contributors: number | null;
  readonly inGit: boolean;
  /** Days from the last commit to the assessment; null without history. */
  readonly daysSinceLastCommit: number | null;
  /** Programming languages (not markup, styles, SQL, shell or infrastructure code). */
  readonly languages: readonly string[];
  readonly frameworks: readonly string[];
  readonly manifests: number;
  readonly hasTests: boolean;
  readonly testFiles: number;
  readonly hasCi: boolean;
  /** Docker, compose or a devcontainer: an environment described in the repository. */
  readonly containers: boolean;
  /** Deployment infrastructure beyond the repository (Kubernetes, Helm, Terraform, Pulumi, …). */
  readonly deployInfra: readonly string[];
  readonly agentSetups: readonly string[];
  readonly patterns: readonly string[];
  readonly databases: readonly string[];
  /** ORMs and migration tools. */
  readonly dataTools: readonly string[];
  /** Manifests with dependencies and no lockfile (installs that are not reproducible). */
  readonly unlocked: readonly string[];
}

/** Languages that do not make a stack of their own. */
const NOT_A_STACK = new Set(['HTML', 'CSS', 'SQL', 'Shell', 'PowerShell', 'HCL', 'TLA+', 'Protocol Buffers']);

/** Managers whose projects pin their installs in a lockfile beside the manifest. */
const LOCKING = new Set(['npm', 'yarn', 'pnpm', 'bun', 'bundler', 'composer', 'poetry', 'uv', 'pipenv']);

const DEPLOY = new Set(['kubernetes', 'helm', 'kustomize', 'terraform', 'pulumi', 'serverless']);

const DAY_MS = 24 * 60 * 60 * 1000;

export function featuresOf(d: Detection, now: Date): Features {
  const git = d.scale.git;
  const last = git.kind === 'repository' && git.lastCommit !== null ? Date.parse(git.lastCommit) : Number.NaN;
  return {
    files: d.scale.files,
    sourceFiles: d.scale.sourceFiles,
    sourceLines: d.scale.sourceLines,
    contributors: git.kind === 'repository' ? git.contributors : null,
    inGit: git.kind === 'repository',
    daysSinceLastCommit: Number.isNaN(last) ? null : Math.max(0, Math.floor((now.getTime() - last) / DAY_MS)),
    languages: d.languages.filter((l) => !NOT_A_STACK.has(l.name)).map((l) => l.name),
    frameworks: d.frameworks.map((f) => f.name),
    manifests: d.packageManagers.length,
    hasTests: d.testRunners.length > 0,
    testFiles: Math.max(0, ...d.testRunners.map((r) => r.testFiles)),
    hasCi: d.ci.length > 0,
    containers: d.infrastructure.some((i) => i.name === 'docker' || i.name === 'docker-compose' || i.name === 'devcontainer'),
    deployInfra: d.infrastructure.filter((i) => DEPLOY.has(i.name)).map((i) => i.name),
    agentSetups: d.agentSetups.map((a) => a.name),
    patterns: d.patterns.map((p) => p.name),
    databases: d.dataStores.filter((s) => s.kind === 'database').map((s) => s.name),
    dataTools: d.dataStores.filter((s) => s.kind !== 'database').map((s) => s.name),
    unlocked: d.packageManagers.filter((p) => LOCKING.has(p.name) && p.lockfile === null && p.dependencies + p.devDependencies > 0).map((p) => p.manifest),
  };
}

/** The gaps a migration closes first, in words (the planner's gap-implementation phase has a step for each). */
export function gapsOf(f: Features): string[] {
  const gaps: string[] = [];
  if (!f.hasTests) gaps.push('no tests');
  else if (f.testFiles * 10 < f.sourceFiles) gaps.push(`few tests (${count(f.testFiles, 'test file')} for ${count(f.sourceFiles, 'source file')})`);
  if (!f.hasCi) gaps.push('no CI');
  if (f.unlocked.length > 0) gaps.push(`no lockfile (${f.unlocked.join(', ')})`);
  return gaps;
}
