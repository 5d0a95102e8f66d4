import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { err, ok, type Result } from '../core/result.js';
import type { AnalyzedGraph } from '../graph/analyzed.js';
import { analyzeGraphSource } from '../graph/load.js';
import type { Manifest } from '../store/manifest.js';

/**
 * The graph a run ran, from its copy in the run folder (`graph.yaml`, covered by the seal), read
 * as if it were still at its original path so relative settings mean what they meant then.
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
  return ok(analyzed.value);
}
