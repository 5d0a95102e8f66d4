/**
 * Coalesced writes of one file that is rewritten whole (a run's manifest): a write asked for
 * while one is under way or held back waits for it, then for `spacing` times what it cost (the
 * milliseconds `write` resolves to: its own work, not the disk's; else the time it took), at
 * least `minGapMs`, at most `maxGapMs`, and takes in every change asked for meanwhile. So
 * writing costs a bounded share of the time however large the file grows (a 2.6 MB manifest of
 * 1,000 tasks: about a second behind), and the bytes written grow with how long the writer
 * works, not with its square. `flush` writes at once.
 */
export class SpacedWrites {
  private writing: Promise<void> | undefined;
  private dirty = false;
  private later: NodeJS.Timeout | undefined;
  /** When the next write may start (`performance.now()`): the last one's end plus its gap. */
  private nextAt = 0;
  /** A write that threw (a bug: expected failures are the writer's to record): `flush` throws it. */
  private bug: Error | undefined;

  constructor(
    private readonly write: () => Promise<number | void>,
    private readonly spacing = 20,
    private readonly maxGapMs = 5000,
    private readonly minGapMs = 250,
  ) {}

  /** A write soon: at once when none is under way, held back or due to wait after the last one. */
  schedule(): void {
    if (this.writing || this.later) {
      this.dirty = true;
      return;
    }
    const wait = this.nextAt - performance.now();
    if (wait >= 1) {
      this.dirty = true;
      this.later = setTimeout(() => this.start(), wait);
      return;
    }
    this.start();
  }

  /** Resolves once every change asked for so far is written; throws a write's bug. */
  async flush(): Promise<void> {
    while (this.writing || this.dirty) {
      if (!this.writing) this.start();
      await this.writing;
    }
    if (this.bug) throw this.bug;
  }

  /** Whether a write is held back. */
  get held(): boolean {
    return this.later !== undefined;
  }

  /** A write held back goes out now, not after its gap. */
  hurry(): void {
    if (this.later) this.start();
  }

  private cancel(): void {
    if (this.later) clearTimeout(this.later);
    this.later = undefined;
  }

  private start(): void {
    this.cancel();
    this.dirty = false;
    const started = performance.now();
    let cost: number | undefined;
    this.writing = this.write()
      .then(
        (c) => {
          if (typeof c === 'number') cost = c;
        },
        (e: unknown) => {
          this.bug = e instanceof Error ? e : new Error(String(e));
        },
      )
      .finally(() => {
        this.writing = undefined;
        const gap = Math.min(this.maxGapMs, Math.max(this.minGapMs, this.spacing * (cost ?? performance.now() - started)));
        this.nextAt = performance.now() + gap;
        if (!this.dirty) return;
        if (gap < 1) this.start();
        else this.later = setTimeout(() => this.start(), gap);
      });
  }
}
