import Database from 'better-sqlite3';
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { StoreError } from '../definition/errors.js';
import type { JournalEntry } from '../events/JournalEntry.js';
import { checkWrites, type StoredCommandState } from './checkWrites.js';
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
import type {
  ClaimResult,
  ExecutionStatus,
  ExecutionWrite,
  FeedEntry,
  ListPage,
  ListQuery,
  SagaStore,
  StatusCount,
  StoredExecution,
} from './SagaStore.js';
import { readLockHolder, SqliteEngineLock, type LockHolder } from './sqliteLock.js';
import { SQLITE_MIGRATIONS } from './sqliteSchema.js';

export interface SqliteStoreOptions {
  /**
   * `FULL` (default): a committed transition survives power loss.
   * `NORMAL`: survives a process crash; the last commits may be lost on power loss.
   */
  readonly synchronous?: 'FULL' | 'NORMAL';
  /**
   * Checked when the store opens: `quick` (default) runs `PRAGMA quick_check`
   * and refuses a corrupt file; `off` skips it (see BENCHMARKS.md for its cost).
   */
  readonly integrityCheck?: 'quick' | 'off';
  /**
   * Read only: does not take the file's engine lock, refuses commits. For
   * reading a file while an engine (e.g. `sagachart serve`) holds it.
   */
  readonly readOnly?: boolean;
  /**
   * How long an engine that stopped beating (stalled, or on another host)
   * keeps the file before another may take it over; 10 s by default. A holder
   * on this host whose process is gone is replaced at once.
   */
  readonly lockTtlMs?: number;
}

/** The SQLite store: a SagaStore that also tells CLI commands where its server is. */
export interface SqliteSagaStore extends SagaStore {
  /** Records the HTTP address of the server running this engine in the file's lock. */
  announce(address: string): void;
}

interface PositionRow {
  revision: number;
  lastSeq: number;
  status: ExecutionStatus;
  parked: number;
  wakeAt: number | null;
}

interface FeedRow {
  position: number;
  execution_id: string;
  saga: string;
}

class SqliteStore implements SqliteSagaStore {
  private db: Database.Database | undefined;
  private statements: ReturnType<SqliteStore['prepare']> | undefined;
  private lock: SqliteEngineLock | undefined;

  constructor(
    private readonly path: string,
    private readonly options: SqliteStoreOptions,
  ) {}

  async init(): Promise<void> {
    if (this.db !== undefined) return;
    const db = this.guard('open', () => this.open());
    if (this.options.readOnly !== true) {
      const lock = new SqliteEngineLock(db, this.path, this.options.lockTtlMs);
      try {
        this.guard('take the engine lock', () => lock.acquire());
      } catch (error) {
        db.close();
        throw error;
      }
      this.lock = lock;
    }
    this.db = db;
    this.statements = this.guard('prepare statements', () => this.prepare(db));
    return;
  }

  announce(address: string): void {
    this.guard('record the server address', () => this.lock?.announce(address));
  }

