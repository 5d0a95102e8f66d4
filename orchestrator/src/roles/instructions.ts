import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { packageRoot } from '../core/package-info.js';
import { err, ok, type Result } from '../core/result.js';
import type { TaskInstructions } from '../graph/analyzed.js';

/**
 * Role instructions: `agents/<role>.md`, one markdown file per role, read by people and models
 * alike. A file has a title and an introduction for people, then `## <Name>` sections:
 *
 *   ## Agent    the role agent's own instructions (@openai/agents)
 *   ## Codex    developer instructions given to Codex for the role's tasks
 *
 * and, for the manager, `## Planning` and `## Triage`. A text with no sections (for instance a
 * task's own `instructions` in a graph) is meant whole for every reader.
 */

/** The roles that have an instructions file. */
export type InstructedRole = 'builder' | 'tester' | 'manager';

/** A role file taken apart. */
export interface RoleText {
  /** `## Name` → the section's text (trimmed), in file order. */
  readonly sections: ReadonlyMap<string, string>;
  /** The whole text, for readers whose section is missing. */
  readonly whole: string;
}

const HEADING = /^## +(.+?) *#*$/;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;

export function parseRoleText(text: string): RoleText {
  const sections = new Map<string, string>();
  let current: string | undefined;
  let lines: string[] = [];
  let fence: string | undefined;
  const flush = (): void => {
    if (current !== undefined) sections.set(current, lines.join('\n').trim());
  };
  for (const line of text.split(/\r?\n/)) {
    const f = FENCE.exec(line)?.[1];
    if (f !== undefined) fence = fence === undefined ? f : line.trimStart().startsWith(fence) ? undefined : fence;
    const heading = fence === undefined ? HEADING.exec(line) : null;
    if (heading) {
      flush();
      current = heading[1]!.trim();
      lines = [];
    } else {
      lines.push(line);
    }
  }
  flush();
  return { sections, whole: text.trim() };
}

/** The text for one reader: its section, else (no sections at all) the whole text. */
export function sectionFor(role: RoleText, name: string): string | undefined {
  if (role.sections.size === 0) return role.whole || undefined;
  return role.sections.get(name);
}

/** Where a role's instructions live: `agents/<role>.md` in the package. */
export function roleFile(role: InstructedRole): string {
  return path.join(packageRoot(), 'agents', `${role}.md`);
}

/** Why a task's instructions could not be read. */
export interface InstructionsFailure {
  readonly reason: 'instructions-unreadable';
  readonly file: string;
  readonly message: string;
}

/**
 * The instructions a task's agent and Codex get: the task's own (graph `instructions` or
 * `instructionsFile`) when it has them, else its role's file. Own text without sections replaces
 * the role's whole; own text with sections replaces only those sections.
 */
export async function taskInstructions(role: Exclude<InstructedRole, 'manager'>, own: TaskInstructions | undefined): Promise<Result<RoleText, InstructionsFailure>> {
  const read = async (file: string): Promise<Result<RoleText, InstructionsFailure>> => {
    try {
      return ok(parseRoleText(await readFile(file, 'utf8')));
    } catch (e) {
      return err({ reason: 'instructions-unreadable', file, message: (e as Error).message });
    }
  };
  const ownText = own === undefined ? undefined : own.kind === 'text' ? ok(parseRoleText(own.text)) : await read(own.path);
  if (ownText !== undefined && (!ownText.ok || ownText.value.sections.size === 0)) return ownText;
  const roleText = await read(roleFile(role));
  if (!roleText.ok || ownText === undefined) return roleText;
  // Sections the task's text gives replace the role's; the others stay.
  return ok({ sections: new Map([...roleText.value.sections, ...ownText.value.sections]), whole: ownText.value.whole });
}
