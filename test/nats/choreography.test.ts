import { mkdtempSync } from 'node:fs';
import Database from 'better-sqlite3';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { describe, expect, it } from 'vitest';
import { compileChoreography, defineChoreography, SagaDefinitionError } from '../../src/index.js';
import { followChoreography } from '../../src/nats.js';
import type { NatsConnection } from '@nats-io/transport-node';
import { natsAvailable, natsConnection, natsNames } from '../fixtures/nats.js';
import { until } from '../fixtures/until.js';
import { testOrders } from '../fixtures/choreographyServer.js';

const available = await natsAvailable();

// The subject is given to followChoreography in each test.
const orders = (timeoutMs: number) => testOrders({ subject: 'unused.orders.events', timeoutMs });

describe('defineChoreography', () => {
  it('should refuse an event named twice', () => {
    expect(() =>
      defineChoreography({
        name: 'twice',
        correlate: () => 'x',
        timeoutMs: 1,
        flow: [{ event: 'A', compensatedBy: 'B' }, { event: 'B' }],
      }),
    ).toThrow(SagaDefinitionError);
  });

  it('should refuse a subject or a stream NATS would not take, naming it', () => {
    const flow = [{ event: 'A' }];
    expect(() =>
      defineChoreography({ name: 'x', correlate: () => 'x', timeoutMs: 1, flow, subject: 'orders events' }),
    ).toThrow('subject "orders events" is not a NATS subject');
    expect(() =>
      defineChoreography({ name: 'x', correlate: () => 'x', timeoutMs: 1, flow, stream: 'ORDERS.ALL' }),
    ).toThrow('stream "ORDERS.ALL" is not a JetStream stream name');
  });

  it('should compile to a statechart with a state per stage and the compensation states', () => {
    const machine = compileChoreography(orders(1_000));
    expect(Object.keys(machine.root.states)).toEqual([
      'awaiting OrderCreated',
      'awaiting PaymentProcessed',
      'awaiting StockReserved',
      'awaiting OrderShipped',
      'Compensating',
      'Completed',
      'Compensated',
    ]);
  });
});

describe('followChoreography options', () => {
  it('should refuse a retention period that is not a positive number of ms, naming it', async () => {
    for (const retentionMs of [0, -1, Number.NaN]) {
      await expect(
        followChoreography(orders(1_000), {
          connection: {} as NatsConnection, // refused before it is used
          subject: 'unused.orders.events',
          store: ':memory:',
          retentionMs,
        }),
      ).rejects.toThrow(
        `retentionMs must be a positive number of ms (Infinity keeps finished instances), got ${retentionMs}`,
      );
    }
  });
});

/** A trackers file of its own for one test. */
const trackersFile = () => join(mkdtempSync(join(process.env['TMPDIR'] ?? tmpdir(), 'choreography-')), 'monitor.db');

/**
 * The tests' orders on a subject and stream of this test's own: `follow` starts a monitor
 * on one trackers file (again after a stop, as a restarted server would), `publish` sends
 * an order's events.
 */
async function orderEvents(timeoutMs: number, options: { sweepMs?: number } = {}) {
  const names = natsNames();
  const subject = `${names.prefix}.orders.events`;
  const nc = await natsConnection();
  const store = trackersFile();
  const follow = (retentionMs?: number) =>
    followChoreography(orders(timeoutMs), {
      connection: nc,
      stream: names.commandStream,
      subject,
      store,
      ...options,
      ...(retentionMs === undefined ? {} : { retentionMs }),
    });
  const js = jetstream(nc);
  const publish = async (orderId: string, ...types: string[]) => {
    for (const type of types) await js.publish(subject, JSON.stringify({ type, data: { orderId } }));
  };
  return { follow, publish, store };
}

