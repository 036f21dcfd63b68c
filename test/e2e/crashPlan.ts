/** The backoff of the crash worker's "backoff" saga between its failing first attempt and the retry. */
export const BACKOFF_MS = 4_000;

/** What each crash-test order does, from a seeded choice: the same on every restart. */
const FAULTS: readonly { failAt?: string; failTimes?: number }[] = [
  {},
  {},
  {},
  { failAt: 'createOrder' },
  { failAt: 'processPayment' },
  { failAt: 'processPayment', failTimes: 1 },
  { failAt: 'reserveStock' },
  { failAt: 'createShipment' },
  { failAt: 'createShipment,refundPayment', failTimes: 2 },
  { failAt: 'createShipment,releaseStock', failTimes: 1 },
];

/** A small deterministic PRNG so every restart makes the same choices. */
function seeded(n: number): number {
  let x = (n + 1) * 2654435761;
  x = (x ^ (x >>> 13)) * 1274126177;
  return ((x ^ (x >>> 16)) >>> 0) / 4294967296;
}

export function faultFor(i: number): { failAt?: string; failTimes?: number } {
  return FAULTS[Math.floor(seeded(i) * FAULTS.length)] ?? {};
}

export function orderInputFor(i: number) {
  return {
    orderId: `o-${i}`,
    customerId: `c-${i % 17}`,
    items: [{ sku: 'SKU-1', qty: 1 + (i % 3) }],
    amount: 10 + (i % 50),
    ...faultFor(i),
  };
}

/** The outcome an order must reach whatever the crashes: only a transient payment failure is retried to success. */
export function expectedStatus(i: number): 'Completed' | 'Compensated' {
  const { failAt, failTimes } = faultFor(i);
  return failAt === undefined || (failAt === 'processPayment' && failTimes === 1) ? 'Completed' : 'Compensated';
}