  // Write transactions BEGIN IMMEDIATE: one that reads first and writes second would get
  // SQLITE_BUSY at once (no busy wait) if another connection wrote in between.
  async commit(writes: readonly ExecutionWrite[]): Promise<void> {
    const { db, statements } = this.ready();
    const lock = this.lock;
    if (lock === undefined) throw new StoreError(`SQLite store ${this.path} is open read-only: nothing can be written`);
    // IMMEDIATE: take the write lock first, waiting busy_timeout for another process that holds it
    // (one opening the file, or taking over a stale lock). A deferred transaction reads first and
    // then cannot upgrade to a writer: SQLite fails that at once with SQLITE_BUSY, without waiting.
    this.guard('commit', () =>
      db
        .transaction(() => {
          lock.assertHeld();
          // What the checks read is kept, so each write touches only the columns (and indexes) it changes.
          const stored = new Map<string, PositionRow | undefined>();
          checkWrites(
            writes,
            (id) => {
              if (!stored.has(id)) stored.set(id, statements.position.get(id) as PositionRow | undefined);
              return stored.get(id);
            },
            (key) => (statements.idForKey.get(key) as { id: string } | undefined)?.id,
            (id) => {
              const row = statements.commandState.get(id) as { executionId: string; state: string } | undefined;
              return row === undefined
                ? undefined
                : ({ executionId: row.executionId, pending: row.state === 'pending' } satisfies StoredCommandState);
            },
          );
          for (const { execution: e, journal, commands } of writes) {
            const before = stored.get(e.id);
            const parked = e.parked ? 1 : 0;
            if (before === undefined) {
              statements.insert.run(
                e.id,
                e.saga,
                e.version,
                e.definitionHash,
                e.status,
                e.snapshot,
                e.revision,
                e.lastSeq,
                e.idempotencyKey,
                e.createdAt,
                e.updatedAt,
                e.wakeAt,
                parked,
              );
            } else if (before.status === e.status && before.parked === parked && before.wakeAt === e.wakeAt) {
              statements.updateState.run(e.snapshot, e.revision, e.lastSeq, e.updatedAt, e.id);
            } else {
              statements.update.run(e.status, e.snapshot, e.revision, e.lastSeq, e.updatedAt, e.wakeAt, parked, e.id);
            }
            stored.set(e.id, { revision: e.revision, lastSeq: e.lastSeq, status: e.status, parked, wakeAt: e.wakeAt });
            for (const { id, refusal } of commands ?? []) {
              statements.settleCommand.run(
                refusal === undefined ? 'applied' : 'refused',
                refusal === undefined ? null : JSON.stringify(refusal),
                id,
              );
            }
            // A command appended while the execution was leaving memory keeps it due.
            if (e.parked) statements.wakeForPending.run({ id: e.id });
            for (const entry of journal) {
              statements.append.run(
                e.id,
                entry.seq,
                entry.at,
                entry.type,
                entry.step ?? null,
                entry.attempt ?? null,
                entry.data === undefined ? null : JSON.stringify(entry.data),
              );
            }
          }
        })
        .immediate(),
    );
    return;
  }

  async get(id: string): Promise<StoredExecution | undefined> {
    const { statements } = this.ready();
    const row = this.guard('read', () => statements.get.get(id) as ExecutionRow | undefined);
    return row === undefined ? undefined : toExecution(row);
  }

  async getByIdempotencyKey(key: string): Promise<StoredExecution | undefined> {
    const { statements } = this.ready();
    const row = this.guard('read', () => statements.getByKey.get(key) as ExecutionRow | undefined);
    return row === undefined ? undefined : toExecution(row);
  }

  async list(query: ListQuery = {}): Promise<ListPage> {
    const { db } = this.ready();
    const limit = pageSize(query);
    const where: string[] = [];
    const params: (string | number)[] = [];
    const statuses = statusFilter(query);
    if (statuses !== undefined) {
      where.push(`status IN (${statuses.map(() => '?').join(', ')})`);
      params.push(...statuses);
    }
    if (query.saga !== undefined) {
      where.push('saga = ?');
      params.push(query.saga);
    }
    if (query.createdAfter !== undefined) {
      where.push('created_at >= ?');
      params.push(query.createdAfter);
    }
    if (query.createdBefore !== undefined) {
      where.push('created_at < ?');
      params.push(query.createdBefore);
    }
    if (query.cursor !== undefined) {
      const after = decodeCursor(query.cursor);
      where.push('(created_at < ? OR (created_at = ? AND id < ?))');
      params.push(after.createdAt, after.createdAt, after.id);
    }
    const sql =
      `SELECT * FROM executions ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ` +
      'ORDER BY created_at DESC, id DESC LIMIT ?';
    const rows = this.guard('list', () => db.prepare(sql).all(...params, limit + 1) as ExecutionRow[]);
    const items = rows.slice(0, limit).map(toExecution);
    const last = items.at(-1);
    return { items, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(last) : null };
  }

  async listHeld(): Promise<StoredExecution[]> {
    const { statements } = this.ready();
    const rows = this.guard('read', () => statements.held.all() as ExecutionRow[]);
    return rows.map(toExecution);
  }

