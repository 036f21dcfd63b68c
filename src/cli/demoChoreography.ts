import { jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import { orderChoreography } from '../../machines/order-choreography.js';
import { choreographyStream } from '../choreography/choreographyStream.js';
import { CliError } from './CliError.js';
import { connectNats } from './connectNats.js';

/** What each demo order goes through: one of each thing the monitor tells apart. */
const STORIES: readonly (readonly [string, readonly string[]])[] = [
  ['completes', ['OrderCreated', 'PaymentProcessed', 'StockReserved', 'OrderShipped']],
  ['is undone', ['OrderCreated', 'PaymentProcessed', 'StockUnavailable', 'PaymentRefunded', 'OrderCancelled']],
  ['gets stuck after its payment', ['OrderCreated', 'PaymentProcessed']],
  [
    'reports its stock before its payment, then completes (its out-of-order flag clears)',
    ['OrderCreated', 'StockReserved', 'PaymentProcessed', 'StockReserved', 'OrderShipped'],
  ],
  ['is refunded but never cancelled', ['OrderCreated', 'PaymentProcessed', 'StockUnavailable', 'PaymentRefunded']],
  ['ships with no stock reservation reported', ['OrderCreated', 'PaymentProcessed', 'OrderShipped']],
];

/**
 * Publishes the events of one order per story on `subject`, ids `<prefix>-1`, `<prefix>-2`…;
 * returns a line per order saying what it goes through.
 */
export async function publishStories(js: JetStreamClient, subject: string, prefix: string): Promise<string[]> {
  const lines: string[] = [];
  for (const [i, [story, events]] of STORIES.entries()) {
    const orderId = `${prefix}-${i + 1}`;
    for (const type of events) await js.publish(subject, JSON.stringify({ type, data: { orderId } }));
    lines.push(`${orderId} ${story}: ${events.join(' → ')}`);
  }
  return lines;
}

/**
 * Publishes a few orders' events on the example choreography's subject, as the
 * shop's services would: one completes, one is undone, one gets stuck, one
 * arrives out of order and completes, one is compensated incompletely, one
 * ships with a stage missing. Returns what it says.
 */
export async function demoChoreography(url: string): Promise<string[]> {
  const subject = orderChoreography.subject ?? 'shop.orders.events';
  const nats = await connectNats(url);
  if (nats.connection === undefined) throw new CliError(`demo choreography: ${nats.why}`);
  const nc = nats.connection;
  try {
    await choreographyStream(await jetstreamManager(nc), orderChoreography.name, subject, orderChoreography.stream);
    // A run of its own: the ids do not collide with an earlier run's.
    const lines = await publishStories(
      jetstream(nc),
      subject,
      `order-${Date.now().toString(36).slice(-4).toUpperCase()}`,
    );
    lines.push(
      `published on ${subject}; the one shipped unreserved is flagged at once, the stuck and half-undone ones ${orderChoreography.timeoutMs / 1000} s after their last event`,
    );
    return lines;
  } finally {
    await nc.close();
  }
}
