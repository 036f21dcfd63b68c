import type Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { StoreError } from '../definition/errors.js';

/** Who holds a SQLite file: one engine process at a time. */
export interface LockHolder {
  readonly holder: string;
  readonly pid: number;
  readonly host: string;
  /** The HTTP address of the server that runs the engine, when one does (`sagachart serve`). */
  readonly address: string | null;
  readonly startedAt: number;
  readonly heartbeatAt: number;
}

interface LockRow {
  holder: string;
  pid: number;
  host: string;
  address: string | null;
  started_at: number;
  heartbeat_at: number;
}

/** How long a silent holder keeps the file; it beats five times as often. */
export const LOCK_TTL_MS = 10_000;

const toHolder = (row: LockRow): LockHolder => ({
  holder: row.holder,
  pid: row.pid,
  host: row.host,
  address: row.address,
  startedAt: row.started_at,
  heartbeatAt: row.heartbeat_at,
});

/**
 * Whether the holder may still be running. On this host a holder whose
 * process is gone (killed) is dead at once; otherwise it lives until its
 * heartbeat is older than the TTL. A stalled holder that comes back after a
 * takeover is fenced: every commit checks the lock in its transaction.
 */
export function holderAlive(holder: LockHolder, now = Date.now(), ttlMs = LOCK_TTL_MS): boolean {
  if (holder.host === hostname()) {
    try {
      process.kill(holder.pid, 0);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    }
  }
  return now - holder.heartbeatAt < ttlMs;
}

/** "pid 123 on host h, serving http://127.0.0.1:3000, heartbeat 1 s ago" */
export function describeHolder(holder: LockHolder, now = Date.now()): string {
  const serving = holder.address === null ? '' : `, serving ${holder.address}`;
  const ago = Math.max(0, Math.round((now - holder.heartbeatAt) / 1000));
  return `pid ${holder.pid} on ${holder.host}${serving}, last heartbeat ${ago} s ago`;
}

/**
 * The lock row that makes one engine process the only writer of a SQLite
 * file. Taken in an IMMEDIATE transaction when the store opens, renewed by a
 * heartbeat, checked inside every commit, released on close.
 *
 * @internal
 */
export class SqliteEngineLock {
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  /** Prepared once: the check runs inside every commit. */
  private holderRow: Database.Statement | undefined;

  /**
   * `id` names the holder; the store's commit thread checks the lock of the
   * holder that started it, on a connection of its own, and never takes it.
   */
  constructor(
    private readonly db: Database.Database,
    private readonly file: string,
    private readonly ttlMs = LOCK_TTL_MS,
    readonly id = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
  ) {}

  /** Takes the file, or throws a StoreError naming the file and the live holder. */
  acquire(): void {
    const now = Date.now();
    this.db
      .transaction(() => {
        const row = this.db.prepare('SELECT * FROM engine_lock WHERE id = 1').get() as LockRow | undefined;
        if (row !== undefined && holderAlive(toHolder(row), now, this.ttlMs)) {
          throw heldError(this.file, toHolder(row), now);
        }
        this.db
          .prepare(
            `INSERT INTO engine_lock (id, holder, pid, host, address, started_at, heartbeat_at)
             VALUES (1, ?, ?, ?, NULL, ?, ?)
             ON CONFLICT (id) DO UPDATE SET holder = excluded.holder, pid = excluded.pid, host = excluded.host,
               address = NULL, started_at = excluded.started_at, heartbeat_at = excluded.heartbeat_at`,
          )
          .run(this.id, process.pid, hostname(), now, now);
      })
      .immediate();
    const beat = this.db.prepare('UPDATE engine_lock SET heartbeat_at = ? WHERE id = 1 AND holder = ?');
    this.heartbeat = setInterval(() => {
      try {
        beat.run(Date.now(), this.id);
      } catch {
        // A busy or failing disk: the next commit's lock check decides.
      }
    }, this.ttlMs / 5);
    this.heartbeat.unref();
  }

  /** Inside a commit's transaction: refuses to write when another engine took the file over. */
  assertHeld(): void {
    this.holderRow ??= this.db.prepare('SELECT * FROM engine_lock WHERE id = 1');
    const row = this.holderRow.get() as LockRow | undefined;
    if (row?.holder === this.id) return;
    const now = row === undefined ? 'no engine holds it now' : `now held by ${describeHolder(toHolder(row))}`;
    throw new StoreError(
      `SQLite store ${this.file}: this engine lost its lock on the file (${now}); nothing was written`,
    );
  }

  /** Records the HTTP address of the server running this engine, for CLI commands to find. */
  announce(address: string): void {
    this.db.prepare('UPDATE engine_lock SET address = ? WHERE id = 1 AND holder = ?').run(address, this.id);
  }

  release(): void {
    if (this.heartbeat !== undefined) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    try {
      this.db.prepare('DELETE FROM engine_lock WHERE id = 1 AND holder = ?').run(this.id);
    } catch {
      // Closing anyway: the next engine sees a dead holder.
    }
  }
}

function heldError(file: string, holder: LockHolder, now: number): StoreError {
  const hint =
    holder.address === null
      ? 'stop it first, or use its server with --url'
      : `use that server (sagachart … --url ${holder.address}), or stop it first`;
  return new StoreError(
    `SQLite store ${file} is held by another engine (${describeHolder(holder, now)}): one engine per file; ${hint}`,
  );
}

/** The live holder of a SQLite file, read without taking it; undefined when none. @internal */
export function readLockHolder(db: Database.Database): LockHolder | undefined {
  const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'engine_lock'").get();
  if (table === undefined) return undefined;
  const row = db.prepare('SELECT * FROM engine_lock WHERE id = 1').get() as LockRow | undefined;
  if (row === undefined) return undefined;
  const holder = toHolder(row);
  return holderAlive(holder) ? holder : undefined;
}
