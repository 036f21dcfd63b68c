import Database from 'better-sqlite3';
import type { Ledger, LedgerEntry, ParticipantStore } from './ParticipantStore.js';

const LEDGER = `
  CREATE TABLE IF NOT EXISTS sagachart_ledger (
    key TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    output TEXT,
    at INTEGER NOT NULL
  );
  CREATE TABLE IF NOT EXISTS sagachart_fences (
    execution_id TEXT PRIMARY KEY,
    fence INTEGER NOT NULL,
    at INTEGER NOT NULL
  )`;

interface Statements {
  get: Database.Statement<[string]>;
  put: Database.Statement<[string, string, string, number]>;
  fence: Database.Statement<[string]>;
  raise: Database.Statement<[string, number, number]>;
}

/**
 * A participant's ledger in its own SQLite file (WAL). Handlers get the
 * better-sqlite3 `Database` inside the open transaction: what they write
 * commits with the ledger row, or not at all. Commands apply one at a time.
 *
 * @example
 * const store = participantSqlite('data/inventory.db');
 * await participant({ name: 'inventory', connection: nc, store, handlers: {
 *   'inventory.reserve': ({ payload, tx }) => tx.prepare('INSERT INTO holds ...').run(...),
 * } });
 */
export function participantSqlite(pathOrDb: string | Database.Database): ParticipantStore<Database.Database> {
  const owned = typeof pathOrDb === 'string';
  const db = owned ? new Database(pathOrDb) : pathOrDb;
  let statements: Statements | undefined;
  const ledger: Ledger = {
    get(key) {
      const row = statements?.get.get(key) as { state: LedgerEntry['state']; output: string | null } | undefined;
      return Promise.resolve(
        row === undefined ? undefined : { state: row.state, output: JSON.parse(row.output ?? 'null') as unknown },
      );
    },
    put(key, entry) {
      statements?.put.run(key, entry.state, JSON.stringify(entry.output ?? null), Date.now());
      return Promise.resolve();
    },
    // One command at a time under BEGIN IMMEDIATE: the check and the effect are already one step.
    highestFence(executionId) {
      const row = statements?.fence.get(executionId) as { fence: number } | undefined;
      return Promise.resolve(row?.fence);
    },
    raiseFence(executionId, fence) {
      statements?.raise.run(executionId, fence, Date.now());
      return Promise.resolve();
    },
  };
  return {
    init() {
      db.pragma('journal_mode = WAL');
      db.pragma('busy_timeout = 5000');
      db.exec(LEDGER);
      statements = {
        get: db.prepare('SELECT state, output FROM sagachart_ledger WHERE key = ?'),
        put: db.prepare(
          `INSERT INTO sagachart_ledger (key, state, output, at) VALUES (?, ?, ?, ?)
           ON CONFLICT (key) DO UPDATE SET state = excluded.state, output = excluded.output, at = excluded.at`,
        ),
        fence: db.prepare('SELECT fence FROM sagachart_fences WHERE execution_id = ?'),
        raise: db.prepare(
          `INSERT INTO sagachart_fences (execution_id, fence, at) VALUES (?, ?, ?)
           ON CONFLICT (execution_id) DO UPDATE SET fence = max(fence, excluded.fence), at = excluded.at`,
        ),
      };
      return Promise.resolve();
    },
    async transaction(fn) {
      db.exec('BEGIN IMMEDIATE');
      try {
        const result = await fn(db, ledger);
        db.exec('COMMIT');
        return result;
      } catch (error) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw error;
      }
    },
    close() {
      if (owned) db.close();
      return Promise.resolve();
    },
  };
}
