/**
 * Versioned migrations of the SQLite store, applied in order; PRAGMA
 * user_version records how many ran. Never edit a shipped migration: add one.
 */
export const SQLITE_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE executions (
    id TEXT PRIMARY KEY,
    saga TEXT NOT NULL,
    version INTEGER NOT NULL,
    definition_hash TEXT NOT NULL,
    status TEXT NOT NULL,
    snapshot TEXT NOT NULL,
    revision INTEGER NOT NULL,
    last_seq INTEGER NOT NULL,
    idempotency_key TEXT UNIQUE,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX executions_unfinished ON executions (status) WHERE status NOT IN ('Completed', 'Compensated');
  CREATE INDEX executions_newest ON executions (created_at DESC, id DESC);
  CREATE INDEX executions_saga_newest ON executions (saga, created_at DESC, id DESC);
  CREATE INDEX executions_status_newest ON executions (status, created_at DESC, id DESC);

  -- A rowid table: appends go to the end of the table, only the (execution_id, seq) index takes random inserts.
  CREATE TABLE journal (
    execution_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    at INTEGER NOT NULL,
    type TEXT NOT NULL,
    step TEXT,
    attempt INTEGER,
    data TEXT,
    UNIQUE (execution_id, seq)
  );
  CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal
    BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;
  CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
    BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;
  `,
  `
  -- One engine process per file: the holder's row, renewed by its heartbeat (sqliteLock.ts).
  CREATE TABLE engine_lock (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    holder TEXT NOT NULL,
    pid INTEGER NOT NULL,
    host TEXT NOT NULL,
    address TEXT,
    started_at INTEGER NOT NULL,
    heartbeat_at INTEGER NOT NULL
  );
  `,

  // ---- Passivation (issue #13): parked executions, wake-ups and the durable inbox. ----
  // (Migration 3, after main's engine_lock; renumber again if another one lands first.)
  `
  ALTER TABLE executions ADD COLUMN wake_at INTEGER;
  ALTER TABLE executions ADD COLUMN parked INTEGER NOT NULL DEFAULT 0;
  -- What start() resumes, without reading the parked ones.
  CREATE INDEX executions_held ON executions (created_at, id)
    WHERE parked = 0 AND status NOT IN ('Completed', 'Compensated');
  -- What the wake-up poller claims, earliest first.
  CREATE INDEX executions_wake ON executions (wake_at) WHERE parked = 1 AND wake_at IS NOT NULL;

  CREATE TABLE inbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    execution_id TEXT NOT NULL,
    body TEXT NOT NULL,
    at INTEGER NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    refusal TEXT
  );
  CREATE INDEX inbox_pending ON inbox (execution_id, id) WHERE state = 'pending';
  `,
  // ---- end of passivation ----
  // ---- Fencing tokens (issue #14): grow with each engine that takes an execution. ----
  `
  ALTER TABLE executions ADD COLUMN fence INTEGER NOT NULL DEFAULT 0;
  `,

  // ---- Remote steps (#15): the outbox, written with the state that starts a step. ----
  `
  CREATE TABLE outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    execution_id TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    headers TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  `,
];
