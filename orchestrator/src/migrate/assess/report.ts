import { count, n } from './words.js';
import type { AssessDocument, Evidence, Fact, GitFacts, PatternName, PlanPhase } from './schema.js';

/**
 * The report: the assessment as markdown (Summary, Detection with every fact's evidence, Scoring
 * with the rules table and the points applied, Plan, Rollback, Testing, Timeline, Success
 * criteria), and the short summary the CLI prints on stderr, one line per detection area. Pure:
 * the same document always renders to the same bytes.
 */

export const PATTERN_TITLES: Readonly<Record<PatternName, string>> = {
  'collision-free-ids': 'collision-free ids in file names (timestamps, ULIDs, UUIDs)',
  'event-log': 'an append-only event log',
  'content-addressed-files': 'content-addressed files (named by their digest)',
  'authority-domains': 'authority domains (owners of paths or areas)',
  'priority-queue': 'priority queues',
  'defer-queue': 'defer queues',
  'retry-wrappers': 'retry wrappers in scripts',
  'tla-specs': 'TLA+ specifications',
};

const PHASE_TITLES: Readonly<Record<PlanPhase['name'], string>> = {
  preparation: 'Preparation',
  configuration: 'Configuration',
  'data-migration': 'Data migration',
  'gap-implementation': 'Gap implementation',
  testing: 'Testing',
  deployment: 'Deployment',
};
const code = (s: string): string => `\`${s.replace(/`/g, "'")}\``;
/** A table cell: pipes escaped, newlines flattened. */
const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const where = (e: Evidence): string => code(e.line === null ? e.path : `${e.path}:${e.line}`);
const evidence = (es: readonly Evidence[]): string => (es.length === 0 ? '-' : es.map(where).join(', '));
const hours = (h: number): string => `${h} h`;

export function bytes(b: number): string {
  if (b < 1024) return `${b} B`;
  const unit = b < 1024 * 1024 ? { size: 1024, name: 'KB' } : { size: 1024 * 1024, name: 'MB' };
  const x = b / unit.size;
  return `${Number.isInteger(x) ? x : x.toFixed(1)} ${unit.name}`;
}

export function gitLine(git: GitFacts): string {
  switch (git.kind) {
    case 'repository': {
      const span = git.firstCommit && git.lastCommit ? `, ${git.firstCommit.slice(0, 10)} to ${git.lastCommit.slice(0, 10)}` : '';
      return `${count(git.contributors, 'contributor')}, ${count(git.commits, 'commit')}${span}${git.subfolder ? ' (commits that touched this folder)' : ''}`;
    }
    case 'not-a-repository':
      return 'not a git repository (no history: contributors and commits unknown)';
    case 'git-unavailable':
      return `git could not be run (${git.reason}): contributors and commits unknown`;
  }
}

const names = (facts: readonly Fact[]): string => (facts.length === 0 ? 'none' : facts.map((f) => f.name).join(', '));

/** One line per detection area, for stderr. */
export function renderSummary(doc: AssessDocument): string[] {
  const d = doc.detection;
  const s = d.scale;
  const { complexity, risk, effort } = doc.scoring;
  return [
    `assessed ${doc.path}: ${count(s.files, 'file')} (${bytes(s.bytes)}), ${count(s.sourceLines, 'source line')}; git: ${gitLine(s.git)}`,
    `languages: ${d.languages.length === 0 ? 'none' : d.languages.map((l) => `${l.name} (${count(l.files, 'file')}, ${count(l.lines, 'line')})`).join(', ')}`,
    `package managers: ${d.packageManagers.length === 0 ? 'none' : d.packageManagers.map((p) => `${p.name} (${p.manifest}: ${count(p.dependencies, 'dependency', 'dependencies')}, ${p.devDependencies} dev)`).join(', ')}`,
    `frameworks: ${names(d.frameworks)}`,
    `tests: ${d.testRunners.length === 0 ? 'none found' : d.testRunners.map((t) => `${t.name}${t.command === null ? '' : ` (${t.command})`}`).join(', ')}`,
    `CI: ${names(d.ci)}`,
    `data: ${d.dataStores.length === 0 ? 'none' : d.dataStores.map((x) => `${x.name} (${x.kind})`).join(', ')}`,
    `infrastructure: ${names(d.infrastructure)}`,
    `agent setups: ${names(d.agentSetups)}`,
    `coordination patterns: ${names(d.patterns)}`,
    `scores: complexity ${complexity.level} (${count(complexity.points, 'point')}), risk ${risk.level} (${count(risk.points, 'point')}), effort ${hours(effort.hours)}`,
  ];
}

