import type { Evidence } from '../schema.js';

/**
 * Facts gathered under a name from many places (a framework named by two manifests, a database
 * by a dependency and a compose service), with their evidence deduplicated and in a stable order.
 */

/** Evidence kept per fact: enough to check it, bounded for repositories that repeat a fact in every folder. */
export const EVIDENCE_PER_FACT = 5;

export class FactSet<K extends string = string> {
  private readonly facts = new Map<K, Map<string, Evidence>>();

  add(name: K, evidence: Evidence | readonly Evidence[]): void {
    let seen = this.facts.get(name);
    if (seen === undefined) this.facts.set(name, (seen = new Map()));
    for (const e of Array.isArray(evidence) ? (evidence as readonly Evidence[]) : [evidence as Evidence]) seen.set(`${e.path}:${e.line ?? ''}`, e);
  }

  has(name: K): boolean {
    return this.facts.has(name);
  }

  /** By name; each fact's evidence by path and line, at most `EVIDENCE_PER_FACT`. */
  list(): { name: K; evidence: Evidence[] }[] {
    return [...this.facts.entries()].sort(([a], [b]) => compare(a, b)).map(([name, seen]) => ({ name, evidence: sortEvidence([...seen.values()]).slice(0, EVIDENCE_PER_FACT) }));
  }
}

export function sortEvidence(evidence: Evidence[]): Evidence[] {
  return evidence.sort((a, b) => compare(a.path, b.path) || (a.line ?? 0) - (b.line ?? 0));
}

export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export const at = (path: string, line: number | null = null): Evidence => ({ path, line });
