import { defineChoreography } from '../src/index.js';

/** The order id an event is about: its `data.orderId`. */
function orderIdOf(data: unknown): string | undefined {
  const id = typeof data === 'object' && data !== null ? (data as { orderId?: unknown }).orderId : undefined;
  return typeof id === 'string' ? id : undefined;
}

/**
 * An order whose services react to each other's events: no orchestrator runs
 * it, sagachart follows it (`sagachart serve --nats …`) and flags the orders
 * that are stuck, out of order or compensated incompletely.
 * `sagachart demo choreography` publishes a few orders' events to watch.
 */
export const orderChoreography = defineChoreography({
  name: 'order-choreography',
  description: "Orders, payments, stock and shipping reacting to each other's events: followed, not run.",
  subject: 'shop.orders.events',
  correlate: (event) => orderIdOf(event.data),
  // Long enough for real services, short enough to watch the demo's stuck order get flagged.
  timeoutMs: 15_000,
  flow: [
    { event: 'OrderCreated', compensatedBy: 'OrderCancelled' },
    { event: 'PaymentProcessed', failure: 'PaymentFailed', compensatedBy: 'PaymentRefunded' },
    { event: 'StockReserved', failure: 'StockUnavailable', compensatedBy: 'StockReleased' },
    { event: 'OrderShipped', failure: 'ShippingFailed' },
  ],
});