export function renderReport(doc: AssessDocument): string {
  const out: string[] = [];
  const line = (...xs: string[]): void => void out.push(...xs);
  const d = doc.detection;
  const { complexity, risk, effort } = doc.scoring;
  const days = doc.plan.phases.reduce((m, p) => Math.max(m, p.endDay), 0);
  const gaps = doc.plan.gaps;

  line(`# Migration assessment: ${doc.name}`, '');
  line(`Made by \`codex-orchestrator migrate assess --path ${doc.path}\` on ${doc.generatedAt.slice(0, 10)}. The scan only reads: nothing in the folder was changed.`, '');

  line('## Summary', '', '| | |', '|---|---|');
  line(`| Complexity | ${complexity.level} (${count(complexity.points, 'point')}) |`);
  line(`| Risk | ${risk.level} (${count(risk.points, 'point')}) |`);
  line(`| Effort | ${hours(effort.hours)}, about ${days} working days of ${doc.plan.hoursPerDay} h |`);
  line(`| Scale | ${count(d.scale.files, 'file')}, ${count(d.scale.sourceLines, 'source line')}; ${cell(gitLine(d.scale.git))} |`);
  line(`| Main language | ${d.languages[0]?.name ?? 'none'} |`);
  line(`| Gaps | ${gaps.length === 0 ? 'none found' : cell(gaps.join('; '))} |`, '');

  line('## Detection', '');
  line('### Scale', '');
  const s = d.scale;
  line(`- Files: ${n(s.files)} (${bytes(s.bytes)}) in ${count(s.directories, 'folder')}; source: ${count(s.sourceFiles, 'file')}, ${count(s.sourceLines, 'line')}`);
  line(`- Git: ${gitLine(s.git)}`);
  line(`- Skipped folders (not entered): ${s.skippedFolders.length === 0 ? 'none' : evidence(s.skippedFolders)}`);
  line(`- Symbolic links (recorded, not followed): ${s.symlinks.length === 0 ? 'none' : evidence(s.symlinks)}`);
  line(
    `- Files over the read bound (${bytes(s.readBound)}), counted by size and not read: ${s.largeFiles.length === 0 ? 'none' : s.largeFiles.map((f) => `${code(f.path)} (${bytes(f.bytes)})`).join(', ')}`,
    '',
  );

  line('### Languages', '');
  if (d.languages.length === 0) line('None found.', '');
  else {
    line('| language | files | lines | evidence |', '|---|---:|---:|---|');
    for (const l of d.languages) line(`| ${l.name} | ${n(l.files)} | ${n(l.lines)} | ${evidence(l.evidence)} |`);
    line('');
  }

  line('### Package managers', '');
  if (d.packageManagers.length === 0) line('None found.', '');
  else {
    line('| manager | manifest | lockfile | dependencies | dev dependencies |', '|---|---|---|---:|---:|');
    for (const p of d.packageManagers) line(`| ${p.name} | ${code(p.manifest)} | ${p.lockfile === null ? 'none' : code(p.lockfile)} | ${p.dependencies} | ${p.devDependencies} |`);
    line('');
  }

  facts(out, 'Frameworks', d.frameworks);

  line('### Test runners', '');
  if (d.testRunners.length === 0) line('None found.', '');
  else {
    line('| runner | command | test files | evidence |', '|---|---|---:|---|');
    for (const t of d.testRunners) line(`| ${t.name} | ${t.command === null ? '-' : cell(code(t.command))} | ${n(t.testFiles)} | ${evidence(t.evidence)} |`);
    line('');
  }

  facts(out, 'CI', d.ci);

  line('### Databases, ORMs and migrations', '');
  if (d.dataStores.length === 0) line('None found.', '');
  else {
    line('| name | kind | evidence |', '|---|---|---|');
    for (const x of d.dataStores) line(`| ${x.name} | ${x.kind} | ${evidence(x.evidence)} |`);
    line('');
  }

  facts(out, 'Containers and infrastructure', d.infrastructure);
  facts(out, 'Agent and coordination setups', d.agentSetups);

  line('### Coordination patterns', '', '| pattern | found | evidence |', '|---|---|---|');
  for (const [name, title] of Object.entries(PATTERN_TITLES) as [PatternName, string][]) {
    const p = d.patterns.find((x) => x.name === name);
    line(`| ${name}: ${title} | ${p ? 'yes' : 'no'} | ${p ? evidence(p.evidence) : '-'} |`);
  }
  line('');

  line('### Commands', '');
  for (const [kind, commands] of Object.entries(d.commands)) {
    line(`- ${kind}: ${commands.length === 0 ? 'none found' : commands.map((c) => `${code(c.command)} (${where(c.evidence)})`).join(', ')}`);
  }
  line('');

  renderScoring(out, doc);
  renderPlan(out, doc);
  return `${out.join('\n').replace(/\n+$/, '')}\n`;
}

