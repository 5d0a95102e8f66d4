import { addUsage, ZERO_USAGE, type TokenUsage } from '../../core/events.js';
import type { Attempt, Manifest, TaskRecord } from '../../store/manifest.js';

/**
 * A task attempt's token usage, Codex's and the role agents' apart, kept live in the manifest.
 *
 * Codex reports a thread's usage cumulatively: every turn of the thread so far, earlier attempts'
 * included (a fix, a rework or a `send` continues the thread). An attempt's share is how much the
 * thread grew during it, measured from where the task's earlier attempts left it. Should a report
 * come in lower than that (a count that started over), it counts whole.
 */
export class AttemptUsage {
  /** Each thread's cumulative usage before this attempt. */
  private readonly base = new Map<string, TokenUsage>();
  /** Each thread's latest report during this attempt. */
  private readonly latest = new Map<string, TokenUsage>();
  private agents: TokenUsage = ZERO_USAGE;
  private readonly priorCodex: TokenUsage;
  private readonly priorAgents: TokenUsage;

  /** `record` as it was before this attempt started (its attempts are the earlier ones). */
  constructor(record: Readonly<TaskRecord>) {
    const earlier = record.attempts;
    for (const a of earlier) {
      if (a.threadId && a.codexUsage) this.base.set(a.threadId, addUsage(this.base.get(a.threadId) ?? ZERO_USAGE, a.codexUsage));
    }
    const legacy = earlier.every((a) => a.codexUsage === undefined) && record.codexUsage === undefined;
    // A run from before usage was kept per attempt: the task's usage was its thread's, all Codex's.
    if (legacy && record.usage && record.threadId) this.base.set(record.threadId, record.usage);
    this.priorCodex = record.codexUsage ?? (legacy ? (record.usage ?? ZERO_USAGE) : ZERO_USAGE);
    this.priorAgents = record.agentUsage ?? ZERO_USAGE;
  }

  /** Codex reported `usage` for `threadId` (undefined before the thread is known). */
  codexReported(threadId: string | undefined, usage: TokenUsage): void {
    this.latest.set(threadId ?? '', usage);
  }

  /** A role agent (turn, verdict, triage) used `usage`. */
  agentsUsed(usage: TokenUsage): void {
    this.agents = addUsage(this.agents, usage);
  }

  /** Codex's usage during this attempt. */
  get codex(): TokenUsage {
    let sum = ZERO_USAGE;
    for (const [thread, now] of this.latest) sum = addUsage(sum, growth(this.base.get(thread), now));
    return sum;
  }

  /** Writes the attempt's usage into `attempt` and the task's totals into `task`. */
  record(task: TaskRecord, attempt: Attempt | undefined): void {
    const codex = this.codex;
    if (attempt) {
      attempt.codexUsage = codex;
      attempt.agentUsage = this.agents;
      attempt.usage = addUsage(codex, this.agents);
    }
    task.codexUsage = addUsage(this.priorCodex, codex);
    task.agentUsage = addUsage(this.priorAgents, this.agents);
    task.usage = addUsage(task.codexUsage, task.agentUsage);
  }
}

function growth(base: TokenUsage | undefined, now: TokenUsage): TokenUsage {
  if (!base || now.total < base.total) return now;
  const d = (k: keyof TokenUsage): number => Math.max(0, now[k] - base[k]);
  return { input: d('input'), cachedInput: d('cachedInput'), output: d('output'), reasoning: d('reasoning'), total: d('total') };
}

/** The run's totals from its tasks'. */
export function sumRunUsage(m: Manifest): void {
  let total = ZERO_USAGE;
  let codex = ZERO_USAGE;
  let agents = ZERO_USAGE;
  for (const t of m.tasks) {
    if (t.usage) total = addUsage(total, t.usage);
    // A task from before the split: its usage was all Codex's.
    codex = addUsage(codex, t.codexUsage ?? (t.agentUsage ? ZERO_USAGE : (t.usage ?? ZERO_USAGE)));
    if (t.agentUsage) agents = addUsage(agents, t.agentUsage);
  }
  m.usage = total;
  m.codexUsage = codex;
  m.agentUsage = agents;
}
