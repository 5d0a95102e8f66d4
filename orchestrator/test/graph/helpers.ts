import { analyzeGraphSource } from '../../src/graph/load.js';
import { renderGraphLoadFailure } from '../../src/graph/render.js';

// Rendered error text is part of the product, so tests pin it exactly. Files live under a made-up
// directory and paths are shown relative to it, so the text does not depend on the machine.

/** Renders why `tasks/<name>` (with this text) is rejected; throws if it is accepted. */
export function report(name: string, source: string): string {
  const result = analyzeGraphSource(`/virtual/tasks/${name}`, source);
  if (result.ok) throw new Error(`expected tasks/${name} to be rejected`);
  return renderGraphLoadFailure(result.error, { cwd: '/virtual' });
}

/** A file's text from its lines, with the final newline editors add. */
export function lines(...text: string[]): string {
  return `${text.join('\n')}\n`;
}
