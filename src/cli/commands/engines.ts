import { join } from 'node:path';
import type { EngineInfo } from '../../store/SagaStore.js';
import { str, type Command } from '../Command.js';
import { formatTable } from '../format/table.js';
import { remoteClient } from '../remoteClient.js';
import { databaseLabel, storeFor } from '../storeFor.js';

const ago = (at: number, now: number) => `${Math.max(0, Math.round((now - at) / 100) / 10)} s ago`;

/** The engines on the database, read without joining them (a read-only store), or from a server. */
async function readEngines(values: Parameters<Command['run']>[1], err: (line: string) => void): Promise<EngineInfo[]> {
  const url = str(values, 'url');
  if (url !== undefined) {
    const client = remoteClient(url, str(values, 'token') ?? process.env['SAGACHART_TOKEN']);
    try {
      return await client.engines();
    } finally {
      await client.close();
    }
  }
  const db = str(values, 'db') ?? process.env['SAGACHART_DB'] ?? join('data', 'sagachart.db');
  err(`database: ${databaseLabel(db)}`);
  const store = await storeFor(db, { readOnly: true });
  await store.init();
  try {
    return (await store.engines?.()) ?? [];
  } finally {
    await store.close();
  }
}

export const engines: Command = {
  name: 'engines',
  summary: 'list the engines running on the database (several on PostgreSQL)',
  usage: 'sagachart engines [--db FILE|postgres://…] [--url URL]',
  async run(_, values, { out, err }) {
    const items = await readEngines(values, err);
    if (values['json'] === true) {
      out(JSON.stringify({ items }));
      return 0;
    }
    if (items.length === 0) {
      out('No engine is running on this database.');
      return 0;
    }
    const now = Date.now();
    const rows = items.map((e) => [
      e.id,
      e.host,
      String(e.pid),
      e.held === null ? '-' : String(e.held),
      ago(e.heartbeatAt, now),
      e.address ?? '-',
    ]);
    formatTable(['ENGINE', 'HOST', 'PID', 'HELD', 'HEARTBEAT', 'SERVING'], rows).forEach(out);
    return 0;
  },
};
