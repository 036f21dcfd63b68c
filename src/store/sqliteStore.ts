import Database from 'better-sqlite3';
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { StoreError } from '../definition/errors.js';
import type { JournalEntry } from '../events/JournalEntry.js';
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
import { inputFieldCandidates, inputFieldPath, sqliteInputPath, UNFINISHED_STATUSES } from './listFilters.js';
import type {
  CommitResult,
  ClaimResult,
  EngineInfo,
  ExecutionWrite,
  FeedEntry,
  ListPage,
  ListQuery,
  SagaStore,
  StatusCount,
  StoredExecution,
} from './SagaStore.js';
import { HeldPositions, writeBatch } from './sqliteCommit.js';
import { SqliteCommitThread, type CommitThreadData } from './SqliteCommitThread.js';
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
  /**
   * `true`: commits run on a worker thread with its own connection to the
   * file, so the main thread keeps running sagas while SQLite writes and waits
   * for the disk; `false` (default): on the main thread, which measured faster
   * on this 2-core machine (BENCHMARKS.md). Either way a commit
   * resolves only once it is durable, and checks the engine lock inside its
   * transaction.
   */
  readonly commitThread?: boolean;
}

/** The SQLite store: a SagaStore that also tells CLI commands where its server is. */
export interface SqliteSagaStore extends SagaStore {
  /** Records the HTTP address of the server running this engine in the file's lock. */
  announce(address: string): void;
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
  private thread: SqliteCommitThread | undefined;
  /** Kept when this connection is the file's one writer (see HeldPositions). */
  private held: HeldPositions | undefined;

  /** With `holder`, this is the commit thread's store: it checks that holder's lock and never takes it. */
  constructor(
    private readonly path: string,
    private readonly options: SqliteStoreOptions,
    private readonly holder?: string,
  ) {}

  get readOnly(): boolean {
    return this.options.readOnly === true;
  }

  async init(): Promise<void> {
    if (this.db !== undefined) return;
    const db = this.guard('open', () => this.open());
    if (this.options.readOnly !== true) {
      const lock = new SqliteEngineLock(db, this.path, this.options.lockTtlMs, this.holder);
      try {
        if (this.holder === undefined) this.guard('take the engine lock', () => lock.acquire());
      } catch (error) {
        db.close();
        throw error;
      }
      this.lock = lock;
    }
    this.db = db;
    this.statements = this.guard('prepare statements', () => this.prepare(db));
    const soleWriter = this.lock !== undefined && this.holder === undefined && this.options.commitThread !== true;
    this.held = soleWriter ? new HeldPositions() : undefined;
    if (this.lock !== undefined && this.holder === undefined && this.options.commitThread === true) {
      this.thread = SqliteCommitThread.for({
        path: this.path,
        synchronous: this.options.synchronous ?? 'FULL',
        lockTtlMs: this.options.lockTtlMs,
        holder: this.lock.id,
      });
      try {
        await this.thread?.start();
      } catch (error) {
        await this.close();
        throw error;
      }
    }
    return;
  }

  announce(address: string): void {
    this.guard('record the server address', () => this.lock?.announce(address));
  }

