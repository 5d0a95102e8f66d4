import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { projectRootOf } from '../../review/project.js';

/**
 * Where a run's CODEX_HOME lives: `<project>/.codex-orchestrator/codex-home/<run-id>/`, beside the
 * project's seal key and like it outside `.runs/`, readable by its owner only (0700), with a
 * `.gitignore` that keeps it out of git.
 *
 * Not in `.runs/`: Codex keeps full, unredacted transcripts there (its rollout files hold every
 * prompt and all command output), and `.runs/` is what people share, upload and review. Not a
 * temporary folder either: a later session of the run (`resume`, a rejected task's rework, `send`)
 * continues a task's Codex thread with `codex exec resume`, which reads the thread from there, and
 * its role agent's conversation (`role-agents/`, see `role-agents.ts`).
 */
export async function runCodexHome(runsDir: string, runId: string): Promise<string> {
  const homes = path.join(projectRootOf(runsDir), '.codex-orchestrator', 'codex-home');
  const home = path.join(homes, runId);
  await mkdir(home, { recursive: true, mode: 0o700 });
  // mkdir's mode is filtered by the umask, and folders that already existed keep theirs.
  for (const dir of [path.dirname(homes), homes, home]) await chmod(dir, 0o700);
  await writeFile(path.join(homes, '.gitignore'), '*\n');
  return home;
}
