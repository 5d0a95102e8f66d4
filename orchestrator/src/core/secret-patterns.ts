import { err, ok, type Result } from './result.js';

/**
 * Secret patterns from a graph's `settings.secrets`: JavaScript regular expressions (no slashes,
 * no flags) whose matches are redacted from everything a run writes. One function compiles them,
 * so the graph analyzer rejects exactly what the redactor could not use.
 */

/** Why a pattern cannot be used: the engine's own wording, for the graph error. */
export type SecretPatternProblem =
  /** Not a regular expression; `detail` is the engine's reason, e.g. "Unterminated group". */
  | { readonly reason: 'invalid'; readonly detail: string }
  /** Matches the empty string, so it would mark every position of every file as a secret. */
  | { readonly reason: 'matches-empty' };

export function compileSecretPattern(pattern: string): Result<RegExp, SecretPatternProblem> {
  let re: RegExp;
  try {
    re = new RegExp(pattern, 'g');
  } catch (e) {
    // V8: "Invalid regular expression: /(a/g: Unterminated group"; the part after the last ": " is the reason.
    const message = e instanceof Error ? e.message : String(e);
    return err({ reason: 'invalid', detail: message.slice(message.lastIndexOf(': ') + 2) || message });
  }
  if (matchesEmpty(re)) return err({ reason: 'matches-empty' });
  return ok(re);
}

/**
 * Whether the pattern can match zero characters (`a*`, `x|`, `\b`). Tried on a few small texts,
 * since a zero-width match depends on its neighbours; the redactor skips any it meets anyway.
 */
function matchesEmpty(re: RegExp): boolean {
  for (const sample of ['', 'a', 'Z', '0', '_', ' ', '-', 'ab cd', '\n']) {
    re.lastIndex = 0;
    for (let m = re.exec(sample); m !== null; m = re.exec(sample)) {
      if (m[0] === '') {
        re.lastIndex = 0;
        return true;
      }
    }
  }
  re.lastIndex = 0;
  return false;
}