describe.skipIf(!available)('followChoreography', () => {
  it('should flag the stuck and incompletely compensated instances, and clear the flag of one that completed', async () => {
    // Long enough that no instance goes quiet while the test publishes, even on a loaded machine.
    const { follow, publish } = await orderEvents(2_000, { sweepMs: 50 });
    const monitor = await follow();
    await publish('done', 'OrderCreated', 'PaymentProcessed', 'StockReserved', 'OrderShipped');
    await publish(
      'undone',
      'OrderCreated',
      'PaymentProcessed',
      'StockUnavailable',
      'PaymentRefunded',
      'OrderCancelled',
    );
    await publish('stuck', 'OrderCreated');
    await publish('jumbled', 'OrderCreated', 'StockReserved', 'PaymentProcessed', 'StockReserved', 'OrderShipped');
    await publish('half-undone', 'OrderCreated', 'PaymentProcessed', 'StockUnavailable', 'PaymentRefunded');
    await monitor.caughtUp();
    await until(() => monitor.list({ flagged: true }).length === 2);

    expect(monitor.get('done')).toMatchObject({ status: 'Completed', flags: [] });
    expect(monitor.get('undone')).toMatchObject({ status: 'Compensated', flags: [] });
    expect(monitor.get('stuck')).toMatchObject({
      status: 'Running',
      state: 'awaiting PaymentProcessed',
      flags: [{ kind: 'stuck', message: 'no PaymentProcessed or PaymentFailed in time' }],
    });
    // Out of order while it ran; it completed all the same, so the flag cleared, and its timeline says when.
    const jumbled = monitor.get('jumbled')!;
    expect(jumbled).toMatchObject({ status: 'Completed', flags: [] });
    expect(jumbled.events.map((e) => [e.type, e.flag, e.cleared])).toEqual([
      ['OrderCreated', null, []],
      ['StockReserved', 'out-of-order', []],
      ['PaymentProcessed', null, []],
      ['StockReserved', null, []],
      ['OrderShipped', null, ['out-of-order']],
    ]);
    expect(monitor.get('half-undone')).toMatchObject({
      status: 'Compensating',
      awaitingCompensation: ['OrderCancelled'],
      flags: [{ kind: 'incomplete-compensation', message: 'still waiting for OrderCancelled' }],
    });
    await monitor.stop();
  });

  it('should time an event read late from when the stream stored it, not from when it was read', async () => {
    const names = natsNames();
    const subject = `${names.prefix}.orders.events`;
    const nc = await natsConnection();
    const js = jetstream(nc);
    await (await jetstreamManager(nc)).streams.add({ name: names.commandStream, subjects: [subject] });
    await js.publish(subject, JSON.stringify({ type: 'OrderCreated', data: { orderId: 'early' } }));
    const published = Date.now();
    // A monitor that starts later (it was down, or its trackers file is new) reads the event now.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const monitor = await followChoreography(orders(60_000), {
      connection: nc,
      stream: names.commandStream,
      subject,
      store: join(mkdtempSync(join(process.env['TMPDIR'] ?? tmpdir(), 'choreography-')), 'monitor.db'),
    });
    await monitor.caughtUp();
    await until(() => monitor.get('early') !== undefined);
    const early = monitor.get('early')!;
    expect(early.events[0]!.at).toBeLessThanOrEqual(published);
    expect(early.dueAt).toBe(early.events[0]!.at + 60_000);
    await monitor.stop();
  });

  it('should clear a timeout flag when the progress it waited for comes, and say so in the timeline', async () => {
    const { follow, publish } = await orderEvents(1_500, { sweepMs: 50 });
    const monitor = await follow();
    await publish('late', 'OrderCreated');
    await publish('slow-undo', 'OrderCreated', 'PaymentProcessed', 'StockUnavailable');
    await until(() => monitor.list({ flagged: true }).length === 2);
    expect(monitor.get('late')!.flags.map((f) => f.kind)).toEqual(['stuck']);
    expect(monitor.get('slow-undo')!.flags).toMatchObject([
      { kind: 'incomplete-compensation', message: 'still waiting for PaymentRefunded, OrderCancelled' },
    ]);

    // The stuck one gets its next event; the compensation makes progress.
    await publish('late', 'PaymentProcessed');
    await publish('slow-undo', 'PaymentRefunded');
    await monitor.caughtUp();
    const late = monitor.get('late')!;
    expect(late).toMatchObject({ state: 'awaiting StockReserved', flags: [] });
    expect(late.events.map((e) => [e.type, e.flag, e.cleared])).toEqual([
      ['OrderCreated', null, []],
      ['choreography.timeout', 'stuck', []],
      ['PaymentProcessed', null, ['stuck']],
    ]);
    const undoing = monitor.get('slow-undo')!;
    expect(undoing).toMatchObject({ status: 'Compensating', awaitingCompensation: ['OrderCancelled'], flags: [] });
    expect(undoing.events.at(-1)).toMatchObject({ type: 'PaymentRefunded', cleared: ['incomplete-compensation'] });

    // Quiet again: flagged again, with what is still missing; its last compensating event ends it clean.
    await until(() => monitor.get('slow-undo')!.flags.length === 1);
    expect(monitor.get('slow-undo')!.flags[0]!.message).toBe('still waiting for OrderCancelled');
    await publish('slow-undo', 'OrderCancelled');
    await monitor.caughtUp();
    expect(monitor.get('slow-undo')).toMatchObject({ status: 'Compensated', flags: [] });
    expect(monitor.get('slow-undo')!.events.at(-1)!.cleared).toEqual(['incomplete-compensation']);
    await monitor.stop();
  });

  it('should delete the finished instances older than the retention period when it starts, and only those', async () => {
    const { follow, publish, store } = await orderEvents(60_000);
    const first = await follow();
    const completes = ['OrderCreated', 'PaymentProcessed', 'StockReserved', 'OrderShipped'];
    for (const id of ['old-done', 'recent-done', 'hours-done']) await publish(id, ...completes);
    await publish('old-undone', 'OrderCreated', 'PaymentFailed', 'OrderCancelled');
    await publish('old-running', 'OrderCreated');
    await first.caughtUp();
    await first.stop();

    // As if the monitor had been away: their last events are older than the default 7 days, or 2 hours.
    const db = new Database(store);
    const age = db.prepare('UPDATE choreography_trackers SET updated_at = ? WHERE correlation_id = ?');
    for (const id of ['old-done', 'old-undone', 'old-running']) age.run(Date.now() - 8 * 86_400_000, id);
    age.run(Date.now() - 2 * 3_600_000, 'hours-done');
    const timeline = db.prepare<[string], { n: number }>(
      'SELECT count(*) AS n FROM choreography_events WHERE correlation_id = ?',
    );
    expect(timeline.get('old-done')!.n).toBe(4);

    const second = await follow();
    const kept = () =>
      second
        .list()
        .map((i) => i.correlationId)
        .sort();
    expect(kept()).toEqual(['hours-done', 'old-running', 'recent-done']);
    expect(timeline.get('old-done')!.n).toBe(0);
    expect(timeline.get('old-undone')!.n).toBe(0);
    expect(second.get('old-running')!.events).toHaveLength(1);
    await second.stop();

    // A shorter period of its own.
    const third = await follow(3_600_000);
    expect(
      third
        .list()
        .map((i) => i.correlationId)
        .sort(),
    ).toEqual(['old-running', 'recent-done']);
    await third.stop();
    db.close();
  });
});
