// The benchmark's participant, in its own process: applies every command once in its SQLite ledger.
// Usage: participant.ts <dir> <prefix> <commandStream>
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { connect } from '@nats-io/transport-node';
import { participant, participantSqlite } from '../../src/participant.js';
import { remoteSubjects } from './sagas.js';

const [dir = '', prefix = 'bench', commandStream = ''] = process.argv.slice(2);
const db = new Database(join(dir, 'participant.db'));
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
const nc = await connect({ servers: process.env['NATS_URL'] ?? '127.0.0.1:4222' });
const ok = () => ({ ok: true });
await participant({
  name: 'bench',
  connection: nc,
  commandStream,
  store: participantSqlite(db),
  handlers: Object.fromEntries(remoteSubjects(prefix).map((s) => [s, ok])),
});
console.log('ready');
