import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { StoreError } from '../definition/errors.js';
import { hasClearedColumn } from './clearedColumn.js';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS choreography_trackers (
    choreography TEXT NOT NULL,
    correlation_id TEXT NOT NULL,
    state TEXT NOT NULL,
    context TEXT NOT NULL,
    status TEXT NOT NULL,
    flagged INTEGER NOT NULL,
    due_at INTEGER,
    updated_at INTEGER NOT NULL,
    last_seq INTEGER NOT NULL,
    PRIMARY KEY (choreography, correlation_id)
  );
  CREATE INDEX IF NOT EXISTS choreography_trackers_newest
    ON choreography_trackers (choreography, updated_at DESC, correlation_id DESC);
  CREATE INDEX IF NOT EXISTS choreography_trackers_due
    ON choreography_trackers (choreography, due_at) WHERE due_at IS NOT NULL;
  CREATE TABLE IF NOT EXISTS choreography_events (
    choreography TEXT NOT NULL,
    correlation_id TEXT NOT NULL,
    n INTEGER NOT NULL,
    at INTEGER NOT NULL,
    type TEXT NOT NULL,
    seq INTEGER,
    state TEXT NOT NULL,
    flag TEXT,
    cleared TEXT,
    PRIMARY KEY (choreography, correlation_id, n)
  );
  CREATE TABLE IF NOT EXISTS choreography_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);`;

/**
 * Opens (and creates) the trackers' SQLite file.
 *
 * @internal
 */
export function openTrackerFile(path: string): Database.Database {
  try {
    return prepareTrackerFile(new Database(path));
  } catch (cause) {
    throw new StoreError(`Cannot open the choreography trackers file ${path}: ${(cause as Error).message}`, { cause });
  }
}

/**
 * WAL mode (a CLI or another server reads while the monitor writes) and the trackers' tables.
 *
 * @internal
 */
export function prepareTrackerFile(db: Database.Database): Database.Database {
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  db.exec(SCHEMA);
  // Files made before flags could clear have no column for it.
  if (!hasClearedColumn(db)) db.exec('ALTER TABLE choreography_events ADD COLUMN cleared TEXT');
  return db;
}

/**
 * Opens an existing trackers file for reading only; undefined when there is none yet.
 *
 * @internal
 */
export function readTrackerFile(path: string): Database.Database | undefined {
  try {
    const db = new Database(path, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    // A file the monitor has not created its tables in yet holds no instance.
    const has = db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'choreography_events'").get();
    if (has === undefined) {
      db.close();
      return undefined;
    }
    return db;
  } catch (cause) {
    if ((cause as { code?: string }).code === 'SQLITE_CANTOPEN') return undefined;
    throw new StoreError(`Cannot read the choreography trackers file ${path}: ${(cause as Error).message}`, { cause });
  }
}

/**
 * The file's own id, made once: each file follows the subject with a durable
 * consumer of its own, so a new file (or one per server) gets every event.
 *
 * @internal
 */
export function trackerFileId(db: Database.Database): string {
  db.prepare("INSERT OR IGNORE INTO choreography_meta (key, value) VALUES ('id', ?)").run(
    randomUUID().replaceAll('-', '').slice(0, 12),
  );
  return (db.prepare("SELECT value FROM choreography_meta WHERE key = 'id'").get() as { value: string }).value;
}
