/**
 * Versioned migrations of the PostgreSQL store, applied in order inside the
 * store's schema; `schema_migrations` records which ran. Never edit a shipped
 * migration: add one. `$schema` is replaced by the quoted schema name.
 */
export const POSTGRES_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE $schema.executions (
    id TEXT PRIMARY KEY,
    saga TEXT NOT NULL,
    version INTEGER NOT NULL,
    definition_hash TEXT NOT NULL,
    status TEXT NOT NULL,
    snapshot TEXT NOT NULL,
    revision BIGINT NOT NULL,
    last_seq BIGINT NOT NULL,
    idempotency_key TEXT UNIQUE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
  );
  CREATE INDEX executions_unfinished ON $schema.executions (created_at, id)
    WHERE status NOT IN ('Completed', 'Compensated');
  CREATE INDEX executions_newest ON $schema.executions (created_at DESC, id DESC);
  CREATE INDEX executions_saga_newest ON $schema.executions (saga, created_at DESC, id DESC);
  CREATE INDEX executions_status_newest ON $schema.executions (status, created_at DESC, id DESC);

  -- position is the store-wide feed order: commits take a transaction-level advisory
  -- lock before they draw positions, so positions are in commit order (no reader sees
  -- a gap that a slower transaction fills later).
  CREATE TABLE $schema.journal (
    position BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    execution_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    at BIGINT NOT NULL,
    type TEXT NOT NULL,
    step TEXT,
    attempt INTEGER,
    data TEXT,
    UNIQUE (execution_id, seq)
  );
  CREATE FUNCTION $schema.journal_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'the journal is append-only'; END $$;
  CREATE TRIGGER journal_no_update_or_delete BEFORE UPDATE OR DELETE ON $schema.journal
    FOR EACH ROW EXECUTE FUNCTION $schema.journal_append_only();
  `,
  `
  -- One engine per schema (postgresLock.ts): the holder's row, renewed by its heartbeat.
  CREATE TABLE $schema.engine_lock (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    holder TEXT NOT NULL,
    pid INTEGER NOT NULL,
    host TEXT NOT NULL,
    heartbeat_at TIMESTAMPTZ NOT NULL
  );
  `,
];
