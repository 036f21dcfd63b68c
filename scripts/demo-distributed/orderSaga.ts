import { z } from 'zod';
import { defineSaga, remote, step } from '../../src/index.js';

/**
 * The order-fulfillment saga with every step done by a participant in its own
 * process: the engine only sends commands and follows replies.
 */
export const distributedOrder = defineSaga({
  name: 'order-fulfillment-distributed',
  version: 1,
  description: 'order-fulfillment with its four participants in their own processes, over NATS JetStream.',
  input: z.object({
    orderId: z.string().min(1),
    sku: z.string().min(1),
    qty: z.number().int().positive(),
    amount: z.number().positive(),
  }),
  steps: [
    step('createOrder', { run: remote('orders.create'), compensate: remote('orders.cancel'), timeoutMs: 10_000 }),
    step('processPayment', {
      run: remote('payments.charge', ({ input }) => ({ orderId: input.orderId, amount: input.amount })),
      compensate: remote('payments.refund'),
      timeoutMs: 10_000,
    }),
    step('reserveStock', {
      run: remote('stock.reserve', ({ input }) => ({ sku: input.sku, qty: input.qty })),
      compensate: remote('stock.release'),
      timeoutMs: 10_000,
    }),
    step('createShipment', { run: remote('shipping.create'), pivot: true, timeoutMs: 10_000 }),
  ],
});

/** What each participant process serves: its subjects, forward and undo. */
export const PARTICIPANTS = {
  orders: { run: 'orders.create', undo: 'orders.cancel' },
  payments: { run: 'payments.charge', undo: 'payments.refund' },
  stock: { run: 'stock.reserve', undo: 'stock.release' },
  shipping: { run: 'shipping.create', undo: undefined },
} as const;

export type ParticipantName = keyof typeof PARTICIPANTS;
