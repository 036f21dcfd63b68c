import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openTrackerFile } from '../../src/choreography/trackerFile.js';
import {
  DEFAULT_CHOREOGRAPHY_RETENTION_MS,
  PRUNE_EVERY_MS,
  TrackerPruner,
} from '../../src/choreography/TrackerPruner.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 15, 12);

/** A real trackers file with one instance per row given, each with a one-line timeline. */
function trackersFile(rows: [choreography: string, id: string, status: string, updatedAt: number][]) {
  const db = openTrackerFile(join(mkdtempSync(join(process.env['TMPDIR'] ?? tmpdir(), 'pruner-')), 'trackers.db'));
  const tracker = db.prepare(
    `INSERT INTO choreography_trackers (choreography, correlation_id, state, context, status, flagged, due_at, updated_at, last_seq)
     VALUES (?, ?, '"Completed"', '{"completed":[],"awaitingCompensation":[],"flags":[],"lastEvent":null}', ?, 0, NULL, ?, 1)`,
  );
  const event = db.prepare(
    `INSERT INTO choreography_events (choreography, correlation_id, n, at, type, seq, state, flag, cleared)
     VALUES (?, ?, 1, ?, 'OrderCreated', 1, '"Completed"', NULL, NULL)`,
  );
  for (const [choreography, id, status, at] of rows) {
    tracker.run(choreography, id, status, at);
    event.run(choreography, id, at);
  }
  return db;
}

const ids = (db: Database.Database) =>
  db
    .prepare<[], { id: string }>(
      `SELECT choreography || '/' || correlation_id AS id FROM choreography_trackers ORDER BY 1`,
    )
    .all()
    .map((r) => r.id);
const timelines = (db: Database.Database) =>
  db
    .prepare<[], { id: string }>(
      `SELECT DISTINCT choreography || '/' || correlation_id AS id FROM choreography_events ORDER BY 1`,
    )
    .all()
    .map((r) => r.id);

describe('TrackerPruner', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: T0, toFake: ['Date', 'setInterval', 'clearInterval'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('should delete the finished instances older than the retention period when it starts, with their timelines', async () => {
    const db = trackersFile([
      ['orders', 'done-8d', 'Completed', T0 - 8 * DAY],
      ['orders', 'undone-8d', 'Compensated', T0 - 8 * DAY],
      ['orders', 'done-6d', 'Completed', T0 - 6 * DAY],
      ['orders', 'running-8d', 'Running', T0 - 8 * DAY],
      ['orders', 'undoing-8d', 'Compensating', T0 - 8 * DAY],
      ['invoices', 'done-8d', 'Completed', T0 - 8 * DAY],
    ]);
    const pruner = new TrackerPruner(db, 'orders', DEFAULT_CHOREOGRAPHY_RETENTION_MS);
    await pruner.start();
    const left = ['invoices/done-8d', 'orders/done-6d', 'orders/running-8d', 'orders/undoing-8d'];
    expect(ids(db)).toEqual(left);
    expect(timelines(db)).toEqual(left);
    await pruner.stop();
  });

  it('should prune again every hour, and no more once stopped', async () => {
    const db = trackersFile([
      ['orders', 'soon', 'Completed', T0 - 7 * DAY + 30 * 60_000],
      ['orders', 'later', 'Completed', T0 - 7 * DAY + 90 * 60_000],
    ]);
    const pruner = new TrackerPruner(db, 'orders', DEFAULT_CHOREOGRAPHY_RETENTION_MS);
    await pruner.start();
    expect(ids(db)).toEqual(['orders/later', 'orders/soon']);
    // Past its retention after 30 minutes, deleted at the hour.
    await vi.advanceTimersByTimeAsync(PRUNE_EVERY_MS - 1);
    expect(ids(db)).toEqual(['orders/later', 'orders/soon']);
    await vi.advanceTimersByTimeAsync(1);
    expect(ids(db)).toEqual(['orders/later']);
    await pruner.stop();
    await vi.advanceTimersByTimeAsync(PRUNE_EVERY_MS);
    expect(ids(db)).toEqual(['orders/later']);
  });

  it('should keep every instance with an infinite retention period', async () => {
    const db = trackersFile([['orders', 'ancient', 'Completed', T0 - 3650 * DAY]]);
    const pruner = new TrackerPruner(db, 'orders', Number.POSITIVE_INFINITY);
    await pruner.start();
    expect(await pruner.prune()).toBe(0);
    expect(ids(db)).toEqual(['orders/ancient']);
    await pruner.stop();
  });

  it('should delete a large backlog in batches, all of it', async () => {
    const rows: [string, string, string, number][] = [];
    for (let i = 0; i < 1_234; i++) rows.push(['orders', `o-${i}`, 'Completed', T0 - 30 * DAY + i]);
    rows.push(['orders', 'fresh', 'Completed', T0]);
    const db = trackersFile(rows);
    const pruner = new TrackerPruner(db, 'orders', DEFAULT_CHOREOGRAPHY_RETENTION_MS);
    expect(await pruner.prune()).toBe(1_234);
    expect(ids(db)).toEqual(['orders/fresh']);
    expect(timelines(db)).toEqual(['orders/fresh']);
  });

  it('should refuse a retention period that is not a positive number of ms', () => {
    const db = trackersFile([]);
    expect(() => new TrackerPruner(db, 'orders', 0)).toThrow(
      'retentionMs must be a positive number of ms (Infinity keeps finished instances), got 0',
    );
  });
});
