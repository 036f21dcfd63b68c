import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { headers } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { awaitEvent, defineSaga, remote, step, type RemoteCommand } from '../../src/index.js';
import { natsRelay, REPLY_TO_HEADER } from '../../src/nats.js';
import { participant, participantSqlite } from '../../src/participant.js';
import { startEngine } from '../fixtures/engine.js';
import { natsAvailable, natsConnection, natsNames } from '../fixtures/nats.js';
import { until } from '../fixtures/until.js';

const available = await natsAvailable();

describe.skipIf(!available)('a participant and the fencing token', () => {
  it("should refuse a replaced engine's command, and the holder should journal the refusal and complete", async () => {
    const names = natsNames();
    const nc = await natsConnection();
    const js = jetstream(nc);
    const subject = (s: string) => `${names.prefix}.shop.${s}`;
    // hold runs under fence 1; the execution then parks for the approval and comes back under fence 2.
    const saga = defineSaga({
      name: 'fenced-order',
      version: 1,
      input: z.object({ orderId: z.string() }),
      steps: [
        step('hold', { run: remote(subject('hold')), compensate: remote(subject('release')), timeoutMs: 30_000 }),
        awaitEvent('approval', { event: 'order.approved' }),
        step('charge', { run: remote(subject('charge')), compensate: remote(subject('refund')), timeoutMs: 30_000 }),
        step('ship', { run: remote(subject('ship')), compensate: 'none', timeoutMs: 30_000 }),
      ],
    });
    const engine = await startEngine([saga]);
    const relay = await natsRelay(engine, { connection: nc, ...names });

    const db = new Database(join(mkdtempSync(join(process.env['TMPDIR'] ?? tmpdir(), 'fence-')), 'shop.db'));
    db.exec('CREATE TABLE effects (key TEXT NOT NULL, fence INTEGER)');
    const effect = ({ key, command, tx }: { key: string; command: RemoteCommand; tx: Database.Database }) => {
      tx.prepare('INSERT INTO effects VALUES (?, ?)').run(key, command.fence ?? null);
      return { fence: command.fence };
    };
    /** The command the engine that held the execution under fence 1 had sent for `ship`, arriving late. */
    const staleShip = (executionId: string): RemoteCommand => ({
      v: 1,
      key: `${executionId}:ship`,
      forwardKey: `${executionId}:ship`,
      kind: 'run',
      executionId,
      saga: saga.name,
      step: 'ship',
      attempt: 1,
      subject: subject('ship'),
      payload: { orderId: 'o1' },
      fence: 1,
    });
    const shop = await participant({
      name: 'shop',
      connection: nc,
      commandStream: names.commandStream,
      store: participantSqlite(db),
      handlers: {
        [subject('hold')]: effect,
        [subject('release')]: effect,
        [subject('refund')]: effect,
        [subject('ship')]: effect,
        // While charge applies under fence 2, the stale ship command lands in the stream: the participant
        // takes it after charge and before the holder's own ship command, and replies while the
        // holder waits for exactly that key and attempt.
        [subject('charge')]: async (ctx) => {
          const h = headers();
          h.set(REPLY_TO_HEADER, names.replySubject);
          await js.publish(subject('ship'), JSON.stringify(staleShip(ctx.command.executionId)), { headers: h });
          return effect(ctx);
        },
      },
    });

    const { id } = await engine.execute(saga, { orderId: 'o1' });
    await until(async () => (await engine.get(id)).completed.includes('hold') && engine.held() === 0);
    await engine.send(id, { type: 'order.approved' });
    const outcome = await engine.waitFor(id);

    expect(outcome.status).toBe('Completed');
    expect(outcome.results['ship']).toEqual({ fence: 2 });
    // Fence 2 (charge), then fence 1 (the stale ship): the second was not applied; ship applied once, by the holder.
    expect(db.prepare('SELECT key, fence FROM effects ORDER BY rowid').all()).toEqual([
      { key: `${id}:hold`, fence: 1 },
      { key: `${id}:charge`, fence: 2 },
      { key: `${id}:ship`, fence: 2 },
    ]);
    const ignored = (await engine.journal(id)).filter((e) => e.type === 'ReplyIgnored');
    expect(ignored).toEqual([
      expect.objectContaining({
        step: 'ship',
        attempt: 1,
        data: expect.objectContaining({
          key: `${id}:ship`,
          ok: false,
          why: expect.stringMatching(/^stale: fence 1 is older than fence 2 seen for this execution/),
        }),
      }),
    ]);
    await relay.stop();
    await shop.stop();
  });
});
