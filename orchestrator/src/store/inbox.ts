import { randomBytes } from 'node:crypto';
import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { OperatorStatus, TaskOverrides } from './manifest.js';
import { writeRunFileAtomic } from './run-files.js';

/**
 * A live run's inbox: how `approve`, `reject`, `send` and `retry` reach a run whose orchestrator is still
 * working (and so holds the run lock, the one writer). The command posts a request file; the
 * orchestrator picks it up within a moment, applies it as the one writer, and posts a reply the
 * command waits for. Both files are written atomically, never through a link.
 *
 *   <run>/inbox/<id>.request.json   written by the command
 *   <run>/inbox/<id>.reply.json     written by the orchestrator, read (and removed) by the command
 */

export const InboxRequest = z.object({
  id: z.string().regex(/^[0-9a-z-]{8,64}$/),
  kind: z.enum(['approve', 'reject', 'send', 'retry', 'execute']),
  taskId: z.string(),
  reviewer: z.string().optional(),
  note: z.string().optional(),
  reason: z.string().optional(),
  /** For `send`: the follow-up prompt. */
  prompt: z.string().optional(),
  /** For `execute` (`migrate execute --status`): the operator's mark of a manual task, and who. */
  status: OperatorStatus.optional(),
  by: z.string().optional(),
  /** For `retry --reload`: the task's settings from the graph file. */
  overrides: TaskOverrides.optional(),
  requestedAt: z.string(),
  pid: z.number().int(),
});
export type InboxRequest = z.infer<typeof InboxRequest>;

export const InboxReply = z.object({
  id: z.string(),
  ok: z.boolean(),
  /** For people: what happened, or why not. */
  message: z.string(),
  /** What the command needs to report the outcome as it would have itself (per request kind). */
  data: z.unknown().optional(),
  repliedAt: z.string(),
});
export type InboxReply = z.infer<typeof InboxReply>;

export function inboxDir(runDir: string): string {
  return path.join(runDir, 'inbox');
}

export function newRequestId(): string {
  return `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

export async function postRequest(runDir: string, request: InboxRequest): Promise<void> {
  await writeRunFileAtomic(runDir, path.join(inboxDir(runDir), `${request.id}.request.json`), `${JSON.stringify(request, null, 2)}\n`);
}

/** Requests waiting for the orchestrator, oldest first. Unreadable files are answered as such. */
export async function pendingRequests(runDir: string): Promise<{ requests: InboxRequest[]; unreadable: string[] }> {
  let names: string[];
  try {
    names = await readdir(inboxDir(runDir));
  } catch {
    return { requests: [], unreadable: [] };
  }
  const requests: InboxRequest[] = [];
  const unreadable: string[] = [];
  for (const name of names.filter((n) => n.endsWith('.request.json')).sort()) {
    const file = path.join(inboxDir(runDir), name);
    try {
      requests.push(InboxRequest.parse(JSON.parse(await readFile(file, 'utf8'))));
    } catch {
      unreadable.push(file);
    }
  }
  requests.sort((a, b) => a.requestedAt.localeCompare(b.requestedAt));
  return { requests, unreadable };
}

/** Answers a request: the reply is written first, then the request removed. */
export async function reply(runDir: string, id: string, ok: boolean, message: string, data?: unknown): Promise<void> {
  const answer: InboxReply = { id, ok, message, ...(data === undefined ? {} : { data }), repliedAt: new Date().toISOString() };
  await writeRunFileAtomic(runDir, path.join(inboxDir(runDir), `${id}.reply.json`), `${JSON.stringify(answer, null, 2)}\n`);
  await rm(path.join(inboxDir(runDir), `${id}.request.json`), { force: true });
}

/**
 * Waits for the reply to a request, up to `timeoutMs` or until `gone()` says the orchestrator
 * ended. On timeout the request is withdrawn (unless it was answered meanwhile).
 */
export async function awaitReply(runDir: string, id: string, timeoutMs: number, gone: () => boolean): Promise<InboxReply | undefined> {
  const file = path.join(inboxDir(runDir), `${id}.reply.json`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const answer = InboxReply.parse(JSON.parse(await readFile(file, 'utf8')));
      await rm(file, { force: true });
      return answer;
    } catch {
      // Not there yet.
    }
    if (Date.now() > deadline || gone()) {
      await rm(path.join(inboxDir(runDir), `${id}.request.json`), { force: true });
      return undefined;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
