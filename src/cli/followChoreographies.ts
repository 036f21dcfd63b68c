import { basename, dirname, join, resolve } from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import { ChoreographyBoard, type ChoreographyFollowing } from '../choreography/ChoreographyBoard.js';
import { ChoreographyTrackers } from '../choreography/ChoreographyTrackers.js';
import type { ChoreographyDefinition } from '../choreography/defineChoreography.js';
import type { ChoreographyMonitor } from '../choreography/followChoreography.js';
import { isPostgresUrl } from './storeFor.js';

/**
 * Where the choreography trackers live for a `--db`: beside a SQLite file
 * (`data/sagachart.db` → `data/sagachart.choreographies.db`); for PostgreSQL,
 * `data/choreographies.db` under the current directory (each server keeps its own).
 */
export function choreographyFileFor(db: string): string {
  if (isPostgresUrl(db)) return join('data', 'choreographies.db');
  return join(dirname(db), `${basename(db).replace(/\.(db|sqlite3?)$/i, '')}.choreographies.db`);
}

export interface FollowedChoreographies {
  readonly board: ChoreographyBoard;
  /** What serve prints: what is followed where, or why not. */
  readonly lines: readonly string[];
  stop(): Promise<void>;
}

const unfollowed = (definition: ChoreographyDefinition, why: string): ChoreographyFollowing => ({
  following: false,
  note: `not followed: ${why}`,
  stream: definition.stream ?? null,
  subject: definition.subject ?? null,
});

/**
 * Follows each choreography that names a subject, over `connection`, into the
 * trackers file; without a connection, shows what the file holds and says why
 * nothing is followed (`why`). The file is opened only when there is work for it.
 */
export async function followChoreographies(
  definitions: readonly ChoreographyDefinition[],
  options: {
    file: string;
    connection?: NatsConnection | undefined;
    why: string;
    onError?: (error: unknown) => void;
    /** How long finished instances are kept (followChoreography's `retentionMs`; 7 days unless given). */
    retentionMs?: number | undefined;
  },
): Promise<FollowedChoreographies> {
  const { file } = options;
  if (definitions.length === 0) {
    return {
      board: new ChoreographyBoard([], undefined, (d) => unfollowed(d, 'none')),
      lines: [],
      stop: async () => undefined,
    };
  }
  const names = definitions.map((d) => d.name).join(', ');
  if (options.connection === undefined) {
    const { readTrackerFile } = await import('../choreography/trackerFile.js');
    const db = readTrackerFile(file);
    return {
      board: new ChoreographyBoard(definitions, db === undefined ? undefined : new ChoreographyTrackers(db), (d) =>
        unfollowed(d, options.why),
      ),
      lines: [`choreographies not followed (${names}): ${options.why}`],
      stop: () => {
        db?.close();
        return Promise.resolve();
      },
    };
  }
  const { openTrackerFile } = await import('../choreography/trackerFile.js');
  const { followChoreography } = await import('../choreography/followChoreography.js');
  const db = openTrackerFile(file);
  const following = new Map<string, ChoreographyFollowing>();
  const monitors: ChoreographyMonitor[] = [];
  const lines: string[] = [];
  for (const definition of definitions) {
    if (definition.subject === undefined) {
      following.set(definition.name, unfollowed(definition, 'its definition names no subject'));
      lines.push(`choreography ${definition.name} not followed: its definition names no subject`);
      continue;
    }
    try {
      const monitor = await followChoreography(definition, {
        connection: options.connection,
        store: db,
        ...(options.onError === undefined ? {} : { onError: options.onError }),
        ...(options.retentionMs === undefined ? {} : { retentionMs: options.retentionMs }),
      });
      monitors.push(monitor);
      following.set(definition.name, {
        following: true,
        note: `on ${monitor.subject} (stream ${monitor.stream})`,
        stream: monitor.stream,
        subject: monitor.subject,
      });
      lines.push(`following choreography ${definition.name} on ${monitor.subject} (stream ${monitor.stream})`);
    } catch (error) {
      following.set(definition.name, unfollowed(definition, (error as Error).message));
      lines.push(`choreography ${definition.name} not followed: ${(error as Error).message}`);
    }
  }
  if (monitors.length > 0) lines.push(`choreography trackers: ${resolve(file)}`);
  return {
    board: new ChoreographyBoard(
      definitions,
      new ChoreographyTrackers(db),
      (d) => following.get(d.name) ?? unfollowed(d, 'unknown'),
    ),
    lines,
    async stop() {
      for (const monitor of monitors) await monitor.stop();
      db.close();
    },
  };
}