  async claimDue(now: number, limit: number): Promise<ClaimResult> {
    const { db, statements } = this.ready();
    const lock = this.writer();
    return this.guard('claim due executions', () =>
      db
        .transaction((): ClaimResult => {
          lock.assertHeld();
          const rows = statements.due.all(now, Math.max(0, limit)) as ExecutionRow[];
          const claimed = rows.map((row) => {
            statements.unpark.run(row.id);
            const commands = (statements.pending.all(row.id) as InboxRow[]).map(toCommand);
            return { execution: { ...toExecution(row), parked: false }, commands };
          });
          const next = statements.nextWake.get() as { wakeAt: number } | undefined;
          return { claimed, nextWakeAt: next?.wakeAt ?? null };
        })
        .immediate(),
    );
  }

  async appendCommands(
    commands: readonly { readonly executionId: string; readonly body: CommandBody; readonly at: number }[],
  ): Promise<(InboxCommand | undefined)[]> {
    const { db, statements } = this.ready();
    const lock = this.writer();
    return this.guard('append commands', () =>
      db
        .transaction(() => {
          lock.assertHeld();
          return commands.map(({ executionId, body, at }): InboxCommand | undefined => {
            const found = statements.unfinishedStatus.get(executionId) as { id: string } | undefined;
            if (found === undefined) return undefined;
            const json = JSON.stringify(body);
            const id = Number(statements.appendCommand.run(executionId, json, at).lastInsertRowid);
            statements.wake.run({ at, id: executionId });
            return { id, executionId, body: JSON.parse(json) as CommandBody, at };
          });
        })
        .immediate(),
    );
  }

  async pendingCommands(executionId: string): Promise<InboxCommand[]> {
    const { statements } = this.ready();
    return this.guard('read', () => (statements.pending.all(executionId) as InboxRow[]).map(toCommand));
  }

  async getCommand(id: number): Promise<SettledCommand | undefined> {
    const { statements } = this.ready();
    const row = this.guard('read', () => statements.command.get(id) as InboxRow | undefined);
    if (row === undefined) return undefined;
    return toSettledCommand(row);
  }

  async countByStatus(): Promise<StatusCount[]> {
    const { statements } = this.ready();
    return this.guard('count', () => statements.counts.all() as StatusCount[]);
  }

  async feed(afterPosition: number, limit: number): Promise<FeedEntry[]> {
    const { statements } = this.ready();
    const rows = this.guard('read', () => statements.feed.all(afterPosition, limit) as (JournalRow & FeedRow)[]);
    return rows.map((row) => ({
      position: row.position,
      executionId: row.execution_id,
      saga: row.saga,
      entry: toJournalEntry(row),
    }));
  }

  async feedEnd(): Promise<number> {
    const { statements } = this.ready();
    return this.guard('read', () => (statements.feedEnd.get() as { position: number | null }).position ?? 0);
  }

  async journal(id: string, afterSeq = 0): Promise<JournalEntry[]> {
    const { statements } = this.ready();
    const rows = this.guard('read', () => statements.journal.all(id, afterSeq) as JournalRow[]);
    return rows.map(toJournalEntry);
  }

  async close(): Promise<void> {
    const db = this.db;
    this.db = undefined;
    this.statements = undefined;
    if (db === undefined) return;
    if (this.lock !== undefined) {
      this.lock.release();
      this.lock = undefined;
      try {
        // A clean close leaves an empty WAL: every commit is in the main file.
        db.pragma('wal_checkpoint(TRUNCATE)');
      } catch {
        // Another reader holds the WAL: the next open checkpoints it.
      }
    }
    db.close();
  }

