/**
 * Expected failures are values, not exceptions. Throw only for bugs.
 */
export type Result<T, E> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: E };

export function ok<T>(value: T): { readonly ok: true; readonly value: T } {
  return { ok: true, value };
}

export function err<E>(error: E): { readonly ok: false; readonly error: E } {
  return { ok: false, error };
}

/** Marks a switch as exhaustive: adding a union member without handling it fails to compile. */
export function assertNever(value: never, what = 'value'): never {
  throw new Error(`Internal error: unexpected ${what}: ${JSON.stringify(value)}`);
}

/** A promise's outcome held as a value, so work can start now and be awaited later without an unhandled rejection meanwhile. */
export type Settled<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly thrown: unknown };

export function settle<T>(work: Promise<T>): Promise<Settled<T>> {
  return work.then(
    (value) => ({ ok: true, value }),
    (thrown: unknown) => ({ ok: false, thrown }),
  );
}

/** The value, or what was thrown, thrown again here. */
export function unsettle<T>(settled: Settled<T>): T {
  if (settled.ok) return settled.value;
  throw settled.thrown;
}
