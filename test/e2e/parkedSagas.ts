// Sagas for the passivation crash test: each parks (waits for an event, or backs off longer
// than the worker's passivation threshold) and touches participant ledgers kept in SQLite.
import { z } from 'zod';
import { awaitEvent, defineSaga, step } from '../../src/index.js';
import type { LedgerFactory } from '../../machines/participants/ledger.js';

export const APPROVAL_TIMEOUT_MS = 800;
export const BACKOFF_MS = 150;

/** What the worker does with parked order i, from a seeded choice: the same on every restart. */
export interface ParkedPlan {
  /** approve: send the event; wrong: send an event it does not wait for first (refused), then approve; cancel; timeout: nothing. */
  readonly action: 'approve' | 'wrong' | 'cancel' | 'timeout';
  /** How many attempts of `charge` fail (3 exhausts its retries). */
  readonly chargeFailures: number;
  /** When the worker acts, in ms after it started. */
  readonly delayMs: number;
}

function seeded(n: number, salt: number): number {
  let x = (n + 1) * 2654435761 + salt * 40503;
  x = (x ^ (x >>> 13)) * 1274126177;
  return ((x ^ (x >>> 16)) >>> 0) / 4294967296;
}

export function parkedPlan(i: number): ParkedPlan {
  const actions = ['approve', 'approve', 'wrong', 'cancel', 'timeout'] as const;
  return {
    action: actions[Math.floor(seeded(i, 1) * actions.length)] ?? 'approve',
    chargeFailures: Math.floor(seeded(i, 2) * 4),
    delayMs: 50 + Math.floor(seeded(i, 3) * 400),
  };
}

export function expectedParkedStatus(i: number): 'Completed' | 'Compensated' {
  const { action, chargeFailures } = parkedPlan(i);
  return (action === 'approve' || action === 'wrong') && chargeFailures < 3 ? 'Completed' : 'Compensated';
}

export const parkedSagaName = (i: number): string =>
  parkedPlan(i).action === 'timeout' ? 'parked-timeout' : 'parked-approval';

const input = z.object({ chargeFailures: z.number() });

function parkedSaga(name: string, timeoutMs: number, ledgers: LedgerFactory) {
  return defineSaga({
    name,
    version: 1,
    input,
    steps: [
      step('reserve', {
        run: ({ idempotencyKey }) => ledgers('holds').apply(idempotencyKey, () => ({ held: true })),
        compensate: ({ idempotencyKey }) => {
          ledgers('holds').undo(idempotencyKey.replace(/:compensate$/, ''));
        },
      }),
      awaitEvent('approval', { event: 'approved', timeoutMs }),
      step('charge', {
        retry: { maxAttempts: 3, initialDelayMs: BACKOFF_MS, backoffFactor: 2 },
        run: ({ idempotencyKey, attempt, input }) => {
          if (attempt <= input.chargeFailures) throw new Error(`charge attempt ${attempt} fails`);
          return ledgers('charges').apply(idempotencyKey, () => ({ charged: true }));
        },
        compensate: ({ idempotencyKey }) => {
          ledgers('charges').undo(idempotencyKey.replace(/:compensate$/, ''));
        },
      }),
      step('ship', {
        pivot: true,
        run: ({ idempotencyKey }) => ledgers('shipments').apply(idempotencyKey, () => ({ shipped: true })),
      }),
    ],
  });
}

/** The two parked sagas: one waits long for its event, one times out soon. */
export function parkedSagas(ledgers: LedgerFactory) {
  return [parkedSaga('parked-approval', 600_000, ledgers), parkedSaga('parked-timeout', APPROVAL_TIMEOUT_MS, ledgers)];
}
