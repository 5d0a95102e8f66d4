import type { Result } from '../core/result.js';
import type { AnalyzedGraph } from '../graph/analyzed.js';
import { checkRepository } from '../graph/check-repo.js';
import { loadGraph, type GraphLoadFailure } from '../graph/load.js';
import { checkChecklists } from '../review/checklist-refs.js';

/**
 * Loads a graph file as `validate`, `run` and `retry --reload` take it: analyzed, and checked
 * against its repository at the base commit and against its checklists (relative to
 * `projectRoot`), every problem in one report.
 */
export function loadCheckedGraph(file: string, projectRoot: string): Promise<Result<AnalyzedGraph, GraphLoadFailure>> {
  return loadGraph(file, [checkRepository, checkChecklists(projectRoot)]);
}
