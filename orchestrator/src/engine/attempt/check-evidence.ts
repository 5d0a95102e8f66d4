import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { CheckResult } from '../../store/manifest.js';
import { noTestsReason } from '../../roles/no-tests.js';
import type { CheckEvidence } from '../../roles/verdict.js';

/** How much of a check's output the agents are shown (the tester's verdict, a fix, triage). */
export const OUTPUT_TAIL_LINES = 30;
const OUTPUT_TAIL_CHARS = 4000;

/**
 * The orchestrator's check results as evidence for the agents, each with the end of its output,
 * and whether its whole output says it ran no tests. The output is read back from the run's
 * files, so it is as redacted as they are.
 */
export async function checkEvidence(runDir: string, checks: readonly CheckResult[]): Promise<CheckEvidence[]> {
  return Promise.all(
    checks.map(async (c) => {
      const text = await readOutput(path.join(runDir, ...c.outputPath.split('/')));
      const noTests = text === undefined ? undefined : noTestsReason({ command: c.command, exitCode: c.exitCode, output: text });
      return {
        command: c.command,
        exitCode: c.exitCode,
        signal: c.signal,
        timedOut: c.timedOut,
        outputPath: c.outputPath,
        ...(text !== undefined ? { output: tail(text) } : {}),
        ...(noTests !== undefined ? { noTests } : {}),
      };
    }),
  );
}

async function readOutput(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

function tail(text: string): string {
  const lines = text.replace(/\n$/, '').split('\n');
  let shown = lines.slice(-OUTPUT_TAIL_LINES).join('\n');
  if (shown.length > OUTPUT_TAIL_CHARS) shown = shown.slice(-OUTPUT_TAIL_CHARS);
  return shown.length < text.replace(/\n$/, '').length ? `[… earlier output cut]\n${shown}` : shown;
}

/** A fenced block whose fence is longer than any run of backticks inside it, so no line of `body` closes it. */
export function fenced(lang: string, body: string): string {
  const longest = Math.max(2, ...[...body.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${lang}\n${body.replace(/\n?$/, '\n')}${fence}`;
}
