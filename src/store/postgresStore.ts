import pg from 'pg';
import { StoreError } from '../definition/errors.js';
import type { JournalEntry } from '../events/JournalEntry.js';
import { checkWrites, type StoredCommandState, type StoredPosition } from './checkWrites.js';
import type { CommandBody, InboxCommand, SettledCommand } from './InboxCommand.js';
import {
  toCommand,
  toExecution,
  toJournalEntry,
  toSettledCommand,
  type ExecutionRow,
  type InboxRow,
  type JournalRow,
} from './storeRows.js';
import { decodeCursor, encodeCursor, pageSize, statusFilter } from './listCursor.js';
import { PostgresEngineLock } from './postgresLock.js';
import { POSTGRES_MIGRATIONS } from './postgresSchema.js';
import { redactUrl } from './redactUrl.js';
import type {
  ClaimResult,
  ExecutionWrite,
  FeedEntry,
  ListPage,
  ListQuery,
  SagaStore,
  StatusCount,
  StoredExecution,
} from './SagaStore.js';

export interface PostgresStoreOptions {
  /** The schema that holds sagachart's tables (created when missing); `sagachart` by default. */
  readonly schema?: string;
  /** Connections in the pool the store makes from a URL (default 10); ignored for a given pool. */
  readonly maxConnections?: number;
  /**
   * How long an engine that stopped beating keeps the schema before another
   * may take it over (10 s by default, by the database's clock).
   */
  readonly lockTtlMs?: number;
  /** Read only: does not take the schema's engine lock, refuses commits. */
  readonly readOnly?: boolean;
}

const UNFINISHED = "status NOT IN ('Completed', 'Compensated')";

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const INT8_OID = 20;

// BIGINT columns hold epoch ms, revisions and positions, all far below 2^53: read them as numbers,
// per query, without touching the global parsers of an application's own pg.
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID ? Number : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

class PostgresStore implements SagaStore {
  private poolOrUndefined: pg.Pool | undefined;
  /** Makes the pool when the store was given a URL: opened on init, ended on close, reopened. */
  private readonly makePool: (() => pg.Pool) | undefined;
  private readonly where: string;
  private readonly s: string;
  /** Commits serialise on this advisory lock so feed positions follow commit order. */
  private readonly feedLock: string;
  private opened = false;
  private lock: PostgresEngineLock | undefined;

  constructor(
    urlOrPool: string | pg.Pool,
    private readonly options: PostgresStoreOptions,
  ) {
    const schema = options.schema ?? 'sagachart';
    if (!SCHEMA_NAME.test(schema)) {
      throw new StoreError(`Invalid PostgreSQL schema name "${schema}": use lower-case letters, digits and _`);
    }
    this.s = `"${schema}"`;
    this.feedLock = `sagachart.feed.${schema}`;
    if (typeof urlOrPool === 'string') {
      this.makePool = () => {
        const pool = new pg.Pool({ connectionString: urlOrPool, max: options.maxConnections ?? 10 });
        // An idle client that loses its connection must not crash the process.
        pool.on('error', () => undefined);
        return pool;
      };
      this.where = `PostgreSQL store ${redactUrl(urlOrPool)} (schema ${schema})`;
    } else {
      this.makePool = undefined;
      this.poolOrUndefined = urlOrPool;
      this.where = `PostgreSQL store (schema ${schema})`;
    }
  }

  private get pool(): pg.Pool {
    if (this.poolOrUndefined === undefined)
      throw new StoreError(`The ${this.where} is not open: call engine.start() first`);
    return this.poolOrUndefined;
  }

