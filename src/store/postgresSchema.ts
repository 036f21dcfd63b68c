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
  // ---- Passivation (issue #13): parked executions, wake-ups and the durable inbox. ----
  `
  ALTER TABLE $schema.executions ADD COLUMN wake_at BIGINT;
  ALTER TABLE $schema.executions ADD COLUMN parked BOOLEAN NOT NULL DEFAULT false;
  -- What start() resumes, without reading the parked ones.
  CREATE INDEX executions_held ON $schema.executions (created_at, id)
    WHERE NOT parked AND status NOT IN ('Completed', 'Compensated');
  -- What the wake-up poller claims, earliest first.
  CREATE INDEX executions_wake ON $schema.executions (wake_at) WHERE parked AND wake_at IS NOT NULL;

  CREATE TABLE $schema.inbox (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    execution_id TEXT NOT NULL,
    body TEXT NOT NULL,
    at BIGINT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    refusal TEXT
  );
  CREATE INDEX inbox_pending ON $schema.inbox (execution_id, id) WHERE state = 'pending';
  `,
  // ---- end of passivation ----
  // ---- Leases (issue #14): many engines share a schema; each execution that moves is held under a lease. ----
  `
  DROP TABLE $schema.engine_lock;
  -- fence grows with every engine that takes the execution; owner and lease_until (the
  -- database's clock) say who holds it until when. Parked and finished executions have no owner.
  ALTER TABLE $schema.executions ADD COLUMN fence BIGINT NOT NULL DEFAULT 0;
  ALTER TABLE $schema.executions ADD COLUMN owner TEXT;
  ALTER TABLE $schema.executions ADD COLUMN lease_until TIMESTAMPTZ;
  -- A heartbeat renews one engine's leases.
  CREATE INDEX executions_owner ON $schema.executions (owner) WHERE owner IS NOT NULL;
  -- A claim finds executions whose holder is gone (lease run out, or none).
  CREATE INDEX executions_orphans ON $schema.executions (lease_until NULLS FIRST)
    WHERE NOT parked AND status NOT IN ('Completed', 'Compensated');

  CREATE TABLE $schema.engines (
    id TEXT PRIMARY KEY,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    address TEXT,
    started_at TIMESTAMPTZ NOT NULL,
    heartbeat_at TIMESTAMPTZ NOT NULL,
    held INTEGER NOT NULL DEFAULT 0
  );

  -- Every time an engine takes an execution (starts it, claims it when due, takes it over),
  -- by the database's clock: with the fence on each journal entry, it shows who held what when.
  CREATE TABLE $schema.lease_log (
    execution_id TEXT NOT NULL,
    fence BIGINT NOT NULL,
    owner TEXT NOT NULL,
    taken_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (execution_id, fence)
  );
  ALTER TABLE $schema.journal ADD COLUMN fence BIGINT;
  `,

  // ---- Remote steps (#15): the outbox, written with the state that starts a step. ----
  `
  CREATE TABLE $schema.outbox (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    execution_id TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    headers TEXT NOT NULL,
    created_at BIGINT NOT NULL
  );
  `,
];
