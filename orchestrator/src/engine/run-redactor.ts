import type { AnalyzedGraph } from '../graph/analyzed.js';
import { Redactor } from '../store/secrets/redactor.js';
import { collectSecrets } from '../store/secrets/sources.js';

/**
 * The redactor of a run of `graph` in `env`: OPENAI_API_KEY, secret-looking variables, the graph's
 * `settings.secretEnv` and `settings.secrets`. A run and its resumed sessions make it the same way.
 */
export function runRedactor(env: NodeJS.ProcessEnv, graph: Pick<AnalyzedGraph, 'settings'>): Redactor {
  return Redactor.from(collectSecrets(env, { patterns: graph.settings.secrets.patterns, envNames: graph.settings.secrets.env }));
}
