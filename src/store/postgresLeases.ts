import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type pg from 'pg';
import type { OwnershipListener, OwnershipStats, StoreOwnership } from './SagaStore.js';

/** How long an engine's leases last without a heartbeat, by the database's clock. */
export const DEFAULT_LEASE_TTL_MS = 10_000;
/** How many executions one engine holds at most unless told otherwise. */
export const DEFAULT_MAX_HELD = 10_000;

const UNFINISHED = "status NOT IN ('Completed', 'Compensated')";
/** Commits of this many ms share one notification to the other engines. */
const NOTIFY_COALESCE_MS = 5;
/** A NOTIFY payload must stay under 8000 bytes. */
const MAX_PAYLOAD = 7_000;

/**
 * One engine's leases on the executions it holds in a PostgreSQL schema many
 * engines share. Every execution that moves has an owner, a lease expiry
 * measured by the database's clock and a fencing token; this class keeps the
 * engine's side of it:
 * - a row in `engines` (host, pid, heartbeat) that `sagachart engines` lists;
 * - a heartbeat every third of the lease that renews, in one statement, the
 *   leases of every execution the engine has in memory, and reports those that
 *   another engine took over meanwhile (the statement does not return them);
 *   one the engine dropped without releasing it (a failure path) is not renewed,
 *   so it lapses and is claimed again rather than held by nobody forever;
 * - `confirmed()`: no effect starts while the last heartbeat is older than the
 *   lease (a process that was stopped, or stalled in a long GC, waits for the
 *   next heartbeat and hears first what it lost);
 * - LISTEN/NOTIFY on one channel per schema: commands appended and commits by
 *   any engine reach the others at once (the engine also polls, so a missed
 *   notification only delays).
 *
 * @internal
 */