  // Write transactions BEGIN IMMEDIATE: one that reads first and writes second would get
  // SQLITE_BUSY at once (no busy wait) if another connection wrote in between.
  async commit(batch: readonly ExecutionWrite[]): Promise<CommitResult> {
    const { db, statements } = this.ready();
    const lock = this.lock;
    if (lock === undefined) throw new StoreError(`SQLite store ${this.path} is open read-only: nothing can be written`);
    if (this.thread !== undefined) return this.thread.commit<CommitResult>(batch);
    // IMMEDIATE: take the write lock first, waiting busy_timeout for another process that holds it
    // (one opening the file, or taking over a stale lock). A deferred transaction reads first and
    // then cannot upgrade to a writer: SQLite fails that at once with SQLITE_BUSY, without waiting.
    const held = this.held;
    return this.guard('commit', () => {
      const { result, written } = db
        .transaction(() => {
          lock.assertHeld();
          return writeBatch(statements, held, batch);
        })
        .immediate();
      held?.committed(written);
      return result;
    });
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
    if (query.idPrefix !== undefined) {
      where.push('substr(id, 1, ?) = ?');
      params.push(query.idPrefix.length, query.idPrefix);
    }
    const keys = inputFieldPath(query);
    if (keys !== undefined && query.inputField !== undefined) {
      // `->` gives the field's JSON text: "A1" for a string, 40 for a number.
      where.push('(snapshot -> ?) IN (?, ?)');
      params.push(sqliteInputPath(keys), ...inputFieldCandidates(query.inputField.value));
    }
    if (query.overdueBefore !== undefined) {
      where.push(`status IN (${UNFINISHED_STATUSES.map(() => '?').join(', ')}) AND wake_at < ?`);
      params.push(...UNFINISHED_STATUSES, query.overdueBefore);
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

  /** The engine holding the file, from its lock row (none when no engine holds it). */
  async engines(): Promise<EngineInfo[]> {
    const { db } = this.ready();
    const holder = this.guard('read the lock', () => readLockHolder(db));
    if (holder === undefined) return [];
    const { holder: id, pid, host, address, startedAt, heartbeatAt } = holder;
    return [{ id, pid, host, address, startedAt, heartbeatAt, held: null }];
  }

  async takeOverHeld(): Promise<StoredExecution[]> {
    await this.writerIdle();
    const { db, statements } = this.ready();
    const lock = this.writer();
    const rows = this.guard('take over held executions', () =>
      db
        .transaction(() => {
          lock.assertHeld();
          // Every fence changes: read each row again at its next commit.
          this.held?.clear();
          return statements.takeOverHeld.all() as ExecutionRow[];
        })
        .immediate(),
    );
    return rows.map(toExecution).sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
  }

  async claimDue(now: number, limit: number): Promise<ClaimResult> {
    await this.writerIdle();
    const { db, statements } = this.ready();
    const lock = this.writer();
    return this.guard('claim due executions', () =>
      db
        .transaction((): ClaimResult => {
          lock.assertHeld();
          const rows = statements.due.all(now, Math.max(0, limit)) as ExecutionRow[];
          const claimed = rows.map((row) => {
            statements.unpark.run(row.id);
            this.held?.forget([row.id]);
            const commands = (statements.pending.all(row.id) as InboxRow[]).map(toCommand);
            return { execution: { ...toExecution(row), parked: false, fence: row.fence + 1 }, commands };
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
    await this.writerIdle();
    const { db, statements } = this.ready();
    const lock = this.writer();
    return this.guard('append commands', () =>
      db
        .transaction(() => {
          lock.assertHeld();
          return commands.map(({ executionId, body, at }): InboxCommand | undefined => {
            const found = statements.unfinishedStatus.get(executionId) as { id: string } | undefined;
            if (found === undefined) return undefined;
            this.held?.forget([executionId]);
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

  async outbox(limit: number): Promise<OutboxMessage[]> {
    const { statements } = this.ready();
    return this.guard('read the outbox', () => (statements.outbox.all(limit) as OutboxRow[]).map(toOutboxMessage));
  }

  async deleteOutbox(ids: readonly string[]): Promise<void> {
    const { db, statements } = this.ready();
    const lock = this.writer();
    this.guard('delete from the outbox', () =>
      db
        .transaction(() => {
          lock.assertHeld();
          for (const id of ids) statements.deleteOutbox.run(id);
        })
        .immediate(),
    );
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
    const thread = this.thread;
    this.db = undefined;
    this.statements = undefined;
    this.thread = undefined;
    this.held = undefined;
    if (db === undefined) return;
    await thread?.close();
    if (this.lock !== undefined && this.holder === undefined) {
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
      // Only when there is something to apply: a second connection (the commit thread's) writes nothing here.
      if (applied < SQLITE_MIGRATIONS.length) {
        db.transaction(() => {
          SQLITE_MIGRATIONS.slice(applied).forEach((sql) => db.exec(sql));
          db.pragma(`user_version = ${SQLITE_MIGRATIONS.length}`);
        })();
      }
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
        'SELECT revision, last_seq AS lastSeq, status, parked, wake_at AS wakeAt, fence FROM executions WHERE id = ?',
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
      // One engine per file: every unfinished execution not parked was held by a previous engine.
      takeOverHeld: db.prepare(
        `UPDATE executions SET fence = fence + 1 WHERE parked = 0 AND status NOT IN ('Completed', 'Compensated')
         RETURNING *`,
      ),
      due: db.prepare(
        `SELECT * FROM executions WHERE parked = 1 AND wake_at IS NOT NULL AND wake_at <= ?
         AND status NOT IN ('Completed', 'Compensated') ORDER BY wake_at LIMIT ?`,
      ),
      unpark: db.prepare('UPDATE executions SET parked = 0, fence = fence + 1 WHERE id = ?'),
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
                                idempotency_key, created_at, updated_at, wake_at, parked, fence)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      // Most writes change neither status nor parking: leave those columns (and their indexes) alone.
      updateState: db.prepare(
        'UPDATE executions SET snapshot = ?, revision = ?, last_seq = ?, updated_at = ? WHERE id = ?',
      ),
      update: db.prepare(`
        UPDATE executions SET status = ?, snapshot = ?, revision = ?, last_seq = ?, updated_at = ?, wake_at = ?, parked = ?
        WHERE id = ?`),
      addOutbox: db.prepare(
        `INSERT INTO outbox (id, execution_id, subject, body, headers, created_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO NOTHING`,
      ),
      outbox: db.prepare('SELECT * FROM outbox ORDER BY seq LIMIT ?'),
      deleteOutbox: db.prepare('DELETE FROM outbox WHERE id = ?'),
      append: db.prepare(
        'INSERT INTO journal (execution_id, seq, at, type, step, attempt, data) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
    };
  }

  /**
   * Waits until the commit thread has nothing in flight: a write transaction on this
   * connection would otherwise wait for the thread's, blocking the main thread.
   */
  private async writerIdle(): Promise<void> {
    await this.thread?.idle();
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
 * The store a commit thread runs: the file opened as the writer of the engine
 * that holds it (its lock checked in every commit, never taken or released).
 *
 * @internal
 */
export function sqliteCommitStore(data: CommitThreadData): SagaStore {
  return new SqliteStore(
    data.path,
    {
      synchronous: data.synchronous,
      integrityCheck: 'off',
      commitThread: false,
      ...(data.lockTtlMs === undefined ? {} : { lockTtlMs: data.lockTtlMs }),
    },
    data.holder,
  );
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
