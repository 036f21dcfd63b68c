const FIRST_DELAY_MS = 1_000;
const MAX_DELAY_MS = 30_000;

interface Pending {
  timer: ReturnType<typeof setTimeout> | undefined;
  readonly done: Promise<void>;
  readonly finish: () => void;
}

/**
 * Executions whose commit failed wait here to be reloaded from their last
 * durable state, retried with doubling delays while the store keeps failing.
 * `waitFor` on such an execution waits for its reload instead of failing.
 *
 * @internal
 */
export class ReloadSchedule {
  private readonly pending = new Map<string, Pending>();

  /** `load` resolves true when the execution is back (or has nothing to resume), false to try again. */
  constructor(private readonly load: (id: string) => Promise<boolean>) {}

  schedule(id: string, delayMs = FIRST_DELAY_MS): void {
    let entry = this.pending.get(id);
    if (entry === undefined) {
      let finish = (): void => undefined;
      const done = new Promise<void>((resolve) => {
        finish = resolve;
      });
      entry = { timer: undefined, done, finish };
      this.pending.set(id, entry);
    }
    if (entry.timer !== undefined) clearTimeout(entry.timer);
    const current = entry;
    current.timer = setTimeout(() => {
      current.timer = undefined;
      void this.attempt(id, current, delayMs);
    }, delayMs);
  }

  /** Resolves when the execution's reload is over; undefined when none is pending. */
  whenReloaded(id: string): Promise<void> | undefined {
    return this.pending.get(id)?.done;
  }

  /** Stops every pending reload; their waiters resume (and find the engine stopped). */
  clear(): void {
    for (const entry of this.pending.values()) {
      if (entry.timer !== undefined) clearTimeout(entry.timer);
      entry.finish();
    }
    this.pending.clear();
  }

  private async attempt(id: string, entry: Pending, delayMs: number): Promise<void> {
    let loaded = false;
    try {
      loaded = await this.load(id);
    } catch {
      loaded = false;
    }
    if (this.pending.get(id) !== entry) return;
    if (loaded) {
      this.pending.delete(id);
      entry.finish();
    } else {
      this.schedule(id, Math.min(delayMs * 2, MAX_DELAY_MS));
    }
  }
}
