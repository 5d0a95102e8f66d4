import { BRANCH, PILOT_GRAPH, restoreCommand } from './plan-data.js';
import type { PlanInput } from './plan.js';
import type { Plan } from './schema.js';

/**
 * The parts of the plan that are not steps: how to roll back (and what it may cost in time and
 * data), how the migration is tested and when it is accepted, and what success means. They read
 * the same detection as the steps, so a plan with a database says how its data comes back.
 */

export function rollbackOf({ detection: d, features: f }: PlanInput): Plan['rollback'] {
  const databases = d.dataStores.filter((s) => s.kind === 'database').map((s) => s.name);
  const how = [
    `Until it is merged, the migration is the branch ${BRANCH}: switching back to main and deleting the branch undoes it.`,
    'After the merge, revert the merge commit: one new commit that takes every change of the migration back out, history kept.',
    "The orchestrator's records (.runs/, its worktrees and branches codex-orchestrator/<run-id>) are outside the project's code: remove them once no review needs them.",
  ];
  const commands = ['git switch main', `git branch -D ${BRANCH}`, 'git revert -m 1 <merge-commit>', 'git worktree prune'];
  if (databases.length > 0) {
    how.push(`Data: restore ${databases.join(', ')} from the backups of the data-migration phase, then run the schema migrations back to the version main expects.`);
    commands.push(...databases.map(restoreCommand));
  }
  if (!f.inGit) how.unshift('The folder had no git history: the baseline commit of the preparation phase is the only way back, so it is made before any other step.');
  const hours = 0.5 + databases.length + (f.inGit ? 0 : 1);
  const dataLossRisk = databases.length > 0 ? (f.dataTools.length > 0 ? 'medium' : 'high') : f.inGit ? 'low' : 'medium';
  const why =
    databases.length > 0
      ? f.dataTools.length > 0
        ? `writes to ${databases.join(', ')} after the backup are lost on restore; schema migrations (${f.dataTools.join(', ')}) make the schema's way back repeatable`
        : `writes to ${databases.join(', ')} after the backup are lost on restore, and no migration tool records the schema's changes`
      : f.inGit
        ? 'no data store was detected and every change is a commit: a revert loses nothing'
        : 'without git history, only what the baseline commit holds can be restored';
  return { how, commands, hours, dataLossRisk, why };
}

export function testingOf({ detection: d, features: f }: PlanInput): Plan['testing'] {
  const test = d.commands.test.map((c) => c.command);
  const install = d.commands.install.map((c) => c.command);
  const strategy = [
    test.length > 0
      ? `Baseline: run ${test.join(', ')} on main before any change and keep the output to compare against.`
      : 'Baseline: there is no test command; characterisation tests written first (gap implementation) become the baseline.',
    `Every task runs in a fresh worktree: setup ${install.join(', ') || '(no install command detected)'}, then its verify commands, the project's own (${test.join(', ') || 'from the new tests'}).`,
    'A trial run of the pilot graph on the offline model checks the graph, the setup and the verify commands without a model.',
  ];
  if (d.dataStores.length > 0) strategy.push('Tests that touch the database run against a database of their own per worktree, migrated in the setup; never against a shared or production one.');
  if (f.hasCi) strategy.push(`CI (${d.ci.map((c) => c.name).join(', ')}) runs the same commands on the branch before it is merged.`);
  const acceptance = [
    test.length > 0
      ? `${test.join(' and ')} ${test.length === 1 ? 'passes' : 'pass'} on ${BRANCH} with the same tests as on main, and no new failures.`
      : 'The characterisation tests pass on main and on the migration branch alike.',
    `npx codex-orchestrator validate ${PILOT_GRAPH} reports no problem.`,
    'The trial run ends with every task succeeded, and verify latest says its seal is intact.',
  ];
  if (d.dataStores.length > 0) acceptance.push('The backup restores into an empty database, and the migration status after the restore matches main.');
  if (f.hasCi || !f.hasTests) acceptance.push('CI is green on the migration branch.');
  return { strategy, acceptance };
}

export function successOf({ detection: d, features: f }: PlanInput): string[] {
  const out = [
    'The pilot graph ran, and its results were reviewed and approved (codex-orchestrator approve) or rejected with a reason.',
    `The project's checks (${d.commands.test.map((c) => c.command).join(', ') || 'the new characterisation tests'}) pass on main after the merge.`,
    'A new contributor can start a run from AGENTS.md and the pilot graph alone.',
    'The rollback was rehearsed and took no longer than its estimate.',
  ];
  if (d.dataStores.length > 0) out.push('No production data changed during the migration; every database a task touched was its own.');
  if (!f.hasCi) out.push('CI runs on every push and on every pull request.');
  return out;
}