  async init(): Promise<void> {
    if (this.opened) return;
    this.poolOrUndefined ??= this.makePool?.();
    await this.guard('open', async () => {
      const client = await this.pool.connect();
      try {
        // One process migrates at a time; the others wait and find nothing left to do.
        await client.query('SELECT pg_advisory_lock(hashtext($1))', [`sagachart.migrate.${this.s}`]);
        try {
          await client.query(`CREATE SCHEMA IF NOT EXISTS ${this.s}`);
          await client.query(`CREATE TABLE IF NOT EXISTS ${this.s}.schema_migrations (version INTEGER PRIMARY KEY)`);
          const applied = (
            await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${this.s}.schema_migrations`)
          ).rows[0]?.n;
          if ((applied ?? 0) > POSTGRES_MIGRATIONS.length) {
            throw new Error(
              `its schema version ${applied} is newer than this sagachart (${POSTGRES_MIGRATIONS.length})`,
            );
          }
          for (let version = (applied ?? 0) + 1; version <= POSTGRES_MIGRATIONS.length; version += 1) {
            await client.query('BEGIN');
            try {
              await client.query((POSTGRES_MIGRATIONS[version - 1] ?? '').replaceAll('$schema', this.s));
              await client.query(`INSERT INTO ${this.s}.schema_migrations (version) VALUES ($1)`, [version]);
              await client.query('COMMIT');
            } catch (error) {
              await client.query('ROLLBACK');
              throw error;
            }
          }
        } finally {
          await client.query('SELECT pg_advisory_unlock(hashtext($1))', [`sagachart.migrate.${this.s}`]);
        }
      } finally {
        client.release();
      }
    });
    if (this.options.readOnly !== true) {
      const lock = new PostgresEngineLock(this.pool, `${this.s}.engine_lock`, this.where, this.options.lockTtlMs);
      await this.guard('take the engine lock', () => lock.acquire());
      this.lock = lock;
    }
    this.opened = true;
  }

  async commit(writes: readonly ExecutionWrite[]): Promise<void> {
    this.ready();
    const lock = this.lock;
    if (lock === undefined) throw new StoreError(`The ${this.where} is open read-only: nothing can be written`);
    if (writes.length === 0) return;
    await this.guard('commit', async () => {
      const client = await this.pool.connect();
      try {
        await client.query('BEGIN');
        try {
          await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [this.feedLock]);
          await lock.assertHeld(client);
          await this.writeBatch(client, writes);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw error;
        }
      } finally {
        client.release();
      }
    });
  }

  private async writeBatch(client: pg.PoolClient, writes: readonly ExecutionWrite[]): Promise<void> {
    const ids = [...new Set(writes.map((w) => w.execution.id))];
    const keys = [
      ...new Set(writes.flatMap((w) => (w.execution.idempotencyKey === null ? [] : [w.execution.idempotencyKey]))),
    ];
    const positions = new Map<string, StoredPosition>();
    for (const row of (
      await client.query<{ id: string; revision: number; last_seq: number }>({
        text: `SELECT id, revision, last_seq FROM ${this.s}.executions WHERE id = ANY($1)`,
        values: [ids],
        types,
      })
    ).rows) {
      positions.set(row.id, { revision: row.revision, lastSeq: row.last_seq });
    }
    const owners = new Map<string, string>();
    if (keys.length > 0) {
      for (const row of (
        await client.query<{ id: string; idempotency_key: string }>(
          `SELECT id, idempotency_key FROM ${this.s}.executions WHERE idempotency_key = ANY($1)`,
          [keys],
        )
      ).rows) {
        owners.set(row.idempotency_key, row.id);
      }
    }
    const commandIds = writes.flatMap((w) => (w.commands ?? []).map((c) => c.id));
    const commandStates = new Map<number, StoredCommandState>();
    if (commandIds.length > 0) {
      for (const row of (
        await client.query<{ id: number; execution_id: string; state: string }>({
          text: `SELECT id, execution_id, state FROM ${this.s}.inbox WHERE id = ANY($1::bigint[])`,
          values: [commandIds],
          types,
        })
      ).rows) {
        commandStates.set(row.id, { executionId: row.execution_id, pending: row.state === 'pending' });
      }
    }
    checkWrites(
      writes,
      (id) => positions.get(id),
      (key) => owners.get(key),
      (id) => commandStates.get(id),
    );
    // One statement for every execution and one for every journal entry of the batch.
    const latest = new Map(writes.map((w) => [w.execution.id, w.execution]));
    const rows = [...latest.values()];
    await client.query(
      `INSERT INTO ${this.s}.executions (id, saga, version, definition_hash, status, snapshot, revision, last_seq,
         idempotency_key, created_at, updated_at, wake_at, parked)
       SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[], $6::text[], $7::bigint[],
         $8::bigint[], $9::text[], $10::bigint[], $11::bigint[], $12::bigint[], $13::boolean[])
       ON CONFLICT (id) DO UPDATE SET status = excluded.status, snapshot = excluded.snapshot,
         revision = excluded.revision, last_seq = excluded.last_seq, updated_at = excluded.updated_at,
         wake_at = excluded.wake_at, parked = excluded.parked`,
      [
        rows.map((e) => e.id),
        rows.map((e) => e.saga),
        rows.map((e) => e.version),
        rows.map((e) => e.definitionHash),
        rows.map((e) => e.status),
        rows.map((e) => e.snapshot),
        rows.map((e) => e.revision),
        rows.map((e) => e.lastSeq),
        rows.map((e) => e.idempotencyKey),
        rows.map((e) => e.createdAt),
        rows.map((e) => e.updatedAt),
        rows.map((e) => e.wakeAt),
        rows.map((e) => e.parked),
      ],
    );
    const settled = writes.flatMap((w) => w.commands ?? []);
    if (settled.length > 0) {
      await client.query(
        `UPDATE ${this.s}.inbox SET state = c.state, refusal = c.refusal
         FROM unnest($1::bigint[], $2::text[], $3::text[]) AS c(id, state, refusal) WHERE inbox.id = c.id`,
        [
          settled.map((c) => c.id),
          settled.map((c) => (c.refusal === undefined ? 'applied' : 'refused')),
          settled.map((c) => (c.refusal === undefined ? null : JSON.stringify(c.refusal))),
        ],
      );
    }
    const parked = rows.filter((e) => e.parked).map((e) => e.id);
    if (parked.length > 0) {
      // A command appended while the execution was leaving memory keeps it due.
      await client.query(
        `UPDATE ${this.s}.executions e SET wake_at = p.at
         FROM (SELECT execution_id, min(at) AS at FROM ${this.s}.inbox
               WHERE state = 'pending' AND execution_id = ANY($1) GROUP BY execution_id) p
         WHERE e.id = p.execution_id AND e.parked AND (e.wake_at IS NULL OR e.wake_at > p.at)`,
        [parked],
      );
    }
    const entries = writes.flatMap((w) => w.journal.map((entry) => ({ id: w.execution.id, entry })));
    if (entries.length === 0) return;
    await client.query(
      `INSERT INTO ${this.s}.journal (execution_id, seq, at, type, step, attempt, data)
       SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::int[], $7::text[])`,
      [
        entries.map((e) => e.id),
        entries.map((e) => e.entry.seq),
        entries.map((e) => e.entry.at),
        entries.map((e) => e.entry.type),
        entries.map((e) => e.entry.step ?? null),
        entries.map((e) => e.entry.attempt ?? null),
        entries.map((e) => (e.entry.data === undefined ? null : JSON.stringify(e.entry.data))),
      ],
    );
  }

  async get(id: string): Promise<StoredExecution | undefined> {
    const rows = await this.rows<ExecutionRow>('read', `SELECT * FROM ${this.s}.executions WHERE id = $1`, [id]);
    return rows[0] === undefined ? undefined : toExecution(rows[0]);
  }

  async getByIdempotencyKey(key: string): Promise<StoredExecution | undefined> {
    const sql = `SELECT * FROM ${this.s}.executions WHERE idempotency_key = $1`;
    const rows = await this.rows<ExecutionRow>('read', sql, [key]);
    return rows[0] === undefined ? undefined : toExecution(rows[0]);
  }

  async list(query: ListQuery = {}): Promise<ListPage> {
    const limit = pageSize(query);
    const where: string[] = [];
    const params: unknown[] = [];
    const param = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    const statuses = statusFilter(query);
    if (statuses !== undefined) where.push(`status = ANY(${param([...statuses])})`);
    if (query.saga !== undefined) where.push(`saga = ${param(query.saga)}`);
    if (query.createdAfter !== undefined) where.push(`created_at >= ${param(query.createdAfter)}`);
    if (query.createdBefore !== undefined) where.push(`created_at < ${param(query.createdBefore)}`);
    if (query.cursor !== undefined) {
      const after = decodeCursor(query.cursor);
      where.push(`(created_at, id) < (${param(after.createdAt)}, ${param(after.id)})`);
    }
    const sql =
      `SELECT * FROM ${this.s}.executions ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ` +
      `ORDER BY created_at DESC, id DESC LIMIT ${param(limit + 1)}`;
    const rows = await this.rows<ExecutionRow>('list', sql, params);
    const items = rows.slice(0, limit).map(toExecution);
    const last = items.at(-1);
    return { items, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(last) : null };
  }

  async listHeld(): Promise<StoredExecution[]> {
    const sql = `SELECT * FROM ${this.s}.executions WHERE NOT parked AND ${UNFINISHED} ORDER BY created_at, id`;
    return (await this.rows<ExecutionRow>('read', sql, [])).map(toExecution);
  }

  async claimDue(now: number, limit: number): Promise<ClaimResult> {
    return this.writing('claim due executions', async (client) => {
      // SKIP LOCKED: executions another transaction is claiming are left to it.
      const claimed = (
        await client.query<ExecutionRow>({
          text: `UPDATE ${this.s}.executions SET parked = false WHERE id IN (
                   SELECT id FROM ${this.s}.executions
                   WHERE parked AND wake_at IS NOT NULL AND wake_at <= $1 AND ${UNFINISHED}
                   ORDER BY wake_at LIMIT $2 FOR UPDATE SKIP LOCKED)
                 RETURNING *`,
          values: [now, Math.max(0, limit)],
          types,
        })
      ).rows.sort((a, b) => (a.wake_at ?? 0) - (b.wake_at ?? 0));
      const commands = new Map<string, InboxCommand[]>();
      if (claimed.length > 0) {
        for (const row of (
          await client.query<InboxRow>({
            text: `SELECT * FROM ${this.s}.inbox WHERE execution_id = ANY($1) AND state = 'pending' ORDER BY id`,
            values: [claimed.map((r) => r.id)],
            types,
          })
        ).rows) {
          commands.set(row.execution_id, [...(commands.get(row.execution_id) ?? []), toCommand(row)]);
        }
      }
      const next = await client.query<{ wake_at: number }>({
        text: `SELECT wake_at FROM ${this.s}.executions WHERE parked AND wake_at IS NOT NULL AND ${UNFINISHED}
               ORDER BY wake_at LIMIT 1`,
        types,
      });
      return {
        claimed: claimed.map((row) => ({ execution: toExecution(row), commands: commands.get(row.id) ?? [] })),
        nextWakeAt: next.rows[0]?.wake_at ?? null,
      };
    });
  }

  async appendCommands(
    commands: readonly { readonly executionId: string; readonly body: CommandBody; readonly at: number }[],
  ): Promise<(InboxCommand | undefined)[]> {
    if (commands.length === 0) return [];
    return this.writing('append commands', async (client) => {
      const open = new Set(
        (
          await client.query<{ id: string }>(
            `SELECT id FROM ${this.s}.executions WHERE id = ANY($1) AND ${UNFINISHED} FOR SHARE`,
            [[...new Set(commands.map((c) => c.executionId))]],
          )
        ).rows.map((r) => r.id),
      );
      const accepted = commands.filter((c) => open.has(c.executionId));
      const bodies = accepted.map((c) => JSON.stringify(c.body));
      // Ids are drawn in ordinality order, so sorted ids line up with the accepted commands.
      const ids = (
        await client.query<{ id: number }>({
          text: `INSERT INTO ${this.s}.inbox (execution_id, body, at)
                 SELECT eid, body, ts FROM unnest($1::text[], $2::text[], $3::bigint[]) WITH ORDINALITY AS t(eid, body, ts, n)
                 ORDER BY n RETURNING id`,
          values: [accepted.map((c) => c.executionId), bodies, accepted.map((c) => c.at)],
          types,
        })
      ).rows
        .map((r) => r.id)
        .sort((a, b) => a - b);
      if (accepted.length > 0) {
        await client.query(
          `UPDATE ${this.s}.executions e SET wake_at = c.at
           FROM (SELECT eid AS id, min(ts) AS at FROM unnest($1::text[], $2::bigint[]) AS t(eid, ts) GROUP BY eid) c
           WHERE e.id = c.id AND e.parked AND (e.wake_at IS NULL OR e.wake_at > c.at)`,
          [accepted.map((c) => c.executionId), accepted.map((c) => c.at)],
        );
      }
      let next = 0;
      return commands.map((c): InboxCommand | undefined => {
        if (!open.has(c.executionId)) return undefined;
        const i = next;
        next += 1;
        return {
          id: ids[i] ?? 0,
          executionId: c.executionId,
          body: JSON.parse(bodies[i] ?? 'null') as CommandBody,
          at: c.at,
        };
      });
    });
  }

  async pendingCommands(executionId: string): Promise<InboxCommand[]> {
    const sql = `SELECT * FROM ${this.s}.inbox WHERE execution_id = $1 AND state = 'pending' ORDER BY id`;
    return (await this.rows<InboxRow>('read', sql, [executionId])).map(toCommand);
  }

  async getCommand(id: number): Promise<SettledCommand | undefined> {
    if (!Number.isSafeInteger(id)) return undefined;
    const row = (await this.rows<InboxRow>('read', `SELECT * FROM ${this.s}.inbox WHERE id = $1`, [id]))[0];
    if (row === undefined) return undefined;
    return toSettledCommand(row);
  }

  /** One write transaction under the engine lock (refused when open read-only). */
  private async writing<T>(operation: string, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    this.ready();
    const lock = this.lock;
    if (lock === undefined) throw new StoreError(`The ${this.where} is open read-only: nothing can be written`);
    return this.guard(operation, async () => {
      const client = await this.pool.connect();
      try {
        await client.query('BEGIN');
        try {
          await lock.assertHeld(client);
          const result = await fn(client);
          await client.query('COMMIT');
          return result;
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw error;
        }
      } finally {
        client.release();
      }
    });
  }

  async countByStatus(): Promise<StatusCount[]> {
    const sql = `SELECT saga, status, count(*)::int AS count FROM ${this.s}.executions GROUP BY saga, status`;
    return this.rows<StatusCount>('count', sql, []);
  }

  async feed(afterPosition: number, limit: number): Promise<FeedEntry[]> {
    const sql = `SELECT j.position, j.execution_id, e.saga, j.seq, j.at, j.type, j.step, j.attempt, j.data
      FROM ${this.s}.journal j JOIN ${this.s}.executions e ON e.id = j.execution_id
      WHERE j.position > $1 ORDER BY j.position LIMIT $2`;
    const rows = await this.rows<JournalRow & { position: number; execution_id: string; saga: string }>('read', sql, [
      afterPosition,
      limit,
    ]);
    return rows.map((row) => ({
      position: row.position,
      executionId: row.execution_id,
      saga: row.saga,
      entry: toJournalEntry(row),
    }));
  }

  async feedEnd(): Promise<number> {
    const rows = await this.rows<{ position: number }>(
      'read',
      `SELECT coalesce(max(position), 0) AS position FROM ${this.s}.journal`,
      [],
    );
    return rows[0]?.position ?? 0;
  }

  async journal(id: string, afterSeq = 0): Promise<JournalEntry[]> {
    const sql = `SELECT seq, at, type, step, attempt, data FROM ${this.s}.journal
      WHERE execution_id = $1 AND seq > $2 ORDER BY seq`;
    return (await this.rows<JournalRow>('read', sql, [id, afterSeq])).map(toJournalEntry);
  }

  async close(): Promise<void> {
    if (!this.opened) return;
    this.opened = false;
    await this.lock?.release();
    this.lock = undefined;
    const pool = this.poolOrUndefined;
    if (this.makePool === undefined || pool === undefined) return;
    this.poolOrUndefined = undefined;
    await pool.end();
  }

  private ready(): void {
    if (!this.opened) throw new StoreError(`The ${this.where} is not open: call engine.start() first`);
  }

  private async rows<T extends pg.QueryResultRow>(operation: string, text: string, values: unknown[]): Promise<T[]> {
    this.ready();
    return this.guard(operation, async () => (await this.pool.query<T>({ text, values, types })).rows);
  }

  /** Runs `fn`, turning any failure into a StoreError that names the database and the operation. */
  private async guard<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (cause) {
      if (cause instanceof StoreError) throw cause;
      const reason = cause instanceof Error ? cause.message : String(cause);
      throw new StoreError(`${this.where}: cannot ${operation}: ${reason}`, { cause });
    }
  }
}

/**
 * The store for more than one process: executions in PostgreSQL (node-postgres),
 * every transition committed before the side effects it announces.
 *
 * @example
 * import { postgresStore } from 'sagachart/postgres';
 * const engine = new SagaEngine({ store: postgresStore('postgres://localhost/app'), sagas: [orderFulfillment] });
 */
export function postgresStore(urlOrPool: string | pg.Pool, options: PostgresStoreOptions = {}): SagaStore {
  if (typeof urlOrPool !== 'string' && !(urlOrPool instanceof pg.Pool)) {
    throw new StoreError('postgresStore needs a connection string or a pg.Pool');
  }
  if (typeof urlOrPool === 'string' && urlOrPool.length === 0)
    throw new StoreError('postgresStore needs a connection string');
  return new PostgresStore(urlOrPool, options);
}
