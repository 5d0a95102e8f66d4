import { err, ok, type Result } from '../core/result.js';

/** A file that could not be written (no permission, a full disk): the user's to fix, as a value. */
export interface Unwritable {
  readonly reason: 'unwritable';
  readonly file: string;
  readonly message: string;
}

/** Runs a write; an error with a code (EACCES, ENOSPC, …) becomes `Unwritable` naming `file`, any other is a bug and thrown. */
export async function writing<T>(file: string, work: () => Promise<T>): Promise<Result<T, Unwritable>> {
  try {
    return ok(await work());
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === undefined) throw e;
    return err({ reason: 'unwritable', file, message: code });
  }
}
