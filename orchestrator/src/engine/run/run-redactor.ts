import { readCodexLogin } from '../../backends/codex-login.js';
import type { AnalyzedGraph } from '../../graph/analyzed.js';
import { Redactor } from '../../store/secrets/redactor.js';
import { collectSecrets } from '../../store/secrets/sources.js';

/**
 * The redactor of a run of `graph` in `env`: OPENAI_API_KEY, secret-looking variables, the graph's
 * `settings.secretEnv` and `settings.secrets`, and every credential of the user's Codex sign-in
 * (whichever model the run uses). A run and its resumed sessions make it the same way.
 */
export function runRedactor(env: NodeJS.ProcessEnv, graph: Pick<AnalyzedGraph, 'settings'>): Redactor {
  const sources = collectSecrets(env, { patterns: graph.settings.secrets.patterns, envNames: graph.settings.secrets.env });
  const login = readCodexLogin(env);
  if (!login.ok) return Redactor.from(sources);
  const known = new Set(sources.values.map((v) => v.value));
  return Redactor.from({ ...sources, values: [...sources.values, ...login.value.secrets.filter((s) => !known.has(s.value))] });
}
