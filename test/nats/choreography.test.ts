import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { describe, expect, it } from 'vitest';
import { compileChoreography, defineChoreography, SagaDefinitionError } from '../../src/index.js';
import { followChoreography } from '../../src/nats.js';
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

describe.skipIf(!available)('followChoreography', () => {
  it('should flag the stuck, out-of-order and incompletely compensated instances, and only those', async () => {
    const names = natsNames();
    const subject = `${names.prefix}.orders.events`;
    const nc = await natsConnection();
    // Long enough that no instance goes quiet while the test publishes, even on a loaded machine.
    const monitor = await followChoreography(orders(2_000), {
      connection: nc,
      stream: names.commandStream,
      subject,
      store: join(mkdtempSync(join(process.env['TMPDIR'] ?? tmpdir(), 'choreography-')), 'monitor.db'),
      sweepMs: 50,
    });
    const js = jetstream(nc);
    const publish = async (orderId: string, ...types: string[]) => {
      for (const type of types) await js.publish(subject, JSON.stringify({ type, data: { orderId } }));
    };
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
    await until(() => monitor.list({ flagged: true }).length === 3);

    expect(monitor.get('done')).toMatchObject({ status: 'Completed', flags: [] });
    expect(monitor.get('undone')).toMatchObject({ status: 'Compensated', flags: [] });
    expect(monitor.get('stuck')).toMatchObject({
      status: 'Running',
      state: 'awaiting PaymentProcessed',
      flags: [{ kind: 'stuck', message: 'no PaymentProcessed or PaymentFailed in time' }],
    });
    expect(monitor.get('jumbled')).toMatchObject({
      status: 'Completed',
      flags: [{ kind: 'out-of-order', message: 'StockReserved arrived out of order' }],
    });
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
});
