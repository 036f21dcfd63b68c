import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ChoreographyTrackers } from '../../src/choreography/ChoreographyTrackers.js';
import { openTrackerFile, readTrackerFile } from '../../src/choreography/trackerFile.js';

/** A trackers file as the versions before flags could clear wrote it: no `cleared` column. */
function olderFile(): string {
  const path = join(mkdtempSync(join(process.env['TMPDIR'] ?? tmpdir(), 'trackers-')), 'old.choreographies.db');
  const db = new Database(path);
  db.exec(`
    CREATE TABLE choreography_trackers (
      choreography TEXT NOT NULL, correlation_id TEXT NOT NULL, state TEXT NOT NULL, context TEXT NOT NULL,
      status TEXT NOT NULL, flagged INTEGER NOT NULL, due_at INTEGER, updated_at INTEGER NOT NULL,
      last_seq INTEGER NOT NULL, PRIMARY KEY (choreography, correlation_id));
    CREATE TABLE choreography_events (
      choreography TEXT NOT NULL, correlation_id TEXT NOT NULL, n INTEGER NOT NULL, at INTEGER NOT NULL,
      type TEXT NOT NULL, seq INTEGER, state TEXT NOT NULL, flag TEXT,
      PRIMARY KEY (choreography, correlation_id, n));
    CREATE TABLE choreography_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    INSERT INTO choreography_trackers VALUES ('orders', 'o-1', '"awaiting PaymentProcessed"',
      '{"completed":["OrderCreated"],"awaitingCompensation":[],"flags":[],"lastEvent":"OrderCreated"}',
      'Running', 0, 100, 1, 1);
    INSERT INTO choreography_events VALUES ('orders', 'o-1', 1, 1, 'OrderCreated', 1, '"awaiting PaymentProcessed"', NULL);`);
  db.close();
  return path;
}

describe('the choreography trackers file', () => {
  it('should read the timeline of a file made before flags could clear, as clearing none', () => {
    const db = readTrackerFile(olderFile())!;
    const instance = new ChoreographyTrackers(db).get('orders', 'o-1');
    expect(instance?.events).toEqual([
      { n: 1, at: 1, type: 'OrderCreated', seq: 1, state: 'awaiting PaymentProcessed', flag: null, cleared: [] },
    ]);
    db.close();
  });

  it('should add the column for cleared flags when a monitor opens such a file, keeping what it holds', () => {
    const db = openTrackerFile(olderFile());
    const columns = db
      .prepare<[], { name: string }>("SELECT name FROM pragma_table_info('choreography_events')")
      .all()
      .map((c) => c.name);
    expect(columns).toContain('cleared');
    expect(new ChoreographyTrackers(db).get('orders', 'o-1')?.events[0]).toMatchObject({ flag: null, cleared: [] });
    db.close();
  });
});
