import type pg from 'pg';
import { pgTransaction } from '../store/pgTransaction.js';
import type { Ledger, LedgerEntry, ParticipantStore } from './ParticipantStore.js';

export interface ParticipantPostgresOptions {
  /** The schema of the ledger table (created when missing). Default `public`. */
  readonly schema?: string;
}

const quoted = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/**
 * A participant's ledger in its own PostgreSQL database. Handlers get the
 * `pg` client of the open transaction: what they write commits with the ledger
 * row, or not at all. A key is locked (a transaction-level advisory lock) while
 * a command of that key applies, so several participant processes can share it.
 *
 * @example
 * const store = participantPostgres(new pg.Pool({ connectionString }), { schema: 'payments' });
 * await participant({ name: 'payments', connection: nc, store, handlers: {
 *   'payments.charge': ({ payload, tx }) => tx.query('INSERT INTO charges ...', [...]),
 * } });
 */
export function participantPostgres(
  pool: pg.Pool,
  options: ParticipantPostgresOptions = {},
): ParticipantStore<pg.PoolClient> {
  const table = `${quoted(options.schema ?? 'public')}.sagachart_ledger`;
  const fences = `${quoted(options.schema ?? 'public')}.sagachart_fences`;
  const ledgerOf = (client: pg.PoolClient): Ledger => ({
    async get(key) {
      // The key is locked until the transaction ends, present or not: two processes never apply it both.
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [key]);
      const { rows } = await client.query<{ state: LedgerEntry['state']; output: string | null }>(
        `SELECT state, output FROM ${table} WHERE key = $1`,
        [key],
      );
      const row = rows[0];
      return row === undefined ? undefined : { state: row.state, output: JSON.parse(row.output ?? 'null') as unknown };
    },
    async put(key, entry) {
      await client.query(
        `INSERT INTO ${table} (key, state, output, at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (key) DO UPDATE SET state = excluded.state, output = excluded.output, at = excluded.at`,
        [key, entry.state, JSON.stringify(entry.output ?? null), Date.now()],
      );
    },
    async highestFence(executionId) {
      // Locked before any key (always in this order): a fence check and its effect are one step
      // across processes, so a stale command cannot slip in beside the new holder's.
      await client.query("SELECT pg_advisory_xact_lock(hashtext('sagachart-fence:' || $1))", [executionId]);
      const { rows } = await client.query<{ fence: string }>(`SELECT fence FROM ${fences} WHERE execution_id = $1`, [
        executionId,
      ]);
      return rows[0] === undefined ? undefined : Number(rows[0].fence);
    },
    async raiseFence(executionId, fence) {
      await client.query(
        `INSERT INTO ${fences} (execution_id, fence, at) VALUES ($1, $2, $3)
         ON CONFLICT (execution_id) DO UPDATE SET fence = GREATEST(${fences}.fence, excluded.fence), at = excluded.at`,
        [executionId, fence, Date.now()],
      );
    },
  });
  return {
    async init() {
      if (options.schema !== undefined) await pool.query(`CREATE SCHEMA IF NOT EXISTS ${quoted(options.schema)}`);
      await pool.query(
        `CREATE TABLE IF NOT EXISTS ${table} (key TEXT PRIMARY KEY, state TEXT NOT NULL, output TEXT, at BIGINT NOT NULL)`,
      );
      await pool.query(
        `CREATE TABLE IF NOT EXISTS ${fences} (execution_id TEXT PRIMARY KEY, fence BIGINT NOT NULL, at BIGINT NOT NULL)`,
      );
    },
    transaction: (fn) => pgTransaction(pool, (client) => fn(client, ledgerOf(client))),
    async close() {
      return Promise.resolve();
    },
  };
}
