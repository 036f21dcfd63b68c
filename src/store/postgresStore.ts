import pg from 'pg';
import { StoreError } from '../definition/errors.js';
import type { JournalEntry } from '../events/JournalEntry.js';
import { checkWrites, type StoredCommandState, type StoredPosition } from './checkWrites.js';
import type { CommandBody, InboxCommand, SettledCommand } from './InboxCommand.js';
import {
  toCommand,
  toExecution,
  toJournalEntry,
  toOutboxMessage,
  toSettledCommand,
  type ExecutionRow,
  type InboxRow,
  type JournalRow,
  type OutboxRow,
} from './storeRows.js';
import type { OutboxMessage } from './OutboxMessage.js';
import { decodeCursor, encodeCursor, pageSize, statusFilter } from './listCursor.js';
import { inputFieldCandidates, inputFieldPath, UNFINISHED_STATUSES } from './listFilters.js';
import { DEFAULT_LEASE_HISTORY_MS, LeaseHistoryPruner } from './postgresHistory.js';
import { DEFAULT_LEASE_TTL_MS, DEFAULT_MAX_HELD, PostgresLeases } from './postgresLeases.js';
import { POSTGRES_MIGRATIONS } from './postgresSchema.js';
import { pgTransaction } from './pgTransaction.js';
import { redactUrl } from './redactUrl.js';
import type {
  ClaimResult,
  CommitResult,
  EngineInfo,
  ExecutionWrite,
  FeedEntry,
  ListPage,
  ListQuery,
  SagaStore,
  StatusCount,
  StoredExecution,
  StoreOwnership,
} from './SagaStore.js';

export interface PostgresStoreOptions {
  /** The schema that holds sagachart's tables (created when missing); `sagachart` by default. */
  readonly schema?: string;
  /** Connections in the pool the store makes from a URL (default 10); ignored for a given pool. */
  readonly maxConnections?: number;
  /**
   * How long an engine's lease on an execution lasts without a heartbeat, by the
   * database's clock (10 s by default; heartbeats come every third of it). When an
   * engine dies or stalls, another takes its executions over after at most this
   * long plus one poll interval. Shorter: faster takeover, more heartbeat writes,
   * and a GC pause or network stall longer than this hands executions over.
   */
  readonly leaseTtlMs?: number;
  /**
   * The most executions this engine holds at once: claims take no more (10,000 by
   * default). 0 makes a front door only: it claims nothing (executions it starts
   * itself it holds until it stops); the CLI's local commands use it.
   */
  readonly maxHeld?: number;
  /**
   * How long the lease history is kept, in ms (7 days by default): `lease_log`
   * rows (who took which execution when) and the `engines` rows of engines
   * that stopped heartbeating (killed ones never remove their own) older than
   * this are deleted when an engine opens the store and hourly.
   */
  readonly leaseHistoryMs?: number;
  /** Read only: holds nothing, refuses commits. */
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
  private leases: PostgresLeases | undefined;
  private history: LeaseHistoryPruner | undefined;
  private readonly connect: () => pg.Client | undefined;
  private readonly schema: string;

  constructor(
    urlOrPool: string | pg.Pool,
    private readonly options: PostgresStoreOptions,
  ) {
    const schema = options.schema ?? 'sagachart';
    if (!SCHEMA_NAME.test(schema)) {
      throw new StoreError(`Invalid PostgreSQL schema name "${schema}": use lower-case letters, digits and _`);
    }
    this.s = `"${schema}"`;
    this.schema = schema;
    const ttl = options.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
    if (!Number.isInteger(ttl) || ttl < 30) {
      throw new StoreError(`Invalid leaseTtlMs ${String(ttl)}: use a whole number of ms >= 30`);
    }
    const maxHeld = options.maxHeld ?? DEFAULT_MAX_HELD;
    if (!Number.isInteger(maxHeld) || maxHeld < 0) {
      throw new StoreError(`Invalid maxHeld ${String(maxHeld)}: use a whole number >= 0`);
    }
    const history = options.leaseHistoryMs ?? DEFAULT_LEASE_HISTORY_MS;
    if (!Number.isInteger(history) || history < 1) {
      throw new StoreError(`Invalid leaseHistoryMs ${String(history)}: use a whole number of ms >= 1`);
    }
    this.feedLock = `sagachart.feed.${schema}`;
    if (typeof urlOrPool === 'string') {
      this.makePool = () => {
        const pool = new pg.Pool({ connectionString: urlOrPool, max: options.maxConnections ?? 10 });
        // An idle client that loses its connection must not crash the process.
        pool.on('error', () => undefined);
        return pool;
      };
      this.where = `PostgreSQL store ${redactUrl(urlOrPool)} (schema ${schema})`;
      this.connect = () => new pg.Client({ connectionString: urlOrPool });
    } else {
      this.makePool = undefined;
      this.poolOrUndefined = urlOrPool;
      this.where = `PostgreSQL store (schema ${schema})`;
      // LISTEN needs a connection of its own, made like the pool's.
      this.connect = () => new pg.Client(urlOrPool.options);
    }
  }

