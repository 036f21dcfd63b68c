/**
 * Housekeeping run now and then every `everyMs` until stopped (pruning old
 * history, say): never two runs at once — a run asked for while one is in
 * progress gets that one — and `stop()` waits for the run in progress. The
 * timer does not keep the process alive.
 *
 * @example
 * const chore = new PeriodicChore(() => pruneOldRows(), 3_600_000);
 * await chore.start(); // ran once; again every hour until stop()
 * @internal
 */
export class PeriodicChore<T> {
  private timer: ReturnType<typeof setInterval> | undefined;
  private running: Promise<T> | undefined;

  constructor(
    private readonly chore: () => Promise<T>,
    private readonly everyMs: number,
  ) {}

  /** Runs the chore now and every `everyMs` from now on; resolves with the first run's result. */
  start(): Promise<T> {
    this.timer = setInterval(() => void this.run(), this.everyMs);
    this.timer.unref();
    return this.run();
  }

  /** Runs the chore now, or joins the run in progress. */
  run(): Promise<T> {
    this.running ??= this.chore().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
