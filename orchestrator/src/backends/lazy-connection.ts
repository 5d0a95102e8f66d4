/**
 * A backend's connection to its Codex process: opened at the first use (or `warmUp`), opened
 * again when the one before it died, never after `close`. A failed open is not kept: the next
 * use tries again.
 */
export class LazyConnection<T> {
  private current: Promise<T> | undefined;
  private closing = false;

  constructor(
    private readonly open: () => Promise<T>,
    /** Whether an open connection has since died (its process exited). */
    private readonly dead: (connection: T) => boolean,
  ) {}

  get(): Promise<T> {
    if (this.closing) return Promise.reject(new Error('backend is closed'));
    const existing = this.current;
    if (existing) return existing.then((c) => (this.dead(c) ? this.reopen() : c));
    return this.reopen();
  }

  /** No more connections; the open one (if it opened) is handed to `end`. */
  async close(end: (connection: T) => Promise<void>): Promise<void> {
    this.closing = true;
    const pending = this.current;
    this.current = undefined;
    if (!pending) return;
    let connection: T;
    try {
      connection = await pending;
    } catch {
      return;
    }
    await end(connection);
  }

  private reopen(): Promise<T> {
    const connection = this.open();
    this.current = connection;
    // A failed start must not poison later attempts.
    connection.catch(() => {
      if (this.current === connection) this.current = undefined;
    });
    return connection;
  }
}