function facts(out: string[], title: string, list: readonly Fact[]): void {
  out.push(`### ${title}`, '');
  if (list.length === 0) out.push('None found.', '');
  else out.push(...list.map((f) => `- ${f.name}: ${evidence(f.evidence)}`), '');
}

function renderScoring(out: string[], doc: AssessDocument): void {
  const { complexity, risk, effort, rules, levels } = doc.scoring;
  out.push('## Scoring', '', '### Rules', '');
  out.push('Every rule the assessment scores by, and the points each gives when it applies:', '');
  out.push('| rule | area | condition | points |', '|---|---|---|---:|');
  for (const r of rules) out.push(`| ${r.id} | ${r.area} | ${cell(r.condition)} | ${r.points} |`);
  out.push('');
  out.push(
    `Levels: complexity ${levels.complexity.map((l) => `${l.level} from ${l.from}`).join(', ')}; risk ${levels.risk.map((l) => `${l.level} from ${l.from}`).join(', ')} points (a total below 0 counts as 0).`,
    '',
  );
  const applied = (title: string, factors: AssessDocument['scoring']['complexity']['factors'], unit: string): void => {
    out.push(`### ${title}`, '');
    if (factors.length === 0) out.push('No rule applied.', '');
    else {
      out.push(`| rule | factor | ${unit} | why |`, '|---|---|---:|---|');
      for (const f of factors) out.push(`| ${f.rule} | ${f.factor} | ${f.points > 0 ? '+' : ''}${f.points} | ${cell(f.why)} |`);
      out.push('');
    }
  };
  applied(`Complexity: ${complexity.level} (${count(complexity.points, 'point')})`, complexity.factors, 'points');
  applied(`Risk: ${risk.level} (${count(risk.points, 'point')})`, risk.factors, 'points');
  applied(`Effort: ${effort.hours} h (each phase's hours × ${effort.multiplier} for a ${complexity.level} migration, to the half hour)`, effort.factors, 'hours');
}

function renderPlan(out: string[], doc: AssessDocument): void {
  const plan = doc.plan;
  out.push('## Plan', '', `Every change is made on the branch ${code(plan.branch)} and merged only after review.`, '');
  plan.phases.forEach((phase, i) => {
    const title = `### ${i + 1}. ${PHASE_TITLES[phase.name]}`;
    if (phase.skipped !== null) {
      out.push(`${title} (${phase.skipped})`, '');
      return;
    }
    out.push(`${title} (${hours(phase.hours)}, days ${phase.startDay} to ${phase.endDay})`, '');
    for (const step of plan.steps.filter((s) => s.phase === phase.name)) {
      out.push(`#### ${step.title}`, '', `${code(step.id)}: ${hours(step.hours)}, risk ${step.risk}. Why: ${step.why}.`, '');
      if (step.commands.length > 0) out.push('```sh', ...step.commands, '```', '');
    }
  });

  const r = plan.rollback;
  out.push('## Rollback', '', ...r.how.map((h) => `- ${h}`), '');
  out.push(`Time to roll back: about ${hours(r.hours)}. Data-loss risk: ${r.dataLossRisk} (${r.why}).`, '');
  out.push('```sh', ...r.commands, '```', '');

  out.push('## Testing', '', '### Strategy', '', ...plan.testing.strategy.map((t) => `- ${t}`), '');
  out.push('### Acceptance criteria', '', ...plan.testing.acceptance.map((a) => `- [ ] ${a}`), '');

  out.push('## Timeline', '', `Working days of ${plan.hoursPerDay} h, from day 0; phases one after another.`, '');
  out.push('| phase | hours | start day | end day | |', '|---|---:|---:|---:|---|');
  const last = plan.phases.reduce((m, p) => Math.max(m, p.endDay), 0);
  for (const p of plan.phases) out.push(`| ${PHASE_TITLES[p.name]} | ${p.hours} | ${p.startDay} | ${p.endDay} | ${p.skipped !== null ? 'skipped' : bar(p.startDay, p.endDay, last)} |`);
  out.push('');

  out.push('## Success criteria', '', ...plan.success.map((s) => `- [ ] ${s}`), '');
}

/** A phase as a bar on a 20-column timeline: where it starts and how long it takes. */
function bar(start: number, end: number, last: number): string {
  if (last <= 0) return '';
  const from = Math.round((start / last) * 20);
  const to = Math.max(from + 1, Math.round((end / last) * 20));
  return `\`${'.'.repeat(from)}${'#'.repeat(to - from)}${'.'.repeat(Math.max(0, 20 - to))}\``;
}
