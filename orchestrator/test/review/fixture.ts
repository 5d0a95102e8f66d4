import { cpSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { addFile, repoWithGraph, runGraph } from '../helpers/run.js';
import { tempDir } from '../helpers/temp.js';

/** The checklist the review tests' graph links to (LF endings, a near-miss item, a fenced example). */
export const CHECKLIST = [
  '# Review checklist',
  '',
  '- [ ] make-file: Make the file',
  '- [ ] make-file-twice: not linked (its key only starts like make-file)',
  '  - [ ] sign-off: Sign it off',
  '',
  '```md',
  '- [ ] make-file: an example inside a code block, never an item',
  '```',
  '',
].join('\n');

export const GRAPH = `
tasks:
  - id: make-file
    title: Make the file
    role: builder
    checklist: tasks/tasks-review.md#make-file
    prompt: |
${addFile('made.txt', 'made')}
    verify: ["test -f made.txt"]
  - id: sign-off
    role: gate
    deps: [make-file]
    checklist: tasks/tasks-review.md#sign-off
  - id: broken
    role: builder
    prompt: "\`\`\`sh\\necho broken\\n\`\`\`"
    verify: ["exit 3"]
    maxFixAttempts: 0
`;

export interface Project {
  readonly repo: string;
  readonly runsDir: string;
  readonly runId: string;
  readonly runDir: string;
}

/**
 * One real run (real Codex, offline model) of GRAPH: `make-file` succeeds, `sign-off` awaits
 * approval, `broken` fails its check. The run ends `failed` and sealed. Made once per test file.
 */
export async function finishedRun(): Promise<Project & { readonly graph: string }> {
  const { repo, graph, runsDir } = repoWithGraph(GRAPH, { 'tasks/tasks-review.md': CHECKLIST, 'tasks/index.json': INDEX(new Date().toISOString().slice(0, 10)) });
  const { manifest, runDir } = await runGraph(graph, runsDir);
  // The repository is removed after the first test; keep a copy for the whole file.
  const kept = copyProject({ repo, runsDir, runId: manifest.runId, runDir }, 'file');
  return { ...kept, graph };
}

export function INDEX(lastReview: string): string {
  return `{\n  "specs": [\n    {\n      "id": "review",\n      "checklist": "tasks/tasks-review.md",\n      "last_review": "${lastReview}"\n    }\n  ]\n}\n`;
}

/** A copy of the whole project (repository, runs, key), for a test that changes things. */
export function copyProject(p: Project, scope: 'test' | 'file' = 'test'): Project {
  const repo = path.join(tempDir('co-review-', scope), 'project');
  cpSync(p.repo, repo, { recursive: true, verbatimSymlinks: true });
  const runsDir = path.join(repo, '.runs');
  return { repo, runsDir, runId: p.runId, runDir: path.join(runsDir, p.runId) };
}

export function read(p: Project, rel: string): string {
  return readFileSync(path.join(p.repo, rel), 'utf8');
}
