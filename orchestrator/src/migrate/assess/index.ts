import { analyze } from './analyze.js';
import { detect } from './detect.js';
import { featuresOf } from './features.js';
import { plan } from './plan.js';
import type { AssessDocument } from './schema.js';
import { ASSESS_SCHEMA } from './schema-id.js';
import type { ScannedTree } from './tree.js';

/**
 * `migrate assess`: scan → detect → analyze → plan → report, one way. Everything after the scan is
 * a pure function of the scanned tree and the clock, which is what the CLI (and the tests) pass in.
 */

export { renderReport, renderSummary } from './report.js';
export { scanTree, type ScanOptions } from './scan.js';
export type { AssessDocument } from './schema.js';
export { ASSESS_SCHEMA } from './schema-id.js';

export interface AssessOptions {
  /** The scanned folder as the user named it (shown in the report). */
  readonly path: string;
  /** The folder's own name (for the worktree the plan's checks run in). */
  readonly name: string;
  /** The report file the CLI writes. */
  readonly report: string;
  readonly now: Date;
}

export function assess(tree: ScannedTree, o: AssessOptions): AssessDocument {
  const detection = detect(tree);
  const features = featuresOf(detection, o.now);
  const scoring = analyze(features);
  return {
    schema: ASSESS_SCHEMA,
    path: o.path,
    name: o.name,
    generatedAt: o.now.toISOString(),
    report: o.report,
    detection,
    scoring,
    plan: plan({ detection, features, scoring, name: o.name }),
  };
}
