import { z } from 'zod';
import { defineSaga, stepsFor } from '../src/index.js';
import { faultKnobs, injectFault } from './participants/faults.js';
import { memoryLedgers, stepKeyOf, type LedgerFactory } from './participants/ledger.js';

export interface ShopOptions {
  readonly stock?: Record<string, number>;
  /** Where the participants keep their effects; in memory by default. */
  readonly ledgers?: LedgerFactory;
  /** Awaited before every participant call: simulated network latency. */
  readonly latency?: () => Promise<void>;
}

/** The shop's services: orders, payments, stock and shipping, each with its own state. */
export function createShop(options: ShopOptions = {}) {
  const ledgers = options.ledgers ?? memoryLedgers;
  return {
    orders: ledgers<{ orderId: string; status: string }>('orders'),
    payments: ledgers<{ paymentId: string; amount: number }>('payments'),
    stock: { ...(options.stock ?? { 'SKU-1': 100, 'SKU-2': 100 }) },
    reservations: ledgers<{ reservationId: string; items: { sku: string; qty: number }[] }>('reservations'),
    shipments: ledgers<{ trackingNo: string }>('shipments'),
    latency: options.latency ?? (() => Promise.resolve()),
  };
}

export type Shop = ReturnType<typeof createShop>;

const orderInput = z.object({
  orderId: z.string().min(1),
  customerId: z.string().min(1),
  items: z.array(z.object({ sku: z.string(), qty: z.number().int().positive() })).min(1),
  amount: z.number().positive(),
  ...faultKnobs,
});

/** The e-commerce saga: order, payment, stock, shipment, each undone in reverse on failure. */
export function orderFulfillmentSaga(shop: Shop) {
  const { step } = stepsFor(orderInput);
  return defineSaga({
    name: 'order-fulfillment',
    version: 1,
    description: 'Create an order, take payment, reserve stock and ship; undo in reverse when a step fails.',
    input: orderInput,
    steps: [
      step('createOrder', {
        run: async ({ input, idempotencyKey, attempt }) => {
          await shop.latency();
          injectFault(input, 'createOrder', attempt);
          return shop.orders.apply(idempotencyKey, () => ({ orderId: input.orderId, status: 'pending' }));
        },
        // Each compensation treats "nothing to undo" as success: it also runs when the
        // step's outcome is unknown (timed out or cancelled in flight).
        compensate: async ({ input, idempotencyKey, attempt }) => {
          await shop.latency();
          injectFault(input, 'cancelOrder', attempt);
          shop.orders.undo(stepKeyOf(idempotencyKey));
          return { cancelled: input.orderId };
        },
      }),
      step('processPayment', {
        run: async ({ input, idempotencyKey, attempt }) => {
          await shop.latency();
          injectFault(input, 'processPayment', attempt);
          return shop.payments.apply(idempotencyKey, () => ({
            paymentId: `pay-${input.orderId}`,
            amount: input.amount,
          }));
        },
        compensate: async ({ input, idempotencyKey, attempt }) => {
          await shop.latency();
          injectFault(input, 'refundPayment', attempt);
          shop.payments.undo(stepKeyOf(idempotencyKey));
        },
        retry: { maxAttempts: 3, initialDelayMs: 200, backoffFactor: 2 },
        compensationRetry: { maxAttempts: 5, initialDelayMs: 200, backoffFactor: 2 },
      }),
      step('reserveStock', {
        run: async ({ input, idempotencyKey, attempt }) => {
          await shop.latency();
          injectFault(input, 'reserveStock', attempt);
          return shop.reservations.apply(idempotencyKey, () => {
            for (const { sku, qty } of input.items) {
              const left = shop.stock[sku] ?? 0;
              if (left < qty) throw new Error(`Out of stock: ${sku} (${left} left, ${qty} wanted)`);
            }
            for (const { sku, qty } of input.items) shop.stock[sku] = (shop.stock[sku] ?? 0) - qty;
            return { reservationId: `res-${input.orderId}`, items: input.items };
          });
        },
        compensate: async ({ input, idempotencyKey, attempt }) => {
          await shop.latency();
          injectFault(input, 'releaseStock', attempt);
          // The reservation holds exactly the input's items (its result may be unknown).
          if (shop.reservations.undo(stepKeyOf(idempotencyKey))) {
            for (const { sku, qty } of input.items) shop.stock[sku] = (shop.stock[sku] ?? 0) + qty;
          }
        },
      }),
      step('createShipment', {
        run: async ({ input, idempotencyKey, attempt }) => {
          await shop.latency();
          injectFault(input, 'createShipment', attempt);
          return shop.shipments.apply(idempotencyKey, () => ({ trackingNo: `TRK-${input.orderId}` }));
        },
        compensate: async ({ input, idempotencyKey, attempt }) => {
          await shop.latency();
          injectFault(input, 'cancelShipment', attempt);
          shop.shipments.undo(stepKeyOf(idempotencyKey));
        },
        timeoutMs: 10_000,
      }),
    ],
  });
}

/** The shop the default saga below talks to (the server's demo state). */
export const shop = createShop();
export const orderFulfillment = orderFulfillmentSaga(shop);
export default orderFulfillment;