export class PostgresLeases implements StoreOwnership {
  readonly engineId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  readonly channel: string;
  /** What this engine holds, with the claim that gave it (so a heartbeat does not report a newer claim lost). */
  private readonly held = new Map<string, number>();
  private generation = 0;
  private claimedCount = 0;
  /** Leases the last heartbeat renewed. */
  private renewedCount = 0;
  private lostCount = 0;
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private beating: Promise<void> | undefined;
  /** performance.now() when the last heartbeat that succeeded was sent; its leases last until then + TTL. */
  private validSince = Number.NEGATIVE_INFINITY;
  private confirmWaiters: (() => void)[] = [];
  private readonly listeners = new Set<OwnershipListener>();
  private listener: pg.Client | undefined;
  private listening = false;
  private closed = false;
  private address: string | null = null;
  private notifying: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly pool: pg.Pool,
    private readonly connect: () => pg.Client | undefined,
    private readonly s: string,
    schema: string,
    readonly leaseTtlMs: number,
    readonly maxHeld: number,
  ) {
    this.channel = `sagachart_${schema}`;
  }

  /** SQL for the lease an execution written now gets: until now() + TTL. */
  get leaseInterval(): string {
    return `now() + interval '${this.leaseTtlMs} milliseconds'`;
  }

  async open(): Promise<void> {
    this.closed = false;
    await this.pool.query(
      `INSERT INTO ${this.s}.engines (id, host, pid, started_at, heartbeat_at) VALUES ($1, $2, $3, now(), now())`,
      [this.engineId, hostname(), process.pid],
    );
    this.validSince = performance.now();
    this.heartbeat = setInterval(() => void this.beat(), Math.max(10, Math.floor(this.leaseTtlMs / 3)));
    this.heartbeat.unref();
  }

  /** Hands every lease back (another engine may claim at once) and leaves the engines table. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.notifying !== undefined) clearTimeout(this.notifying);
    this.notifying = undefined;
    if (this.heartbeat !== undefined) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    await this.beating?.catch(() => undefined);
    const listener = this.listener;
    this.listener = undefined;
    this.listening = false;
    await listener?.end().catch(() => undefined);
    await this.pool
      .query(`UPDATE ${this.s}.executions SET owner = NULL, lease_until = NULL WHERE owner = $1`, [this.engineId])
      .catch(() => undefined);
    await this.pool.query(`DELETE FROM ${this.s}.engines WHERE id = $1`, [this.engineId]).catch(() => undefined);
    this.held.clear();
    for (const resolve of this.confirmWaiters.splice(0)) resolve();
  }

  /** Records the HTTP address of the server running this engine. */
  async announce(address: string): Promise<void> {
    this.address = address;
    await this.pool.query(`UPDATE ${this.s}.engines SET address = $2 WHERE id = $1`, [this.engineId, address]);
  }

  /** This engine took these executions (a new one, a claim): it holds them under its lease. */
  took(ids: readonly string[], claimed: boolean): void {
    this.generation += 1;
    for (const id of ids) this.held.set(id, this.generation);
    if (claimed) this.claimedCount += ids.length;
  }

  /** This engine let these go (parked, finished). */
  released(ids: readonly string[]): void {
    for (const id of ids) this.held.delete(id);
  }

  /** A fenced commit found these taken by another engine. */
  lostThese(ids: readonly string[]): void {
    for (const id of ids) this.held.delete(id);
    this.lostCount += ids.length;
  }

  /** What the engines listening hold in memory. */
  private holding(): Set<string> {
    const ids = new Set<string>();
    for (const listener of this.listeners) for (const id of listener.holding()) ids.add(id);
    return ids;
  }

  watch(listener: OwnershipListener): () => void {
    this.listeners.add(listener);
    void this.listen();
    return () => this.listeners.delete(listener);
  }

  confirmed(): Promise<void> {
    if (this.closed || performance.now() < this.validSince + this.leaseTtlMs) return Promise.resolve();
    return new Promise((resolve) => {
      this.confirmWaiters.push(resolve);
      void this.beat();
    });
  }

  stats(): OwnershipStats {
    return { held: this.renewedCount, claimed: this.claimedCount, lost: this.lostCount };
  }

  /** NOTIFY payloads, sent inside a transaction (delivered when it commits). */
  notifyAppended(client: pg.PoolClient, ids: readonly string[]): Promise<unknown> {
    let payload = `a ${this.engineId} ${ids.join(' ')}`;
    // Too many to name: the others re-read the inboxes of what they hold at their next heartbeat.
    if (Buffer.byteLength(payload) > MAX_PAYLOAD) payload = `c ${this.engineId}`;
    return client.query('SELECT pg_notify($1, $2)', [this.channel, payload]);
  }

  /** This engine committed: one notification for the commits of the next few ms. */
  committed(): void {
    if (this.notifying !== undefined || this.closed) return;
    this.notifying = setTimeout(() => {
      this.notifying = undefined;
      this.pool.query('SELECT pg_notify($1, $2)', [this.channel, `c ${this.engineId}`]).catch(() => undefined);
    }, NOTIFY_COALESCE_MS);
  }

  /**
   * Renews every lease of this engine in one statement and learns which of the executions it
   * holds have pending commands; what it held before and the statement did not return, another
   * engine took over.
   */
  private beat(): Promise<void> {
    this.beating ??= this.renew().finally(() => {
      this.beating = undefined;
    });
    return this.beating;
  }

  private async renew(): Promise<void> {
    if (this.closed) return;
    const sentAt = performance.now();
    const holding = this.holding();
    const before = new Map([...holding].map((id) => [id, this.held.get(id)]));
    let rows: { id: string; pending: boolean }[];
    try {
      ({ rows } = await this.pool.query<{ id: string; pending: boolean }>(
        `WITH beat AS (
           INSERT INTO ${this.s}.engines (id, host, pid, address, started_at, heartbeat_at, held)
           VALUES ($1, $2, $3, $4, now(), now(), $5)
           ON CONFLICT (id) DO UPDATE SET heartbeat_at = now(), held = excluded.held, address = excluded.address)
         UPDATE ${this.s}.executions e SET lease_until = ${this.leaseInterval}
         WHERE owner = $1 AND id = ANY($6::text[]) AND NOT parked AND ${UNFINISHED}
         RETURNING id, EXISTS (SELECT 1 FROM ${this.s}.inbox i WHERE i.execution_id = e.id AND i.state = 'pending')
           AS pending`,
        [this.engineId, hostname(), process.pid, this.address, holding.size, [...holding]],
      ));
    } catch {
      // The database is unreachable: leases run out, effects wait in confirmed(), the next beat tries again.
      return;
    }
    if (this.closed) return;
    const renewed = new Set(rows.map((r) => r.id));
    this.renewedCount = renewed.size;
    // Lost: in memory before and after the beat, not renewed, and not parked or claimed anew meanwhile.
    const still = this.holding();
    // (One whose first write is still in flight is not in the table yet: not held, not lost.)
    const lost = [...before].filter(
      ([id, generation]) =>
        generation !== undefined && !renewed.has(id) && still.has(id) && this.held.get(id) === generation,
    );
    if (lost.length > 0) {
      const ids = lost.map(([id]) => id);
      this.lostThese(ids);
      for (const listener of this.listeners) listener.lost(ids);
    }
    const pending = rows.filter((r) => r.pending).map((r) => r.id);
    if (pending.length > 0) for (const listener of this.listeners) listener.commandsAppended(pending);
    // What was lost is dropped before any effect waiting here may start.
    this.validSince = Math.max(this.validSince, sentAt);
    for (const resolve of this.confirmWaiters.splice(0)) resolve();
  }

  /** One connection LISTENs for the schema's channel; it reconnects when it drops. */
  private async listen(): Promise<void> {
    if (this.listening || this.closed) return;
    const client = this.connect();
    if (client === undefined) return;
    this.listening = true;
    this.listener = client;
    const retry = () => {
      if (this.listener !== client) return;
      this.listener = undefined;
      this.listening = false;
      client.end().catch(() => undefined);
      if (!this.closed) setTimeout(() => void this.listen(), 1_000).unref();
    };
    client.on('error', retry);
    client.on('end', retry);
    client.on('notification', (message) => this.onNotification(message.payload ?? ''));
    try {
      await client.connect();
      await client.query(`LISTEN "${this.channel}"`);
    } catch {
      retry();
    }
  }

  private onNotification(payload: string): void {
    const [kind, from, ...ids] = payload.split(' ');
    if (from === this.engineId) return;
    for (const listener of this.listeners) {
      if (kind === 'a' && ids.length > 0) listener.commandsAppended(ids);
      listener.committed();
    }
  }
}
