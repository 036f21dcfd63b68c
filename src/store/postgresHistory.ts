import type pg from 'pg';
import { PeriodicChore } from '../runtime/PeriodicChore.js';

/** How long `lease_log` rows and the rows of engines that stopped heartbeating are kept: 7 days. */
export const DEFAULT_LEASE_HISTORY_MS = 7 * 24 * 60 * 60 * 1000;
/** How often an engine deletes what is older than that. */
const PRUNE_EVERY_MS = 60 * 60 * 1000;

/**
 * Keeps the lease history of a schema bounded. Every take of an execution adds a
 * `lease_log` row and every engine process an `engines` row; an engine that is
 * killed never removes its own. Each engine deletes, when it opens and hourly,
 * the `lease_log` rows and the dead engines older than the history to keep.
 * Engines may do it at the same time: a delete finds what another deleted gone.
 *
 * @internal
 */
export class LeaseHistoryPruner {
  private readonly chore: PeriodicChore<void>;

  constructor(
    private readonly pool: pg.Pool,
    private readonly s: string,
    private readonly keepMs: number,
  ) {
    this.chore = new PeriodicChore(() => this.deleteOld(), PRUNE_EVERY_MS);
  }

  start(): void {
    void this.chore.start();
  }

  stop(): Promise<void> {
    return this.chore.stop();
  }

  /** Deletes what is older than the history kept; a failure waits for the next turn. */
  prune(): Promise<void> {
    return this.chore.run();
  }

  private async deleteOld(): Promise<void> {
    const older = `now() - make_interval(secs => $1::float8 / 1000)`;
    try {
      await this.pool.query(`DELETE FROM ${this.s}.lease_log WHERE taken_at < ${older}`, [this.keepMs]);
      await this.pool.query(`DELETE FROM ${this.s}.engines WHERE heartbeat_at < ${older}`, [this.keepMs]);
    } catch {
      // The database is away or busy: the history waits an hour longer, nothing else depends on it.
    }
  }
}
