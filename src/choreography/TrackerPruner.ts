import type Database from 'better-sqlite3';
import { PeriodicChore } from '../runtime/PeriodicChore.js';

/** How long finished instances (Completed, Compensated) are kept in a trackers file: 7 days. */
export const DEFAULT_CHOREOGRAPHY_RETENTION_MS = 7 * 86_400_000;
/** How often a monitor deletes the finished instances older than that. */
export const PRUNE_EVERY_MS = 3_600_000;
/** Instances deleted per transaction: events applied between batches wait no longer than one. */
const BATCH = 500;

/** Checks a retention period: a positive number of ms, or `Infinity` to keep every instance. */
export function checkRetention(retentionMs: number, what = 'retentionMs'): number {
  if (typeof retentionMs !== 'number' || Number.isNaN(retentionMs) || retentionMs <= 0) {
    throw new RangeError(
      `${what} must be a positive number of ms (Infinity keeps finished instances), got ${String(retentionMs)}`,
    );
  }
  return retentionMs;
}

/**
 * Keeps a trackers file bounded: deletes the instances of one choreography
 * that finished (Completed or Compensated) and have not moved for longer than
 * the retention period, with their timelines, when it starts and hourly.
 * Running and Compensating instances are kept however old: they are the ones
 * a person may still need to look at. Several monitors may share a file; each
 * prunes its own choreography.
 *
 * @example
 * const pruner = new TrackerPruner(db, 'order-choreography', DEFAULT_CHOREOGRAPHY_RETENTION_MS);
 * await pruner.start(); // pruned once; again every hour until stop()
 * @internal
 */
export class TrackerPruner {
  private readonly chore: PeriodicChore<number>;
  private readonly oldest: Database.Statement<[string, number, number], { correlation_id: string }>;
  /** Deletes those of the instances picked that are still finished and old; how many. */
  private readonly remove: (picked: string[], before: number) => number;

  constructor(
    db: Database.Database,
    private readonly choreography: string,
    private readonly retentionMs: number,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {
    checkRetention(retentionMs);
    this.chore = new PeriodicChore(() => this.deleteOld(), PRUNE_EVERY_MS);
    this.oldest = db.prepare(
      `SELECT correlation_id FROM choreography_trackers
       WHERE choreography = ? AND updated_at < ? AND status IN ('Completed', 'Compensated')
       ORDER BY updated_at LIMIT ?`,
    );
    const ids = `correlation_id IN (SELECT value FROM json_each(@ids))`;
    // The timelines of those deleted: an instance that moved meanwhile keeps its row, and its timeline.
    const events = db.prepare(
      `DELETE FROM choreography_events AS e WHERE choreography = @choreography AND ${ids}
       AND NOT EXISTS (SELECT 1 FROM choreography_trackers AS t
                       WHERE t.choreography = e.choreography AND t.correlation_id = e.correlation_id)`,
    );
    // Checked again inside the transaction: an event may have moved the instance since it was picked.
    const trackers = db.prepare(
      `DELETE FROM choreography_trackers WHERE choreography = @choreography AND ${ids}
       AND updated_at < @before AND status IN ('Completed', 'Compensated')`,
    );
    this.remove = db.transaction((picked: string[], before: number) => {
      const params = { choreography, ids: JSON.stringify(picked), before };
      const gone = trackers.run(params).changes;
      if (gone > 0) events.run(params);
      return gone;
    });
  }

  /** Prunes now, then every hour until `stop()`; resolves once the first pruning is done. */
  async start(): Promise<void> {
    if (this.retentionMs === Number.POSITIVE_INFINITY) return;
    await this.chore.start();
  }

  stop(): Promise<void> {
    return this.chore.stop();
  }

  /**
   * Deletes the finished instances older than the retention period, a batch a
   * transaction; resolves with how many. A failure (a busy file) is told to
   * `onError` and waits for the next turn.
   */
  prune(): Promise<number> {
    return this.chore.run();
  }

  private async deleteOld(): Promise<number> {
    let deleted = 0;
    try {
      for (;;) {
        const before = Date.now() - this.retentionMs;
        const picked = this.oldest.all(this.choreography, before, BATCH).map((r) => r.correlation_id);
        if (picked.length === 0) break;
        const gone = this.remove(picked, before);
        deleted += gone;
        if (picked.length < BATCH || gone === 0) break;
        // Let the monitor apply the events that came meanwhile.
        await new Promise((resolve) => setImmediate(resolve));
      }
    } catch (error) {
      this.onError(error);
    }
    return deleted;
  }
}
