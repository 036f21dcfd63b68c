import type Database from 'better-sqlite3';

/**
 * Whether a trackers file's timeline records the flags each line cleared: a
 * file made by an older version has no such column until a monitor opens it
 * (a reader may see it first).
 *
 * @example
 * const cleared = hasClearedColumn(db) ? 'cleared' : 'NULL AS cleared';
 * @internal
 */
export function hasClearedColumn(db: Database.Database): boolean {
  return (
    db.prepare("SELECT 1 FROM pragma_table_info('choreography_events') WHERE name = 'cleared'").get() !== undefined
  );
}
