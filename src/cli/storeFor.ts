import { resolve } from 'node:path';
import { redactUrl } from '../store/redactUrl.js';
import type { SagaStore } from '../store/SagaStore.js';

/** How `--db` is shown: a URL without its password, a file as its absolute path. */
export const databaseLabel = (db: string): string => (isPostgresUrl(db) ? redactUrl(db) : resolve(db));

/** Whether `--db` names a PostgreSQL database rather than a SQLite file. */
export const isPostgresUrl = (db: string): boolean => /^postgres(ql)?:\/\//i.test(db);

/**
 * The store `--db` (or SAGACHART_DB) names: a `postgres://` URL for the
 * PostgreSQL store, anything else a SQLite file. Each driver loads only when used.
 */
export async function storeFor(
  db: string,
  /** commitThread: SQLite commits on a worker thread (sqliteStore's option; PostgreSQL has no such choice). */
  options: { readOnly?: boolean; claims?: boolean; commitThread?: boolean } = {},
): Promise<SagaStore & { announce?: (address: string) => void }> {
  const readOnly = options.readOnly === true ? { readOnly: true } : {};
  // A short-lived engine (a CLI command) on a database others run on claims nothing of theirs.
  const claims = options.claims === false ? { maxHeld: 0 } : {};
  if (isPostgresUrl(db)) {
    const { postgresStore } = await import('../store/postgresStore.js');
    // `?schema=name` picks the schema that holds sagachart's tables (default: sagachart).
    const url = new URL(db);
    const schema = url.searchParams.get('schema') ?? undefined;
    url.searchParams.delete('schema');
    return postgresStore(url.toString(), { ...(schema === undefined ? {} : { schema }), ...readOnly, ...claims });
  }
  const { sqliteStore } = await import('../store/sqliteStore.js');
  return sqliteStore(db, { ...readOnly, commitThread: options.commitThread === true });
}
