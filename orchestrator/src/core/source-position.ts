/** A place in a user's file, 1-based, as editors show it. */
export interface SourcePosition {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** How many characters to underline; at least 1. */
  readonly length: number;
}

/** A problem in a user's file, with where it is and what to do about it. */
export interface Diagnostic {
  readonly position: SourcePosition;
  /** What is wrong, one sentence without a trailing period. */
  readonly message: string;
  /** What to do about it, one sentence. */
  readonly hint?: string;
  /** Further places that belong to the same problem (e.g. every edge of a cycle). */
  readonly related?: readonly { readonly position: SourcePosition; readonly message: string }[];
}
