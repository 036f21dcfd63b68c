// Real processes for the remote-step crash test, meant to be killed with SIGKILL at any moment.
// Usage: remoteCrashWorker.ts <role> <dir> <count> <prefix> <commandStream> <replyStream> <replySubject>
//   role "engine":   starts sagas r-0..r-(count-1) (idempotent ids) with remote steps, relays them over
//                    NATS, prints "started" once every start is acknowledged, exits 0 once all settled.
//   role "outbox":   the same engine without a relay: the commands stay in its outbox.
//   role "participant": serves the commands until killed; its effects are rows of <dir>/participant.db
//                    written in the command's transaction. Once, it SIGKILLs itself in the middle of
//                    applying a command (after writing the effect, before commit).
// All print "ready" once started.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { connect } from '@nats-io/transport-node';
import { SagaEngine } from '../../src/index.js';
import { natsRelay } from '../../src/nats.js';
import { participant, participantSqlite } from '../../src/participant.js';
import { sqliteStore } from '../../src/sqlite.js';
import { remoteCrashSaga, subjectsOf } from './remoteCrashPlan.js';

const [
  role = 'engine',
  dir = '',
  countArg = '200',
  prefix = 't',
  commandStream = '',
  replyStream = '',
  replySubject = '',
] = process.argv.slice(2);
const names = { commandStream, replyStream, replySubject };
const nc = await connect({ servers: process.env['SAGACHART_NATS_URL'] ?? '127.0.0.1:4222' });
const subjects = subjectsOf(prefix);

if (role === 'participant') {
  const db = new Database(join(dir, 'participant.db'));
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE IF NOT EXISTS effects (key TEXT NOT NULL, kind TEXT NOT NULL, at INTEGER NOT NULL)');
  const crashMarker = join(dir, 'crashed-mid-apply');
  const effect =
    (kind: string) =>
    ({ key, tx }: { key: string; tx: Database.Database }) => {
      tx.prepare('INSERT INTO effects VALUES (?, ?, ?)').run(key, kind, Date.now());
      if (!existsSync(crashMarker)) {
        writeFileSync(crashMarker, key);
        process.kill(process.pid, 'SIGKILL');
      }
      return { at: Date.now() };
    };
  await participant({
    name: 'crash',
    connection: nc,
    store: participantSqlite(db),
    commandStream,
    ackWaitMs: 2_000,
    handlers: {
      [subjects.reserve]: effect('reserve'),
      [subjects.release]: effect('release'),
      [subjects.charge]: (ctx) => {
        if ((ctx.payload as { decline: boolean }).decline) {
          throw Object.assign(new Error('card declined'), { name: 'PermanentError' });
        }
        return effect('charge')(ctx);
      },
      [subjects.refund]: effect('refund'),
    },
  });
  console.log('ready');
} else {
  const count = Number(countArg);
  const saga = remoteCrashSaga(prefix);
  const engine = new SagaEngine({ store: sqliteStore(join(dir, 'engine.db')), sagas: [saga] });
  await engine.start();
  if (role === 'engine') await natsRelay(engine, { connection: nc, ...names, ackWaitMs: 2_000, pollMs: 200 });
  console.log('ready');
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) {
    ids.push((await engine.execute(saga, { n: i, decline: i % 5 === 0 }, { executionId: `r-${i}` })).id);
  }
  console.log('started');
  if (role === 'outbox') await new Promise(() => undefined);
  for (const id of ids) await engine.waitFor(id);
  await engine.stop();
  await nc.close();
  process.exit(0);
}
