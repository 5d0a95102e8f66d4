import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { err, ok, type Result } from '../core/result.js';
import type { AnalyzedGraph } from '../graph/analyzed.js';
import { growGraph } from '../graph/fan-out.js';
import { analyzeGraphSource } from '../graph/load.js';
import type { Manifest } from '../store/manifest.js';

/**
 * The graph a run ran, from its copy in the run folder (`graph.yaml`, covered by the seal), read
 * as if it were still at its original path so relative settings mean what they meant then, and
 * grown by the run's fan-outs (`manifest.expansions`), so the tasks they added are there too.
 */
export async function readRunGraph(manifest: Manifest, runDir: string): Promise<Result<AnalyzedGraph, { readonly file: string; readonly message: string }>> {
  const file = path.join(runDir, manifest.graph.copy);
  let source: string;
  try {
    source = await readFile(file, 'utf8');
  } catch (e) {
    return err({ file, message: (e as Error).message });
  }
  const analyzed = analyzeGraphSource(manifest.graph.path, source);
  if (!analyzed.ok) return err({ file, message: analyzed.error.reason === 'invalid' ? 'it no longer passes analysis' : 'it is not a graph file' });
  const grown = growGraph(analyzed.value, manifest.expansions ?? []);
  if (!grown.ok) return err({ file, message: `grown by the run's fan-outs, it no longer passes analysis: ${grown.error.map((d) => d.message).join('; ')}` });
  return ok(grown.value);
}
