import type { ClaimedExecution, SagaStore } from '../store/SagaStore.js';

/** How the engine finds parked executions that are due. */
export interface WakeUpOptions {
  /** How often the store is asked for due executions, whoever parked them (ms). */
  readonly pollIntervalMs: number;
  /** How many executions one claim takes at most. */
  readonly batchSize: number;
}

/**
 * Claims due parked executions from the store in batches and hands them to the
 * engine: at the earliest known wake-up time (its own parked timers nudge it),
 * at once when a command was appended, and at least every poll interval. One
 * claim runs at a time; a full batch is followed by the next one straight away.
 *
 * @internal
 */
export class WakeUpPoller {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private immediate: ReturnType<typeof setImmediate> | undefined;
  private armedAt = Number.POSITIVE_INFINITY;
  private polling = false;
  private again = false;
  private running = false;

  constructor(
    private readonly store: SagaStore,
    private readonly options: WakeUpOptions,
    private readonly onClaimed: (claimed: readonly ClaimedExecution[]) => void,
    /** How many more executions this engine may hold now (a claim takes no more). */
    private readonly capacity: () => number = () => Number.POSITIVE_INFINITY,
  ) {}

  start(): void {
    this.running = true;
    this.nudge(Date.now());
  }

  stop(): void {
    this.running = false;
    this.clear();
    this.armedAt = Number.POSITIVE_INFINITY;
  }

  /** Makes sure a claim runs at `at` (epoch ms) or earlier. */
  nudge(at: number): void {
    if (!this.running || at >= this.armedAt) return;
    this.clear();
    this.armedAt = at;
    const fire = (): void => {
      this.timer = undefined;
      this.immediate = undefined;
      this.armedAt = Number.POSITIVE_INFINITY;
      void this.poll();
    };
    const delay = at - Date.now();
    // Due now (a command was appended): setImmediate, which stays real under a test's fake clock.
    if (delay <= 0) this.immediate = setImmediate(fire);
    else this.timer = setTimeout(fire, delay);
  }

  private clear(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.immediate !== undefined) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
  }

  private async poll(): Promise<void> {
    if (this.polling) {
      this.again = true;
      return;
    }
    this.polling = true;
    let next: number | null = null;
    try {
      for (;;) {
        const limit = Math.min(this.options.batchSize, this.capacity());
        if (limit <= 0) break;
        const { claimed, nextWakeAt } = await this.store.claimDue(Date.now(), limit);
        if (!this.running) return;
        if (claimed.length > 0) this.onClaimed(claimed);
        next = nextWakeAt;
        if (claimed.length < limit) break;
        // Let the claimed executions move before taking the next batch.
        await new Promise((resolve) => setImmediate(resolve));
      }
    } catch {
      // The store is unavailable: the next poll tries again.
    } finally {
      this.polling = false;
    }
    if (!this.running) return;
    const fallback = Date.now() + this.options.pollIntervalMs;
    this.nudge(next === null ? fallback : Math.min(next, fallback));
    if (this.again) {
      this.again = false;
      this.nudge(Date.now());
    }
  }
}
