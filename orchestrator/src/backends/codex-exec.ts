import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { describeAbort } from '../core/abort.js';
import { addUsage, type TokenUsage } from '../core/events.js';
import { terminateTree } from '../core/process-tree.js';
import type { AgentBackend, TurnOutcome, TurnRequest } from './backend.js';
import { codexBinary, codexEnv } from './codex-binary.js';
import { configArgs, tmpDirConfig, turnTmpDir } from './codex-home.js';
import { fromExecLine } from './codex-events.js';
import { followRolloutUsage } from './codex-rollout.js';

/**
 * The `codex-exec` backend: one `codex exec --json` process per turn, and
 * `codex exec resume <thread_id>` to continue a thread (also from a new orchestrator process).
 * Works with current Codex releases too, which no longer have `codex mcp-server`.
 */

export interface CodexExecOptions {
  readonly codexHome: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly onStderr?: (text: string) => void;
}

export class CodexExecBackend implements AgentBackend {
  readonly name = 'codex-exec' as const;
  private readonly live = new Set<number>();

  constructor(private readonly options: CodexExecOptions) {}

  runTurn(request: TurnRequest): Promise<TurnOutcome> {
    const bin = codexBinary();
    const common = ['--json', '--skip-git-repo-check', '-c', 'approval_policy="never"', ...configArgs(tmpDirConfig(turnTmpDir(request, this.options.codexHome)))];
    if (request.developerInstructions) common.push('-c', `developer_instructions=${JSON.stringify(request.developerInstructions)}`);
    const args = request.threadId
      ? [...bin.prefixArgs, 'exec', '-s', 'workspace-write', 'resume', ...common, request.threadId, '--', request.prompt]
      : [...bin.prefixArgs, 'exec', '-C', request.cwd, '-s', 'workspace-write', ...common, '--', request.prompt];
    return new Promise<TurnOutcome>((resolve) => {
      // stdin closed: `codex exec` waits for more input while stdin is an open pipe.
      const child = spawn(bin.command, args, {
        cwd: request.cwd,
        env: codexEnv(this.options.codexHome, this.options.env),
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      const pid = child.pid;
      if (pid !== undefined) this.live.add(pid);
      let threadId = request.threadId;
      let usage: TokenUsage | undefined;
      let finalMessage = '';
      let lastError: string | undefined;
      let turnFailed = false;
      // Usage while the turn works, from the thread's rollout file; exec's own figure at the end.
      const rollout = followRolloutUsage(this.options.codexHome, request.threadId, (turn) => {
        request.onEvent({ type: 'usage', usage: usage ? addUsage(usage, turn) : turn }, { type: 'rollout.token_count', turn_usage: turn });
      });
      const lines = createInterface({ input: child.stdout });
      lines.on('line', (line) => {
        let raw: unknown;
        try {
          raw = JSON.parse(line);
        } catch {
          request.onEvent(null, { unparsed: line });
          return;
        }
        const event = fromExecLine(raw);
        if (event?.type === 'thread-started' && event.threadId) {
          threadId = event.threadId;
          rollout.thread(event.threadId);
        }
        if (event?.type === 'message') finalMessage = event.text;
        if (event?.type === 'error') lastError = event.message;
        if ((raw as { type?: string }).type === 'turn.failed') turnFailed = true;
        if (event?.type === 'usage') {
          rollout.stop();
          // exec reports one turn's usage; a task's figure is the sum of its turns.
          usage = usage ? addUsage(usage, event.usage) : event.usage;
          request.onEvent({ type: 'usage', usage }, raw);
          return;
        }
        request.onEvent(event, raw);
      });
      child.stderr.on('data', (chunk: Buffer) => this.options.onStderr?.(chunk.toString('utf8')));
      const onAbort = (): void => {
        if (pid !== undefined) void terminateTree(pid, 300);
      };
      request.signal.addEventListener('abort', onAbort, { once: true });
      const timer = setTimeout(onAbort, request.timeoutMs);
      let spawnError: Error | undefined;
      child.on('error', (e) => {
        spawnError = e;
      });
      child.on('close', (code, sig) => {
        clearTimeout(timer);
        rollout.stop();
        request.signal.removeEventListener('abort', onAbort);
        if (pid !== undefined) this.live.delete(pid);
        if (request.signal.aborted) {
          resolve({ status: 'failed', reason: 'aborted', message: describeAbort(request.signal), threadId, usage });
        } else if (spawnError) {
          resolve({ status: 'failed', reason: 'process-exited', message: `could not start codex: ${spawnError.message}`, threadId, usage });
        } else if (turnFailed || (code !== 0 && lastError !== undefined)) {
          // An `error` line alone is not a failure: Codex prints `Reconnecting... 1/5` for a
          // stream it retries, then completes the turn and exits 0.
          resolve({ status: 'failed', reason: 'codex-error', message: lastError ?? 'Codex reported that the turn failed', threadId, usage });
        } else if (code !== 0) {
          resolve({ status: 'failed', reason: 'process-exited', message: `codex exec exited with ${sig ?? `code ${code}`}`, threadId, usage });
        } else {
          resolve({ status: 'completed', threadId, finalMessage, usage });
        }
      });
    });
  }

  async close(): Promise<void> {
    await Promise.all([...this.live].map((pid) => terminateTree(pid, 300)));
    this.live.clear();
  }
}
