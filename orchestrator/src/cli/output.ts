/**
 * The only place that writes to the terminal. Data goes to stdout, human text to stderr
 * (so `--json` output stays clean). No colour: output is read by scripts and CI logs alike.
 */
export interface Output {
  data(text: string): void;
  info(text: string): void;
  readonly isTTY: boolean;
}

export const consoleOutput: Output = {
  data: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  info: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
  isTTY: process.stderr.isTTY === true && !process.env['CI'],
};

/** Exit codes: part of the CLI's contract. */
export const Exit = {
  ok: 0,
  failed: 1,
  usage: 2,
  internal: 3,
  sigint: 130,
  sigterm: 143,
} as const;

/** A user mistake on the command line: message, hint, exit 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}
