import type { RunWriter } from '../../store/run-writer.js';
import type { EngineObserver } from '../run/events.js';

/**
 * The run's token budget (`settings.maxTokens`): Codex's and the role agents' tokens of every task,
 * running ones included. Once the run's usage reaches it, nothing new starts (no task, retry or fix
 * attempt: the scheduler is held), tasks already running finish their attempt, and the run ends
 * `failed` with `budget-exceeded`. A resumed run keeps its budget, so one that reached it stays so.
 */
export class Budget {
  private reachedNow: boolean;

  constructor(
    private readonly writer: RunWriter,
    private readonly observer: EngineObserver,
  ) {
    const m = writer.manifest;
    this.reachedNow = m.budget !== undefined && m.usage.total >= m.budget.maxTokens;
  }

  get maxTokens(): number | undefined {
    return this.writer.manifest.budget?.maxTokens;
  }

  /** Whether the run's usage has reached the budget. */
  get reached(): boolean {
    return this.reachedNow;
  }

  /** Call after every change of the run's usage. */
  check(): void {
    const m = this.writer.manifest;
    if (this.reachedNow || m.budget === undefined || m.usage.total < m.budget.maxTokens) return;
    this.reachedNow = true;
    const at = new Date().toISOString();
    this.writer.apply({ kind: 'budget-reached', at });
    const message = `the run reached its token budget: ${m.usage.total} of ${m.budget.maxTokens} tokens (settings.maxTokens); no new task or attempt starts, running ones finish`;
    this.writer.log(message);
    this.observer({ type: 'notice', message });
  }

  /** The run's closing message, once the budget was reached. */
  summary(notStarted: number): string {
    const m = this.writer.manifest;
    return `budget-exceeded: the run used ${m.usage.total} tokens of its budget of ${m.budget?.maxTokens ?? '?'} (settings.maxTokens)${notStarted ? `; ${notStarted} task(s) not started` : ''}`;
  }
}
