import { join, resolve } from 'node:path';
import type {
  ChoreographyBoard,
  ChoreographyInstanceDetailView,
  ChoreographyInstanceView,
  ChoreographySummary,
} from '../choreography/ChoreographyBoard.js';
import type { ChoreographyInstanceQuery } from '../choreography/ChoreographyInstance.js';
import { loadSagas } from '../server/loadSagas.js';
import { apiCall } from './apiCall.js';
import { defaultMachinesDir, serverFor, str, type CommandIO, type Values } from './Command.js';
import { choreographyFileFor } from './followChoreographies.js';

/** What `sagachart choreographies` reads, from a server or from the trackers file. */
export interface ChoreographyClient {
  summaries(): Promise<ChoreographySummary[]>;
  instances(
    name: string,
    query: ChoreographyInstanceQuery,
  ): Promise<{ items: ChoreographyInstanceView[]; nextCursor: string | null }>;
  instance(name: string, correlationId: string): Promise<ChoreographyInstanceDetailView>;
  close(): Promise<void>;
}

function remoteChoreographies(url: string, token: string | undefined): ChoreographyClient {
  const call = apiCall(url, token);
  const enc = encodeURIComponent;
  return {
    summaries: async () => (await call<{ items: ChoreographySummary[] }>('GET', '/api/choreographies')).items,
    instances: (name, query) => {
      const params = new URLSearchParams();
      for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
      return call('GET', `/api/choreographies/${enc(name)}/instances?${params.toString()}`);
    },
    instance: (name, id) => call('GET', `/api/choreographies/${enc(name)}/instances/${enc(id)}`),
    close: () => Promise.resolve(),
  };
}

/** The trackers file read directly, with the choreographies of --machines. */
async function localChoreographies(file: string, machines: string): Promise<ChoreographyClient> {
  const [{ ChoreographyBoard: Board }, { ChoreographyTrackers }, { readTrackerFile }] = await Promise.all([
    import('../choreography/ChoreographyBoard.js'),
    import('../choreography/ChoreographyTrackers.js'),
    import('../choreography/trackerFile.js'),
  ]);
  const definitions = (await loadSagas(machines)).choreographies ?? [];
  const db = readTrackerFile(file);
  const where = resolve(file);
  const board: ChoreographyBoard = new Board(
    definitions,
    db === undefined ? undefined : new ChoreographyTrackers(db),
    (d) => ({
      following: false,
      note: db === undefined ? `no trackers file at ${where} yet` : `read from ${where}`,
      stream: d.stream ?? null,
      subject: d.subject ?? null,
    }),
  );
  return {
    summaries: () => Promise.resolve(board.summaries()),
    instances: async (name, query) => board.list(board.definitionNamed(name), query),
    instance: async (name, id) => board.get(board.definitionNamed(name), id),
    close: () => {
      db?.close();
      return Promise.resolve();
    },
  };
}

/**
 * The server at --url (or the one holding the SQLite file, unless
 * --choreography-db names a file), else the trackers file beside --db (or
 * --choreography-db) with the choreographies of --machines.
 */
export async function openChoreographyClient(values: Values, io: Pick<CommandIO, 'err'>): Promise<ChoreographyClient> {
  // A trackers file named outright is read as it is, whoever holds the database.
  const server =
    str(values, 'choreography-db') === undefined || str(values, 'url') !== undefined
      ? serverFor(values, io)
      : undefined;
  if (server !== undefined) return remoteChoreographies(server.url, server.token);
  const db = str(values, 'db') ?? process.env['SAGACHART_DB'] ?? join('data', 'sagachart.db');
  const file = str(values, 'choreography-db') ?? choreographyFileFor(db);
  io.err(`choreography trackers: ${resolve(file)}`);
  return localChoreographies(file, str(values, 'machines') ?? defaultMachinesDir());
}
