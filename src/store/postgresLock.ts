import type pg from 'pg';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { StoreError } from '../definition/errors.js';

/** How long a silent holder keeps a schema, measured by the database's clock. */
export const POSTGRES_LOCK_TTL_MS = 10_000;

interface LockRow {
  holder: string;
  pid: number;
  host: string;
  age_ms: number;
}

/**
 * One engine per schema until per-execution leases exist: a lock row taken
 * when the store opens, renewed by a heartbeat, checked inside every commit
 * (a holder that stalled past the TTL and was replaced writes nothing), and
 * released on close. Ages come from the database's clock (`now()`), so
 * engines on hosts with skewed clocks agree.
 *
 * @internal
 */
export class PostgresEngineLock {
  readonly id = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private heartbeat: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly pool: pg.Pool,
    private readonly table: string,
    private readonly where: string,
    private readonly ttlMs = POSTGRES_LOCK_TTL_MS,
  ) {}

  async acquire(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      try {
        const { rows } = await client.query<LockRow>(
          `SELECT holder, pid, host, (extract(epoch FROM now() - heartbeat_at) * 1000)::float8 AS age_ms
           FROM ${this.table} WHERE id = 1 FOR UPDATE`,
        );
        const row = rows[0];
        if (row !== undefined && row.age_ms < this.ttlMs) {
          throw new StoreError(
            `${this.where} is held by another engine (pid ${row.pid} on ${row.host}, last heartbeat ` +
              `${Math.round(row.age_ms / 1000)} s ago): one engine per schema until leases exist; stop it first, ` +
              'or give this engine its own schema',
          );
        }
        await client.query(
          `INSERT INTO ${this.table} (id, holder, pid, host, heartbeat_at) VALUES (1, $1, $2, $3, now())
           ON CONFLICT (id) DO UPDATE SET holder = excluded.holder, pid = excluded.pid, host = excluded.host,
             heartbeat_at = now()`,
          [this.id, process.pid, hostname()],
        );
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    } finally {
      client.release();
    }
    this.heartbeat = setInterval(() => {
      this.pool
        .query(`UPDATE ${this.table} SET heartbeat_at = now() WHERE id = 1 AND holder = $1`, [this.id])
        .catch(() => undefined);
    }, this.ttlMs / 5);
    this.heartbeat.unref();
  }

  /** Inside a commit's transaction: refuses to write when another engine took the schema over. */
  async assertHeld(client: pg.PoolClient): Promise<void> {
    const { rows } = await client.query<{ holder: string }>(`SELECT holder FROM ${this.table} WHERE id = 1`);
    if (rows[0]?.holder === this.id) return;
    throw new StoreError(`${this.where}: this engine lost its lock on the schema; nothing was written`);
  }

  async release(): Promise<void> {
    if (this.heartbeat !== undefined) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    await this.pool.query(`DELETE FROM ${this.table} WHERE id = 1 AND holder = $1`, [this.id]).catch(() => undefined);
  }
}