  get ownership(): StoreOwnership | undefined {
    return this.leases;
  }

  /** Records the HTTP address of the server running this engine (`sagachart engines` shows it). */
  announce(address: string): void {
    void this.leases?.announce(address).catch(() => undefined);
  }

  private get pool(): pg.Pool {
    if (this.poolOrUndefined === undefined)
      throw new StoreError(`The ${this.where} is not open: call engine.start() first`);
    return this.poolOrUndefined;
  }

  get readOnly(): boolean {
    return this.options.readOnly === true;
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
      const leases = new PostgresLeases(
        this.pool,
        this.connect,
        this.s,
        this.schema,
        this.options.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS,
        this.options.maxHeld ?? DEFAULT_MAX_HELD,
      );
      await this.guard('register this engine', () => leases.open());
      this.leases = leases;
      this.history = new LeaseHistoryPruner(this.pool, this.s, this.options.leaseHistoryMs ?? DEFAULT_LEASE_HISTORY_MS);
      this.history.start();
    }
    this.opened = true;
  }

  async commit(writes: readonly ExecutionWrite[]): Promise<CommitResult> {
    if (writes.length === 0) return { lost: [] };
    const { lost, after } = await this.writing('commit', async (client, leases) => {
      return this.writeBatch(client, writes, leases);
    });
    after();
    // Other engines hear of it (their feeds, callers waiting there): a hint, sent after the commit,
    // a few commits in one notification (a NOTIFY inside every commit would serialise them all).
    this.leases?.committed();
    return { lost };
  }

  private async writeBatch(
    client: pg.PoolClient,
    batch: readonly ExecutionWrite[],
    leases: PostgresLeases,
  ): Promise<CommitResult & { after: () => void }> {
    const ids = [...new Set(batch.map((w) => w.execution.id))];
    const keys = [
      ...new Set(batch.flatMap((w) => (w.execution.idempotencyKey === null ? [] : [w.execution.idempotencyKey]))),
    ];
    const positions = new Map<string, StoredPosition>();
    // FOR UPDATE: a claim running now skips these rows, or this waits for it and sees its new fence.
    for (const row of (
      await client.query<{ id: string; revision: number; last_seq: number; fence: number }>({
        text: `SELECT id, revision, last_seq, fence FROM ${this.s}.executions WHERE id = ANY($1) FOR UPDATE`,
        values: [ids],
        types,
      })
    ).rows) {
      positions.set(row.id, { revision: row.revision, lastSeq: row.last_seq, fence: row.fence });
    }
    const keyOwners = new Map<string, string>();
    if (keys.length > 0) {
      for (const row of (
        await client.query<{ id: string; idempotency_key: string }>(
          `SELECT id, idempotency_key FROM ${this.s}.executions WHERE idempotency_key = ANY($1)`,
          [keys],
        )
      ).rows) {
        keyOwners.set(row.idempotency_key, row.id);
      }
    }
    const commandIds = batch.flatMap((w) => (w.commands ?? []).map((c) => c.id));
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
    const { writes, lost } = checkWrites(
      batch,
      (id) => positions.get(id),
      (key) => keyOwners.get(key),
      (id) => commandStates.get(id),
    );
    // One statement for every execution and one for every journal entry of the batch.
    const latest = new Map(writes.map((w) => [w.execution.id, w.execution]));
    const rows = [...latest.values()];
    // A parked or finished execution has no holder; one that moves is held by this engine, its lease renewed.
    const holds = (e: StoredExecution) => !e.parked && e.status !== 'Completed' && e.status !== 'Compensated';
    await client.query(
      `INSERT INTO ${this.s}.executions (id, saga, version, definition_hash, status, snapshot, revision, last_seq,
         idempotency_key, created_at, updated_at, wake_at, parked, fence, owner, lease_until)
       SELECT id, saga, version, dh, status, snapshot, revision, last_seq, key, created_at, updated_at, wake_at,
         parked, fence, CASE WHEN h THEN $16::text END, CASE WHEN h THEN ${leases.leaseInterval} END
       FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[], $6::text[], $7::bigint[],
         $8::bigint[], $9::text[], $10::bigint[], $11::bigint[], $12::bigint[], $13::boolean[], $14::bigint[],
         $15::boolean[])
         AS t(id, saga, version, dh, status, snapshot, revision, last_seq, key, created_at, updated_at, wake_at,
           parked, fence, h)
       ON CONFLICT (id) DO UPDATE SET status = excluded.status, snapshot = excluded.snapshot,
         revision = excluded.revision, last_seq = excluded.last_seq, updated_at = excluded.updated_at,
         wake_at = excluded.wake_at, parked = excluded.parked, owner = excluded.owner,
         lease_until = excluded.lease_until`,
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
        rows.map((e) => e.fence),
        rows.map(holds),
        leases.engineId,
      ],
    );
    const started = rows.filter((e) => !positions.has(e.id));
    if (started.length > 0) {
      await client.query(
        `INSERT INTO ${this.s}.lease_log (execution_id, fence, owner) SELECT id, f, $3 FROM unnest($1::text[], $2::bigint[]) AS t(id, f)`,
        [started.map((e) => e.id), started.map((e) => e.fence), leases.engineId],
      );
    }
    const after = () => {
      leases.lostThese(lost);
      leases.took(
        rows.filter(holds).map((e) => e.id),
        false,
      );
      leases.released(rows.filter((e) => !holds(e)).map((e) => e.id));
    };
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
    const outbox = writes.flatMap((w) => w.outbox ?? []);
    if (outbox.length > 0) {
      await client.query(
        `INSERT INTO ${this.s}.outbox (id, execution_id, subject, body, headers, created_at)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[])
         ON CONFLICT (id) DO NOTHING`,
        [
          outbox.map((m) => m.id),
          outbox.map((m) => m.executionId),
          outbox.map((m) => m.subject),
          outbox.map((m) => m.body),
          outbox.map((m) => JSON.stringify(m.headers)),
          outbox.map((m) => m.createdAt),
        ],
      );
    }
    const entries = writes.flatMap((w) =>
      w.journal.map((entry) => ({ id: w.execution.id, fence: w.execution.fence, entry })),
    );
    if (entries.length === 0) return { lost, after };
    // Positions are drawn in commit order: commits that append to the journal take turns from here to
    // their COMMIT (a transaction-level lock), so no reader sees a gap that a slower commit fills later.
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [this.feedLock]);
    await client.query(
      `INSERT INTO ${this.s}.journal (execution_id, seq, at, type, step, attempt, data, fence)
       SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::int[], $7::text[],
         $8::bigint[])`,
      [
        entries.map((e) => e.id),
        entries.map((e) => e.entry.seq),
        entries.map((e) => e.entry.at),
        entries.map((e) => e.entry.type),
        entries.map((e) => e.entry.step ?? null),
        entries.map((e) => e.entry.attempt ?? null),
        entries.map((e) => (e.entry.data === undefined ? null : JSON.stringify(e.entry.data))),
        entries.map((e) => e.fence),
      ],
    );
    return { lost, after };
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
    if (query.idPrefix !== undefined) where.push(`starts_with(id, ${param(query.idPrefix)})`);
    const keys = inputFieldPath(query);
    if (keys !== undefined && query.inputField !== undefined) {
      const [quoted, literal] = inputFieldCandidates(query.inputField.value);
      // The field as JSON text; compared as jsonb, so 40 and 40.0 or spacing do not matter.
      const field = `(snapshot::jsonb #> ${param(['context', 'input', ...keys])}::text[])`;
      where.push(`${field} IN (${param(quoted)}::jsonb, ${param(literal)}::jsonb)`);
    }
    if (query.overdueBefore !== undefined) {
      where.push(`status = ANY(${param([...UNFINISHED_STATUSES])}) AND wake_at < ${param(query.overdueBefore)}`);
    }
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

  async takeOverHeld(): Promise<StoredExecution[]> {
    return this.claim('take over held executions', (leases) => ({
      picked: `picked AS (SELECT id, 0::bigint AS due FROM ${this.s}.executions
             WHERE NOT parked AND ${UNFINISHED} AND (owner IS NULL OR owner = $1 OR lease_until < now())
             ORDER BY created_at, id LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      values: [leases.engineId, leases.maxHeld],
    })).then(({ claimed }) => claimed.map((c) => c.execution));
  }

  async claimDue(now: number, limit: number): Promise<ClaimResult> {
    // Due parked executions, and those whose holder's lease ran out (it died, or stalled).
    const { claimed } = await this.claim('claim due executions', () => ({
      picked: `due AS (SELECT id, wake_at AS due FROM ${this.s}.executions
                 WHERE parked AND wake_at IS NOT NULL AND wake_at <= $1 AND ${UNFINISHED}
                 ORDER BY wake_at LIMIT $2 FOR UPDATE SKIP LOCKED),
               orphans AS (SELECT id, 0::bigint AS due FROM ${this.s}.executions
                 WHERE NOT parked AND ${UNFINISHED} AND (lease_until IS NULL OR lease_until < now())
                 ORDER BY lease_until NULLS FIRST LIMIT $2 FOR UPDATE SKIP LOCKED),
               picked AS (SELECT * FROM orphans UNION ALL SELECT * FROM due ORDER BY due LIMIT $2)`,
      values: [now, Math.max(0, limit)],
    }));
    // The next claim is due at the earliest parked wake-up, or when the earliest lease runs out
    // (so an engine that died is taken over then, not up to a poll interval later).
    const next = await this.rows<{ next: number | null }>(
      'read',
      `SELECT least(
         (SELECT wake_at FROM ${this.s}.executions WHERE parked AND wake_at IS NOT NULL AND ${UNFINISHED}
          ORDER BY wake_at LIMIT 1),
         (SELECT (extract(epoch FROM lease_until) * 1000)::bigint + 5 FROM ${this.s}.executions
          WHERE NOT parked AND ${UNFINISHED} AND lease_until IS NOT NULL ORDER BY lease_until LIMIT 1)) AS next`,
      [],
    );
    return { claimed, nextWakeAt: next[0]?.next ?? null };
  }

  /**
   * Takes the executions `select` picks (ids, locked FOR UPDATE SKIP LOCKED, so two engines never
   * take one): this engine holds each under a new fence, logged, with its pending commands.
   */
  private async claim(
    operation: string,
    select: (leases: PostgresLeases) => { picked: string; values: unknown[] },
  ): Promise<{ claimed: { execution: StoredExecution; commands: InboxCommand[] }[]; leases: PostgresLeases }> {
    const result = await this.writing(operation, async (client, leases) => {
      const picked = select(leases);
      const rows = (
        await client.query<ExecutionRow & { due: number }>({
          text: `WITH ${picked.picked}
                 UPDATE ${this.s}.executions e SET parked = false, fence = e.fence + 1, owner = $${picked.values.length + 1},
                   lease_until = ${leases.leaseInterval}
                 FROM picked WHERE e.id = picked.id RETURNING e.*, picked.due`,
          values: [...picked.values, leases.engineId],
          types,
        })
      ).rows.sort((a, b) => a.due - b.due || a.created_at - b.created_at || (a.id < b.id ? -1 : 1));
      const commands = new Map<string, InboxCommand[]>();
      if (rows.length > 0) {
        await client.query(
          `INSERT INTO ${this.s}.lease_log (execution_id, fence, owner)
           SELECT id, f, $3 FROM unnest($1::text[], $2::bigint[]) AS t(id, f)`,
          [rows.map((r) => r.id), rows.map((r) => r.fence), leases.engineId],
        );
        for (const row of (
          await client.query<InboxRow>({
            text: `SELECT * FROM ${this.s}.inbox WHERE execution_id = ANY($1) AND state = 'pending' ORDER BY id`,
            values: [rows.map((r) => r.id)],
            types,
          })
        ).rows) {
          commands.set(row.execution_id, [...(commands.get(row.execution_id) ?? []), toCommand(row)]);
        }
      }
      return {
        claimed: rows.map((row) => ({ execution: toExecution(row), commands: commands.get(row.id) ?? [] })),
        leases,
      };
    });
    result.leases.took(
      result.claimed.map((c) => c.execution.id),
      true,
    );
    return result;
  }

  async appendCommands(
    commands: readonly { readonly executionId: string; readonly body: CommandBody; readonly at: number }[],
  ): Promise<(InboxCommand | undefined)[]> {
    if (commands.length === 0) return [];
    return this.writing('append commands', async (client, leases) => {
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
        await leases.notifyAppended(client, [...new Set(accepted.map((c) => c.executionId))]);
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

  async settledCommands(ids: readonly number[]): Promise<SettledCommand[]> {
    const safe = ids.filter((id) => Number.isSafeInteger(id));
    if (safe.length === 0) return [];
    const sql = `SELECT * FROM ${this.s}.inbox WHERE id = ANY($1::bigint[]) AND state <> 'pending'`;
    return (await this.rows<InboxRow>('read', sql, [safe])).map(toSettledCommand);
  }

  async settledExecutions(ids: readonly string[]): Promise<StoredExecution[]> {
    if (ids.length === 0) return [];
    const sql = `SELECT * FROM ${this.s}.executions
      WHERE id = ANY($1::text[]) AND status IN ('Completed', 'Compensated', 'Failed')`;
    return (await this.rows<ExecutionRow>('read', sql, [ids])).map(toExecution);
  }

  /** One write transaction (refused when open read-only). */
  private async writing<T>(operation: string, fn: (client: pg.PoolClient, leases: PostgresLeases) => Promise<T>) {
    this.ready();
    const leases = this.leases;
    if (leases === undefined) throw new StoreError(`The ${this.where} is open read-only: nothing can be written`);
    return this.guard(operation, () => pgTransaction(this.pool, (client) => fn(client, leases)));
  }

  /** The engines whose heartbeat is younger than three leases, freshest first. */
  async engines(): Promise<EngineInfo[]> {
    const ttl = this.options.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
    const rows = await this.rows<{
      id: string;
      host: string;
      pid: number;
      address: string | null;
      started_at: number;
      heartbeat_at: number;
      held: number;
    }>(
      'list engines',
      `SELECT id, host, pid, address, (extract(epoch FROM started_at) * 1000)::float8 AS started_at,
         (extract(epoch FROM heartbeat_at) * 1000)::float8 AS heartbeat_at, held
       FROM ${this.s}.engines WHERE heartbeat_at > now() - make_interval(secs => $1::float8 / 1000)
       ORDER BY heartbeat_at DESC, id`,
      [ttl * 3],
    );
    return rows.map((r) => ({
      id: r.id,
      host: r.host,
      pid: r.pid,
      address: r.address,
      startedAt: Math.round(r.started_at),
      heartbeatAt: Math.round(r.heartbeat_at),
      held: r.held,
    }));
  }

  async outbox(limit: number): Promise<OutboxMessage[]> {
    const rows = await this.rows<OutboxRow>('read the outbox', `SELECT * FROM ${this.s}.outbox ORDER BY seq LIMIT $1`, [
      limit,
    ]);
    return rows.map(toOutboxMessage);
  }

  async deleteOutbox(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.rows('delete from the outbox', `DELETE FROM ${this.s}.outbox WHERE id = ANY($1)`, [ids]);
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
    await this.history?.stop();
    this.history = undefined;
    await this.leases?.close();
    this.leases = undefined;
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
