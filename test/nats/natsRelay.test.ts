import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { headers } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { defineSaga, remote, step, type RemoteCommand, type RemoteReply } from '../../src/index.js';
import { natsRelay, REPLY_TO_HEADER } from '../../src/nats.js';
import { participant, participantSqlite, type Participant } from '../../src/participant.js';
import { startEngine } from '../fixtures/engine.js';
import { natsAvailable, natsConnection, natsNames } from '../fixtures/nats.js';
import { until } from '../fixtures/until.js';

const available = await natsAvailable();

function orderSaga(prefix: string) {
  return defineSaga({
    name: 'nats-order',
    version: 1,
    input: z.object({ orderId: z.string(), amount: z.number() }),
    steps: [
      step('reserve', {
        run: remote(`${prefix}.inventory.reserve`, ({ input }) => ({ orderId: input.orderId })),
        compensate: remote(`${prefix}.inventory.release`),
        timeoutMs: 20_000,
      }),
      step('charge', {
        run: remote(`${prefix}.payments.charge`),
        compensate: remote(`${prefix}.payments.refund`),
        timeoutMs: 20_000,
      }),
    ],
  });
}

/** A participant whose effects are rows in its own SQLite file, written in the command's transaction. */
async function ledgerParticipant(
  name: string,
  subjects: { run: string; undo: string },
  nats: Awaited<ReturnType<typeof natsConnection>>,
  commandStream: string,
  refuse: (payload: unknown) => boolean = () => false,
): Promise<{ db: Database.Database; stop: () => Promise<void> }> {
  const db = new Database(join(mkdtempSync(join(process.env['TMPDIR'] ?? tmpdir(), 'participant-')), `${name}.db`));
  db.exec('CREATE TABLE IF NOT EXISTS effects (key TEXT NOT NULL, kind TEXT NOT NULL)');
  const running: Participant = await participant({
    name,
    connection: nats,
    commandStream,
    store: participantSqlite(db),
    handlers: {
      [subjects.run]: ({ key, payload, tx }) => {
        if (refuse(payload)) throw Object.assign(new Error('declined'), { name: 'PermanentError' });
        tx.prepare('INSERT INTO effects VALUES (?, ?)').run(key, 'run');
        return { by: name };
      },
      [subjects.undo]: ({ key, tx }) => {
        tx.prepare('INSERT INTO effects VALUES (?, ?)').run(key, 'undo');
      },
    },
  });
  return { db, stop: () => running.stop() };
}

/** The order saga on an engine with its relay, and its two participants (payments declining every charge when told). */
async function shop(paymentsDecline: boolean) {
  const names = natsNames();
  const nc = await natsConnection();
  const saga = orderSaga(names.prefix);
  const engine = await startEngine([saga]);
  const relay = await natsRelay(engine, { connection: nc, ...names });
  const participantOf = (name: string, run: string, undo: string, refuse?: () => boolean) =>
    ledgerParticipant(
      name,
      { run: `${names.prefix}.${name}.${run}`, undo: `${names.prefix}.${name}.${undo}` },
      nc,
      names.commandStream,
      refuse,
    );
  const inventory = await participantOf('inventory', 'reserve', 'release');
  const payments = await participantOf('payments', 'charge', 'refund', () => paymentsDecline);
  return { saga, engine, relay, inventory, payments };
}

describe.skipIf(!available)('remote steps over NATS JetStream', () => {
  it('should complete a saga whose steps run in participants', async () => {
    const { saga, engine, relay, inventory, payments } = await shop(false);
    const { id } = await engine.execute(saga, { orderId: 'o1', amount: 5 });
    const outcome = await engine.waitFor(id);
    expect(outcome.status).toBe('Completed');
    expect(outcome.results).toEqual({ reserve: { by: 'inventory' }, charge: { by: 'payments' } });
    expect(inventory.db.prepare('SELECT key, kind FROM effects').all()).toEqual([
      { key: `${id}:reserve`, kind: 'run' },
    ]);
    expect(await engine.remote.pending()).toEqual([]);
    await Promise.all([relay.stop(), inventory.stop(), payments.stop()]);
  });

  it('should compensate through the participants when one declines', async () => {
    const { saga, engine, relay, inventory, payments } = await shop(true);
    const { id } = await engine.execute(saga, { orderId: 'o2', amount: 5 });
    expect((await engine.waitFor(id)).status).toBe('Compensated');
    expect(inventory.db.prepare('SELECT key, kind FROM effects').all()).toEqual([
      { key: `${id}:reserve`, kind: 'run' },
      { key: `${id}:reserve:compensate`, kind: 'undo' },
    ]);
    expect(payments.db.prepare('SELECT count(*) AS n FROM effects').get()).toEqual({ n: 0 });
    await Promise.all([relay.stop(), inventory.stop(), payments.stop()]);
  });

  it('should refuse a forward command whose compensation already ran, and never apply it', async () => {
    const names = natsNames();
    const nc = await natsConnection();
    const js = jetstream(nc);
    const run = `${names.prefix}.stock.take`;
    const undo = `${names.prefix}.stock.return`;
    const stock = await ledgerParticipant('stock', { run, undo }, nc, names.commandStream);
    // Replies are stored like a relay's (the participant waits for the broker's ack).
    await (await jetstreamManager(nc)).streams.add({ name: names.replyStream, subjects: [names.replySubject] });
    const replies: RemoteReply[] = [];
    const sub = nc.subscribe(names.replySubject, {
      callback: (_, msg) => {
        replies.push(msg.json<RemoteReply>());
      },
    });
    const command = (kind: 'run' | 'compensate'): RemoteCommand => ({
      v: 1,
      key: kind === 'run' ? 'x1:take' : 'x1:take:compensate',
      forwardKey: 'x1:take',
      kind,
      executionId: 'x1',
      saga: 'manual',
      step: 'take',
      attempt: 1,
      subject: kind === 'run' ? run : undo,
      payload: {},
      ...(kind === 'compensate' ? { outcome: 'unknown' as const } : {}),
    });
    const h = headers();
    h.set(REPLY_TO_HEADER, names.replySubject);
    // The compensation overtakes its forward command (the forward one timed out in the broker).
    await js.publish(undo, JSON.stringify(command('compensate')), { headers: h });
    await until(() => replies.length === 1);
    await js.publish(run, JSON.stringify(command('run')), { headers: h });
    await until(() => replies.length === 2);
    expect(replies[0]).toMatchObject({ kind: 'compensate', ok: true });
    expect(replies[1]).toMatchObject({ kind: 'run', ok: false, error: { name: 'CompensatedError', permanent: true } });
    expect(stock.db.prepare('SELECT count(*) AS n FROM effects').get()).toEqual({ n: 0 });
    sub.unsubscribe();
    await stock.stop();
  });
});
