import { formatDuration } from '../core/abort.js';
import type { ManifestView } from '../store/manifest-view.js';
import { describeCounts } from '../store/manifest-summary.js';

/**
 * `ls`: one row per run of the runs folder, newest first: id, graph, status (a dead
 * orchestrator's run is `died`), when it started, how long it took (or has taken), and its task
 * counts. A run folder whose manifest cannot be read is a row with its problem, never skipped.
 */

export const LS_SCHEMA = 'codex-orchestrator/ls@1';

export interface RunRow {
  readonly id: string;
  /** The graph's name; null when the manifest cannot be read. */
  readonly graph: string | null;
  readonly status: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  /** From the start to the end, or to now while it runs. */
  readonly durationMs: number | null;
  readonly counts: Readonly<Record<string, number>>;
  /** Why the manifest cannot be read, else null. */
  readonly problem: string | null;
}

export type RunListing = { readonly id: string; readonly view: ManifestView; readonly status: string } | { readonly id: string; readonly problem: string };

export function runRows(listings: readonly RunListing[], now: number): RunRow[] {
  const rows = listings.map((l): RunRow => {
    if ('problem' in l) return { id: l.id, graph: null, status: 'unreadable', startedAt: null, finishedAt: null, durationMs: null, counts: {}, problem: l.problem };
    const v = l.view;
    const end = v.finishedAt ? Date.parse(v.finishedAt) : now;
    return {
      id: l.id,
      graph: v.graph.name,
      status: l.status,
      startedAt: v.startedAt,
      finishedAt: v.finishedAt ?? null,
      durationMs: v.durationMs ?? Math.max(0, end - Date.parse(v.startedAt)),
      counts: v.counts,
      problem: null,
    };
  });
  // Run ids begin with their start time: newest first is the ids in reverse.
  return rows.sort((a, b) => b.id.localeCompare(a.id));
}

export function renderRunTable(rows: readonly RunRow[]): string {
  if (rows.length === 0) return 'no runs';
  const cells = rows.map((r) => [
    r.id,
    r.graph ?? '-',
    r.status.toUpperCase(),
    r.startedAt?.replace(/\.\d{3}Z$/, 'Z') ?? '-',
    r.durationMs === null ? '-' : formatDuration(r.durationMs),
    r.problem ?? describeCounts(r.counts),
  ]);
  const head = ['RUN', 'GRAPH', 'STATUS', 'STARTED', 'DURATION', 'TASKS'];
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: readonly string[]): string => c.map((x, i) => (i === c.length - 1 ? x : x.padEnd(widths[i]!))).join('  ');
  return [line(head), ...cells.map(line)].join('\n');
}
