import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { err, ok, type Result } from '../core/result.js';

/** Reading a checklist so it can be written back byte for byte. */

export type ChecklistReadFailure =
  /** No such file (relative to the project root). */
  | { readonly reason: 'checklist-not-found'; readonly file: string }
  /** It exists but cannot be read, or is not UTF-8. */
  | { readonly reason: 'checklist-unreadable'; readonly file: string; readonly message: string };

/**
 * The text of `file` (relative to the project root). Decoded strictly, keeping a byte-order
 * mark, so that encoding the text again gives back exactly the bytes read.
 */
export async function readChecklist(projectRoot: string, file: string): Promise<Result<{ readonly absolute: string; readonly text: string }, ChecklistReadFailure>> {
  const absolute = path.resolve(projectRoot, file);
  let bytes: Buffer;
  try {
    bytes = await readFile(absolute);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return err({ reason: 'checklist-not-found', file });
    return err({ reason: 'checklist-unreadable', file, message: (e as Error).message });
  }
  try {
    return ok({ absolute, text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes) });
  } catch {
    return err({ reason: 'checklist-unreadable', file, message: 'it is not UTF-8 text' });
  }
}
