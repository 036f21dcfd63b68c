import { z } from 'zod';
import { defineSaga, stepsFor } from '../src/index.js';
import { faultKnobs } from './participants/faults.js';
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

/** The names `failAt` can make fail: each step's participant call and each compensation's. */
export const orderFaults = faultKnobs([
  'createOrder',
  'cancelOrder',
  'processPayment',
  'refundPayment',
  'reserveStock',
  'releaseStock',
  'createShipment',
  'cancelShipment',
]);

const orderInput = z.object({
  orderId: z.string().min(1),
  customerId: z.string().min(1),
  items: z.array(z.object({ sku: z.string(), qty: z.number().int().positive() })).min(1),
  amount: z.number().positive(),
  ...orderFaults.shape,
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
        run: async ({ input, idempotencyKey, attempt, fence, executionId }) => {
          await shop.latency();
          orderFaults.inject(input, 'createOrder', { attempt, executionId });
          // The fence lets the ledger refuse a call from an engine that was replaced (see README).
          return shop.orders.apply(idempotencyKey, () => ({ orderId: input.orderId, status: 'pending' }), fence);
        },
        // Each compensation treats "nothing to undo" as success: it also runs when the
        // step's outcome is unknown (timed out or cancelled in flight).
        compensate: async ({ input, idempotencyKey, attempt, fence, executionId }) => {
          await shop.latency();
          orderFaults.inject(input, 'cancelOrder', { attempt, executionId });
          shop.orders.undo(stepKeyOf(idempotencyKey), fence);
          return { cancelled: input.orderId };
        },
      }),
      step('processPayment', {
        run: async ({ input, idempotencyKey, attempt, fence, executionId }) => {
          await shop.latency();
          orderFaults.inject(input, 'processPayment', { attempt, executionId });
          return shop.payments.apply(
            idempotencyKey,
            () => ({ paymentId: `pay-${input.orderId}`, amount: input.amount }),
            fence,
          );
        },
        compensate: async ({ input, idempotencyKey, attempt, fence, executionId }) => {
          await shop.latency();
          orderFaults.inject(input, 'refundPayment', { attempt, executionId });
          shop.payments.undo(stepKeyOf(idempotencyKey), fence);
        },
        retry: { maxAttempts: 3, initialDelayMs: 200, backoffFactor: 2 },
        compensationRetry: { maxAttempts: 5, initialDelayMs: 200, backoffFactor: 2 },
      }),
      step('reserveStock', {
        run: async ({ input, idempotencyKey, attempt, fence, executionId }) => {
          await shop.latency();
          orderFaults.inject(input, 'reserveStock', { attempt, executionId });
          return shop.reservations.apply(
            idempotencyKey,
            () => {
              for (const { sku, qty } of input.items) {
                const left = shop.stock[sku] ?? 0;
                if (left < qty) throw new Error(`Out of stock: ${sku} (${left} left, ${qty} wanted)`);
              }
              for (const { sku, qty } of input.items) shop.stock[sku] = (shop.stock[sku] ?? 0) - qty;
              return { reservationId: `res-${input.orderId}`, items: input.items };
            },
            fence,
          );
        },
        compensate: async ({ input, idempotencyKey, attempt, fence, executionId }) => {
          await shop.latency();
          orderFaults.inject(input, 'releaseStock', { attempt, executionId });
          // The reservation holds exactly the input's items (its result may be unknown).
          if (shop.reservations.undo(stepKeyOf(idempotencyKey), fence)) {
            for (const { sku, qty } of input.items) shop.stock[sku] = (shop.stock[sku] ?? 0) + qty;
          }
        },
      }),
      step('createShipment', {
        run: async ({ input, idempotencyKey, attempt, fence, executionId }) => {
          await shop.latency();
          orderFaults.inject(input, 'createShipment', { attempt, executionId });
          return shop.shipments.apply(idempotencyKey, () => ({ trackingNo: `TRK-${input.orderId}` }), fence);
        },
        compensate: async ({ input, idempotencyKey, attempt, fence, executionId }) => {
          await shop.latency();
          orderFaults.inject(input, 'cancelShipment', { attempt, executionId });
          shop.shipments.undo(stepKeyOf(idempotencyKey), fence);
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
