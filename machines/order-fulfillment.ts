import { z } from 'zod';
import { defineSaga, stepsFor } from '../src/index.js';
import { faultKnobs, injectFault } from './participants/faults.js';
import { Ledger } from './participants/ledger.js';

/** The shop's services: orders, payments, stock and shipping, each with its own state. */
export function createShop(stock: Record<string, number> = { 'SKU-1': 100, 'SKU-2': 100 }) {
  return {
    orders: new Ledger<{ orderId: string; status: string }>(),
    payments: new Ledger<{ paymentId: string; amount: number }>(),
    stock: { ...stock },
    reservations: new Ledger<{ reservationId: string; items: { sku: string; qty: number }[] }>(),
    shipments: new Ledger<{ trackingNo: string }>(),
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
        run: ({ input, idempotencyKey, attempt }) => {
          injectFault(input, 'createOrder', attempt);
          return shop.orders.apply(idempotencyKey, () => ({ orderId: input.orderId, status: 'pending' }));
        },
        compensate: ({ input, idempotencyKey, attempt, result }) => {
          injectFault(input, 'cancelOrder', attempt);
          shop.orders.undo(idempotencyKey.replace(/:compensate$/, ''));
          return { cancelled: result.orderId };
        },
      }),
      step('processPayment', {
        run: ({ input, idempotencyKey, attempt }) => {
          injectFault(input, 'processPayment', attempt);
          return shop.payments.apply(idempotencyKey, () => ({
            paymentId: `pay-${input.orderId}`,
            amount: input.amount,
          }));
        },
        compensate: ({ input, idempotencyKey, attempt }) => {
          injectFault(input, 'refundPayment', attempt);
          shop.payments.undo(idempotencyKey.replace(/:compensate$/, ''));
        },
        retry: { maxAttempts: 3, initialDelayMs: 200, backoffFactor: 2 },
        compensationRetry: { maxAttempts: 5, initialDelayMs: 200, backoffFactor: 2 },
      }),
      step('reserveStock', {
        run: ({ input, idempotencyKey, attempt }) => {
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
        compensate: ({ input, idempotencyKey, attempt, result }) => {
          injectFault(input, 'releaseStock', attempt);
          if (shop.reservations.undo(idempotencyKey.replace(/:compensate$/, ''))) {
            for (const { sku, qty } of result.items) shop.stock[sku] = (shop.stock[sku] ?? 0) + qty;
          }
        },
      }),
      step('createShipment', {
        run: ({ input, idempotencyKey, attempt }) => {
          injectFault(input, 'createShipment', attempt);
          return shop.shipments.apply(idempotencyKey, () => ({ trackingNo: `TRK-${input.orderId}` }));
        },
        compensate: ({ input, idempotencyKey, attempt }) => {
          injectFault(input, 'cancelShipment', attempt);
          shop.shipments.undo(idempotencyKey.replace(/:compensate$/, ''));
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
