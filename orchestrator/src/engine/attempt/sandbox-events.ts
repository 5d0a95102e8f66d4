import path from 'node:path';
import type { AgentEvent } from '../../core/events.js';
import type { SandboxDenial } from '../../store/manifest.js';

/**
 * What Codex's own events say about the sandbox during a turn: writes it denied (a command's
 * output says "Read-only file system", "Permission denied" or "Operation not permitted"; a patch
 * that did not apply for one of these), and patches it applied outside the task's writable
 * folders, which the sandbox should have refused. The denials go into the task's manifest entry
 * (`sandboxDenials`), so `poll` and `review` show them.
 */

/** The most denials kept per attempt: a command looping over a read-only tree says the same thing thousands of times. */
export const MAX_DENIALS = 20;

/** How the manifest spells them, whatever case the output used. */
const MESSAGES = ['Read-only file system', 'Permission denied', 'Operation not permitted'] as const;
const MESSAGE = `(?:${MESSAGES.join('|')})`;
/** Shells and tools spell it in either case: `zsh:1: read-only file system: /x`, node's `EROFS: read-only file system, open '/x'`. */
const DENIED = new RegExp(MESSAGE, 'i');
/** `touch: cannot touch '/x': Read-only file system`, `cp: cannot create regular file '/x': …` */
const QUOTED = new RegExp(String.raw`['‘"]([^'’"\n]+)['’"]:\s*${MESSAGE}`, 'i');
/** dash: `/bin/sh: 1: cannot create /x: Read-only file system` */
const CANNOT_CREATE = new RegExp(String.raw`cannot create ([^:\n]+):\s*${MESSAGE}`, 'i');
/** The path after the message: Python's `[Errno 30] Read-only file system: '/x'`, node's `…, open '/x'`, zsh's `…: /x`. */
const AFTER = new RegExp(String.raw`${MESSAGE}(?::|,\s*\w+)\s*['‘"]?([^'’"\n]+?)['’"]?\s*$`, 'i');
/** `/bin/bash: line 2: /x: Read-only file system`, `mkdir: /x: Permission denied` */
const COLON = new RegExp(String.raw`(?:^|:\s)([^:\s][^:\n]*?):\s*${MESSAGE}`, 'i');

export class SandboxEvents {
  readonly denials: SandboxDenial[] = [];
  /** Files Codex reported changing outside the worktree and the run's temporary folder. */
  readonly writesOutside: string[] = [];

  constructor(
    private readonly worktree: string,
    /** Where the turn's commands start: relative paths in their messages are read from here. */
    private readonly cwd: string,
    private readonly alsoWritable: readonly string[],
  ) {}

  onEvent(event: AgentEvent | null): void {
    if (event?.type === 'command-end' || event?.type === 'command-output') this.fromOutput(event.command, event.output);
    if (event?.type === 'patch-applied') {
      if (!event.success && DENIED.test(event.output)) this.fromOutput('apply_patch', event.output, event.files[0]);
      if (event.success) {
        for (const file of event.files) {
          const abs = path.resolve(this.cwd, file);
          if (!this.writable(abs) && !this.writesOutside.includes(abs)) this.writesOutside.push(abs);
        }
      }
    }
  }

  private writable(abs: string): boolean {
    return [this.worktree, ...this.alsoWritable].some((root) => {
      const rel = path.relative(root, abs);
      return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
    });
  }

  private fromOutput(command: string, output: string, fallbackPath?: string): void {
    for (const line of output.split('\n')) {
      const said = DENIED.exec(line)?.[0];
      const message = said === undefined ? undefined : MESSAGES.find((m) => m.toLowerCase() === said.toLowerCase());
      if (!message || this.denials.length >= MAX_DENIALS) continue;
      const found = [QUOTED, CANNOT_CREATE, AFTER, COLON].map((re) => re.exec(line)?.[1]).find((p) => p !== undefined) ?? fallbackPath;
      const denial: SandboxDenial = { command: firstLine(command), message, ...(found ? { path: path.resolve(this.cwd, found.trim()) } : {}) };
      if (!this.denials.some((d) => d.command === denial.command && d.path === denial.path && d.message === denial.message)) this.denials.push(denial);
    }
  }
}

/** `echo x > /tmp/y (Read-only file system)`: a denial in one line. */
export function describeDenial(d: SandboxDenial): string {
  return `${d.path ?? `\`${d.command}\``}: ${d.message}`;
}

function firstLine(text: string): string {
  const line = text.trim().split('\n')[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}