  private open(): Database.Database {
    const file = resolve(this.path);
    if (!existsSync(dirname(file))) throw new Error(`the directory ${dirname(file)} does not exist`);
    if (existsSync(file) && statSync(file).isDirectory()) throw new Error('it is a directory, not a file');
    if (this.options.readOnly === true) {
      if (!existsSync(file)) throw new Error('the file does not exist');
      const db = new Database(file, { readonly: true, fileMustExist: true });
      db.pragma('busy_timeout = 5000');
      return db;
    }
    const db = new Database(file);
    try {
      if (this.options.integrityCheck !== 'off') checkIntegrity(db);
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${this.options.synchronous ?? 'FULL'}`);
      db.pragma('busy_timeout = 5000');
      // Writes land on random pages (ids are UUIDs): a 32 MiB page cache instead of 2 MiB keeps
      // them off the disk reads (measured: an update from ~29 to ~7 µs at 20,000 executions).
      db.pragma('cache_size = -32768');
      const applied = db.pragma('user_version', { simple: true }) as number;
      if (applied > SQLITE_MIGRATIONS.length) {
        throw new Error(`its schema version ${applied} is newer than this sagachart (${SQLITE_MIGRATIONS.length})`);
      }
      db.transaction(() => {
        SQLITE_MIGRATIONS.slice(applied).forEach((sql) => db.exec(sql));
        db.pragma(`user_version = ${SQLITE_MIGRATIONS.length}`);
      })();
    } catch (error) {
      db.close();
      throw error;
    }
    return db;
  }

  private prepare(db: Database.Database) {
    return {
      get: db.prepare('SELECT * FROM executions WHERE id = ?'),
      // What the commit checks need, without reading the snapshot.
      position: db.prepare(
        'SELECT revision, last_seq AS lastSeq, status, parked, wake_at AS wakeAt FROM executions WHERE id = ?',
      ),
      getByKey: db.prepare('SELECT * FROM executions WHERE idempotency_key = ?'),
      // The journal is a rowid table that is never deleted from: rowids are the global commit order.
      feed: db.prepare(
        `SELECT j.rowid AS position, j.execution_id, e.saga, j.seq, j.at, j.type, j.step, j.attempt, j.data
         FROM journal j JOIN executions e ON e.id = j.execution_id WHERE j.rowid > ? ORDER BY j.rowid LIMIT ?`,
      ),
      feedEnd: db.prepare('SELECT max(rowid) AS position FROM journal'),
      counts: db.prepare('SELECT saga, status, count(*) AS count FROM executions GROUP BY saga, status'),
      idForKey: db.prepare('SELECT id FROM executions WHERE idempotency_key = ?'),
      held: db.prepare(
        "SELECT * FROM executions WHERE parked = 0 AND status NOT IN ('Completed', 'Compensated') ORDER BY created_at, id",
      ),
      due: db.prepare(
        `SELECT * FROM executions WHERE parked = 1 AND wake_at IS NOT NULL AND wake_at <= ?
         AND status NOT IN ('Completed', 'Compensated') ORDER BY wake_at LIMIT ?`,
      ),
      unpark: db.prepare('UPDATE executions SET parked = 0 WHERE id = ?'),
      nextWake: db.prepare(
        `SELECT wake_at AS wakeAt FROM executions WHERE parked = 1 AND wake_at IS NOT NULL
         AND status NOT IN ('Completed', 'Compensated') ORDER BY wake_at LIMIT 1`,
      ),
      unfinishedStatus: db.prepare(
        "SELECT id FROM executions WHERE id = ? AND status NOT IN ('Completed', 'Compensated')",
      ),
      appendCommand: db.prepare('INSERT INTO inbox (execution_id, body, at) VALUES (?, ?, ?)'),
      wake: db.prepare(
        'UPDATE executions SET wake_at = @at WHERE id = @id AND parked = 1 AND (wake_at IS NULL OR wake_at > @at)',
      ),
      pending: db.prepare("SELECT * FROM inbox WHERE execution_id = ? AND state = 'pending' ORDER BY id"),
      command: db.prepare('SELECT * FROM inbox WHERE id = ?'),
      commandState: db.prepare('SELECT execution_id AS executionId, state FROM inbox WHERE id = ?'),
      wakeForPending: db.prepare(`
        UPDATE executions SET wake_at = p.at
        FROM (SELECT min(at) AS at FROM inbox WHERE execution_id = @id AND state = 'pending') AS p
        WHERE id = @id AND p.at IS NOT NULL AND (wake_at IS NULL OR wake_at > p.at)`),
      settleCommand: db.prepare('UPDATE inbox SET state = ?, refusal = ? WHERE id = ?'),
      journal: db.prepare(
        'SELECT seq, at, type, step, attempt, data FROM journal WHERE execution_id = ? AND seq > ? ORDER BY seq',
      ),
      insert: db.prepare(`
        INSERT INTO executions (id, saga, version, definition_hash, status, snapshot, revision, last_seq,
                                idempotency_key, created_at, updated_at, wake_at, parked)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      // Most writes change neither status nor parking: leave those columns (and their indexes) alone.
      updateState: db.prepare(
        'UPDATE executions SET snapshot = ?, revision = ?, last_seq = ?, updated_at = ? WHERE id = ?',
      ),
      update: db.prepare(`
        UPDATE executions SET status = ?, snapshot = ?, revision = ?, last_seq = ?, updated_at = ?, wake_at = ?, parked = ?
        WHERE id = ?`),
      append: db.prepare(
        'INSERT INTO journal (execution_id, seq, at, type, step, attempt, data) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
    };
  }

  /** The engine lock, or the error of a store opened read-only. */
  private writer(): SqliteEngineLock {
    if (this.lock === undefined) {
      throw new StoreError(`SQLite store ${this.path} is open read-only: nothing can be written`);
    }
    return this.lock;
  }

  private ready(): { db: Database.Database; statements: NonNullable<SqliteStore['statements']> } {
    if (this.db === undefined || this.statements === undefined) {
      throw new StoreError(`The SQLite store ${this.path} is not open: call engine.start() first`);
    }
    return { db: this.db, statements: this.statements };
  }

  /** Runs `fn`, turning any failure into a StoreError that names the file and the operation. */
  private guard<T>(operation: string, fn: () => T): T {
    try {
      return fn();
    } catch (cause) {
      if (cause instanceof StoreError) throw cause;
      const reason = cause instanceof Error ? cause.message : String(cause);
      throw new StoreError(`SQLite store ${this.path}: cannot ${operation}: ${reason}`, { cause });
    }
  }
}

/**
 * Refuses a file SQLite finds damaged (a corrupt page is otherwise noticed only
 * when a later read reaches it). What it cannot see: a WAL deleted, truncated
 * or with a zeroed header loses the commits it held silently (see the README).
 */
function checkIntegrity(db: Database.Database): void {
  let rows: { quick_check: string }[];
  try {
    rows = db.pragma('quick_check(10)') as { quick_check: string }[];
  } catch (error) {
    // A corrupt schema page fails the check itself: say so the same way.
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`the file is corrupt (PRAGMA quick_check: ${reason}); restore it from a backup`);
  }
  const problems = rows.map((r) => r.quick_check.replace(/\s+/g, ' ')).filter((p) => p !== 'ok');
  if (problems.length > 0) {
    throw new Error(`the file is corrupt (PRAGMA quick_check: ${problems.join('; ')}); restore it from a backup`);
  }
}

/**
 * The embedded default store: one SQLite file in WAL mode, every transition
 * committed before the side effects it announces. One engine process per file.
 *
 * @example
 * const engine = new SagaEngine({ store: sqliteStore('data/sagachart.db'), sagas: [orderFulfillment] });
 */
export function sqliteStore(path: string, options: SqliteStoreOptions = {}): SqliteSagaStore {
  if (typeof path !== 'string' || path.length === 0) throw new StoreError('sqliteStore needs a file path');
  return new SqliteStore(path, options);
}

/**
 * The live engine holding a SQLite file, read without taking it (undefined
 * when the file does not exist or no live engine holds it).
 *
 * @internal
 */
export function sqliteFileHolder(path: string): LockHolder | undefined {
  if (!existsSync(path)) return undefined;
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    return readLockHolder(db);
  } catch {
    // Not a database, or unreadable: the store's own open says what is wrong.
    return undefined;
  } finally {
    db?.close();
  }
}
