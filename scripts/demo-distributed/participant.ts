// One participant of the distributed demo, in its own process: node --import tsx participant.ts <name> <dir>
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { connect } from '@nats-io/transport-node';
import { participant, participantSqlite, type ParticipantHandler } from '../../src/participant.js';
import { PARTICIPANTS, type ParticipantName } from './orderSaga.js';

const [name = 'orders', dir = 'data/demo-distributed'] = process.argv.slice(2) as [ParticipantName, string];
const subjects = PARTICIPANTS[name];
const db = new Database(join(dir, `${name}.db`));
db.pragma('journal_mode = WAL');
// The participant's own state: one row per effect, written in the same transaction as its ledger row.
db.exec('CREATE TABLE IF NOT EXISTS effects (key TEXT PRIMARY KEY, payload TEXT NOT NULL, undone INTEGER DEFAULT 0)');

const apply: ParticipantHandler<Database.Database> = ({ key, payload, tx }) => {
  const p = payload as { amount?: number; sku?: string };
  if (name === 'payments' && (p.amount ?? 0) > 1_000) {
    throw Object.assign(new Error(`card declined for ${p.amount}`), { name: 'PermanentError' });
  }
  if (name === 'stock' && p.sku === 'SKU-SOLD-OUT') {
    throw Object.assign(new Error(`${p.sku} is sold out`), { name: 'PermanentError' });
  }
  tx.prepare('INSERT INTO effects (key, payload) VALUES (?, ?)').run(key, JSON.stringify(payload));
  return { [name === 'shipping' ? 'trackingNo' : 'ref']: `${name}-${key.slice(0, 8)}` };
};
const undo: ParticipantHandler<Database.Database> = ({ command, tx }) => {
  tx.prepare('UPDATE effects SET undone = 1 WHERE key = ?').run(command.forwardKey);
};

const nc = await connect({ servers: process.env['NATS_URL'] ?? '127.0.0.1:4222' });
const running = await participant({
  name: `demo-${name}`,
  connection: nc,
  store: participantSqlite(db),
  handlers: { [subjects.run]: apply, ...(subjects.undo === undefined ? {} : { [subjects.undo]: undo }) },
});
console.log(`${name} ready`);
process.on('SIGTERM', () => {
  void running.stop().then(async () => {
    await nc.close();
    process.exit(0);
  });
});
