import type Database from 'better-sqlite3';
import type { StateValue } from 'xstate';
import type { ChoreographyContext } from './compileChoreography.js';
import {
  CHOREOGRAPHY_STATUSES,
  type ChoreographyCounts,
  type ChoreographyEventRecord,
  type ChoreographyInstance,
  type ChoreographyInstanceDetail,
  type ChoreographyInstancePage,
  type ChoreographyInstanceQuery,
  type ChoreographyStatus,
} from './ChoreographyInstance.js';
import { hasClearedColumn } from './clearedColumn.js';

/** A tracker row as stored. @internal */
export interface TrackerRow {
  choreography: string;
  correlation_id: string;
  state: string;
  context: string;
  status: ChoreographyStatus;
  flagged: number;
  due_at: number | null;
  updated_at: number;
  last_seq: number;
}

interface EventRow {
  n: number;
  at: number;
  type: string;
  seq: number | null;
  state: string;
  flag: ChoreographyEventRecord['flag'];
  /** JSON array of flag kinds, or null. */
  cleared: string | null;
}

const DEFAULT_LIMIT = 50;

/** The instance a row holds. @internal */
export function instanceOf(row: TrackerRow): ChoreographyInstance {
  const context = JSON.parse(row.context) as ChoreographyContext;
  return {
    choreography: row.choreography,
    correlationId: row.correlation_id,
    status: row.status,
    state: JSON.parse(row.state) as StateValue,
    completed: context.completed,
    awaitingCompensation: context.awaitingCompensation,
    flags: context.flags,
    lastEvent: context.lastEvent,
    updatedAt: row.updated_at,
    dueAt: row.due_at,
  };
}

// A page ends at (updated_at, correlation_id); the next starts below it. Opaque to callers.
const encodeCursor = (row: TrackerRow): string =>
  Buffer.from(JSON.stringify([row.updated_at, row.correlation_id])).toString('base64url');

function decodeCursor(cursor: string): [number, string] | undefined {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as unknown;
    if (Array.isArray(value) && typeof value[0] === 'number' && typeof value[1] === 'string') {
      return [value[0], value[1]];
    }
  } catch {
    // Not one of ours: said below.
  }
  return undefined;
}

/** Thrown for a cursor this file did not hand out. */
export class BadCursorError extends Error {
  override name = 'BadCursorError';
}

/**
 * Reads the trackers' SQLite file: instances by choreography (newest first,
 * filtered and paged), counts by status, and one instance with its timeline.
 * The monitor writes the file; servers and the CLI read it through this.
 *
 * @internal
 */
export class ChoreographyTrackers {
  constructor(private readonly db: Database.Database) {}

  counts(choreography: string): ChoreographyCounts {
    const rows = this.db
      .prepare<[string], { status: ChoreographyStatus; n: number; flagged: number }>(
        `SELECT status, count(*) AS n, sum(flagged) AS flagged FROM choreography_trackers
         WHERE choreography = ? GROUP BY status`,
      )
      .all(choreography);
    const byStatus = Object.fromEntries(CHOREOGRAPHY_STATUSES.map((s) => [s, 0])) as Record<ChoreographyStatus, number>;
    let flagged = 0;
    for (const row of rows) {
      byStatus[row.status] = row.n;
      flagged += row.flagged;
    }
    return { byStatus, flagged, total: rows.reduce((sum, row) => sum + row.n, 0) };
  }

  /** The choreographies the file has instances of. */
  names(): string[] {
    return this.db
      .prepare<[], { choreography: string }>('SELECT DISTINCT choreography FROM choreography_trackers ORDER BY 1')
      .all()
      .map((row) => row.choreography);
  }

  list(choreography: string, query: ChoreographyInstanceQuery = {}): ChoreographyInstancePage {
    const limit = query.limit ?? DEFAULT_LIMIT;
    const where = ['choreography = @choreography'];
    const params: Record<string, unknown> = { choreography, limit: limit + 1 };
    if (query.status !== undefined) {
      where.push('status = @status');
      params['status'] = query.status;
    }
    if (query.flagged !== undefined) {
      where.push('flagged = @flagged');
      params['flagged'] = query.flagged ? 1 : 0;
    }
    if (query.idPrefix !== undefined && query.idPrefix !== '') {
      // A range, not LIKE: ids may hold % and _, and the primary key serves it.
      where.push('correlation_id >= @from AND correlation_id < @to');
      params['from'] = query.idPrefix;
      params['to'] = `${query.idPrefix}\u{10FFFF}`;
    }
    if (query.cursor !== undefined) {
      const after = decodeCursor(query.cursor);
      if (after === undefined) throw new BadCursorError(`cursor "${query.cursor}" was not given by this list`);
      where.push('(updated_at < @at OR (updated_at = @at AND correlation_id < @id))');
      params['at'] = after[0];
      params['id'] = after[1];
    }
    const rows = this.db
      .prepare<[Record<string, unknown>], TrackerRow>(
        `SELECT * FROM choreography_trackers WHERE ${where.join(' AND ')}
         ORDER BY updated_at DESC, correlation_id DESC LIMIT @limit`,
      )
      .all(params);
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    const last = page.at(-1);
    return { items: page.map(instanceOf), nextCursor: more && last !== undefined ? encodeCursor(last) : null };
  }

  get(choreography: string, correlationId: string): ChoreographyInstanceDetail | undefined {
    const row = this.db
      .prepare<[string, string], TrackerRow>(
        'SELECT * FROM choreography_trackers WHERE choreography = ? AND correlation_id = ?',
      )
      .get(choreography, correlationId);
    if (row === undefined) return undefined;
    const cleared = hasClearedColumn(this.db) ? 'cleared' : 'NULL AS cleared';
    const events = this.db
      .prepare<[string, string], EventRow>(
        `SELECT n, at, type, seq, state, flag, ${cleared} FROM choreography_events
         WHERE choreography = ? AND correlation_id = ? ORDER BY n`,
      )
      .all(choreography, correlationId)
      .map((e): ChoreographyEventRecord => ({
        ...e,
        state: JSON.parse(e.state) as StateValue,
        cleared: e.cleared === null ? [] : (JSON.parse(e.cleared) as ChoreographyEventRecord['cleared']),
      }));
    return { ...instanceOf(row), events };
  }
}
