import type { ScheduleState } from '../../scheduler/scheduler.js';
import type { TaskRecord } from '../../store/manifest.js';

/**
 * Where a task stands for the scheduler, from its record in the run's state. A finished task with
 * a follow-up waiting (a `send`, a rejection's rework, a tester's findings) keeps its status and
 * result until the follow-up's attempt starts, and runs again: to the scheduler it is pending,
 * as it is to `resume`. `ready` (no event sets it; older runs may have it) is pending too.
 */
export function scheduleStateOf(t: Pick<TaskRecord, 'status' | 'role' | 'followUp'>): ScheduleState {
  if (t.status === 'ready') return 'pending';
  if (t.followUp !== undefined && t.role !== 'gate' && t.status !== 'running') return 'pending';
  return t.status;
}
