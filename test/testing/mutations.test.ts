import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { defineSaga, parallel, step } from '../../src/index.js';
import { runSagaPath, sagaPaths, SagaPathViolation, type RunSagaPathOptions } from '../../src/testing/index.js';
import type { AnySagaDefinition } from '../../src/index.js';
import { examplesUnderTest } from '../fixtures/exampleSagas.js';

/** Runs every path and returns the violations found. */
async function violations(saga: AnySagaDefinition, options: RunSagaPathOptions): Promise<SagaPathViolation[]> {
  const found: SagaPathViolation[] = [];
  for (const path of sagaPaths(saga)) {
    try {
      await runSagaPath(saga, path, options);
    } catch (error) {
      if (!(error instanceof SagaPathViolation)) throw error;
      found.push(error);
    }
  }
  return found;
}

describe('the path tester bites', () => {
  it('should catch a compensation that forgets to undo its effect', async () => {
    const charges = new Map<string, number>();
    const forgetful = defineSaga({
      name: 'forgetful',
      version: 1,
      input: z.object({}),
      steps: [
        step('charge', {
          run: ({ idempotencyKey }) => {
            charges.set(idempotencyKey, 10);
            return { amount: 10 };
          },
          // The bug: the refund "succeeds" without refunding anything.
          compensate: () => undefined,
        }),
        step('ship', { run: () => 'shipped', compensate: 'none' }),
      ],
    });
    const found = await violations(forgetful, {
      liveEffects: (id) => (charges.has(`${id}:charge`) ? ['charge'] : []),
    });
    expect(found.length).toBeGreaterThan(0);
    const shipFails = found.find((v) => v.path === 'ship fails -> undo charge -> Compensated');
    expect(shipFails?.invariant).toBe('a Compensated saga leaves no effect behind');
    expect(shipFails?.message).toContain('still applied: ["charge"]');
  });

  it('should catch an engine that compensates in the wrong order', async () => {
    const [order] = examplesUnderTest();
    if (order === undefined) throw new Error('no example');
    const found = await violations(order.saga, { ...order.options, testOnly: { forwardCompensation: true } });
    const wrongOrder = found.filter((v) => v.invariant === 'compensations in exact reverse order of completed steps');
    expect(wrongOrder.length).toBeGreaterThan(0);
    const shipment = wrongOrder.find(
      (v) =>
        v.path ===
        'createShipment fails -> undo reserveStock -> undo processPayment -> undo createOrder -> Compensated',
    );
    expect(shipment?.divergence).toContain('compensation #1: expected "reserveStock", got "createOrder"');
  });

  it('should catch a step that is not idempotent under re-run', async () => {
    let charged = 0;
    const careless = defineSaga({
      name: 'careless',
      version: 1,
      input: z.object({}),
      steps: [
        step('reserve', { run: () => 'reserved', compensate: () => undefined }),
        step('charge', {
          // The bug: a new charge on every call, whatever the idempotency key.
          run: async () => {
            charged += 1;
            const id = `ch_${charged}`;
            await new Promise((resolve) => setTimeout(resolve, 20));
            return { chargeId: id };
          },
          compensate: () => undefined,
        }),
        step('ship', { run: () => 'shipped', compensate: 'none' }),
      ],
    });
    const happy = sagaPaths(careless).find((p) => p.name === 'all steps succeed -> Completed');
    if (happy === undefined) throw new Error('no happy path');
    const error = await runSagaPath(careless, happy, { crashAndRestore: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SagaPathViolation);
    expect((error as SagaPathViolation).invariant).toBe('a step re-run with the same key applies its effect once');
    expect((error as SagaPathViolation).divergence).toMatch(
      /charge returned \{"chargeId":"ch_1"\}, then \{"chargeId":"ch_2"\}/,
    );
  });

  it('should catch a compensation that throws on some real data, naming the path, the step and the smallest input', async () => {
    const gift = defineSaga({
      name: 'gift-wrap',
      version: 1,
      input: z.object({ orderId: z.string().min(1), giftNote: z.string().optional() }),
      steps: [
        step('wrap', {
          run: ({ input }) => ({ wrapped: true, note: input.giftNote ?? null }),
          // The bug: only orders with a gift note break the unwrap, and only those.
          compensate: ({ input }) => {
            if (input.giftNote !== undefined) (undefined as unknown as { shred(): void }).shred();
          },
        }),
        step('ship', { run: () => 'shipped', compensate: 'none' }),
      ],
    });

    const found = await violations(gift, { runs: 8 });

    const paths = found.map((v) => v.path);
    expect(paths).toContain('ship fails -> undo wrap -> Compensated');
    const violation = found.find((v) => v.path === 'ship fails -> undo wrap -> Compensated');
    expect(violation?.invariant).toBe("the saga's own code runs without throwing");
    expect(violation?.step).toBe('wrap');
    expect(violation?.phase).toBe('compensate');
    expect(violation?.data?.input).toEqual({ orderId: expect.any(String) as string, giftNote: '' });
  });

  it('should catch an engine that runs a compensation twice for one key', async () => {
    const undone = new Map<string, number>();
    const undo = ({ idempotencyKey }: { idempotencyKey: string }) =>
      void undone.set(idempotencyKey, (undone.get(idempotencyKey) ?? 0) + 1);
    const trip = defineSaga({
      name: 'trip',
      version: 1,
      input: z.object({}),
      steps: [
        step('flight', { run: () => 'F1', compensate: undo }),
        parallel('stay', [
          step('hotel', { run: () => 'H1', compensate: undo }),
          step('car', { run: () => 'C1', compensate: undo }),
        ]),
        step('confirm', { run: () => 'ok', pivot: true }),
      ],
    });

    expect(await violations(trip, { input: {} })).toEqual([]);
    const found = await violations(trip, { input: {}, testOnly: { compensateAgain: true } });

    const twice = found.filter((v) => v.invariant === 'each compensation applied once per key');
    expect(twice.map((v) => v.path)).toContain(
      'confirm fails -> undo car fails -> Failed -> operator retries -> undo car -> undo flight -> Compensated',
    );
    expect(twice.find((v) => v.path.startsWith('confirm fails -> undo car fails'))?.divergence).toMatch(
      /^the compensation of hotel ran again \(attempt 1, key ".*:hotel:compensate"\) after the journal recorded it done/,
    );
  });

  it('should catch an engine that forgets to compensate a step whose outcome is unknown', async () => {
    const [order] = examplesUnderTest();
    if (order === undefined) throw new Error('no example');

    const found = await violations(order.saga, { ...order.options, testOnly: { forgetUnknown: true } });

    const timeout = found.find(
      (v) =>
        v.path ===
        'createShipment times out -> undo createShipment (outcome unknown) -> undo reserveStock -> undo processPayment -> undo createOrder -> Compensated',
    );
    expect(timeout?.invariant).toBe('compensations in exact reverse order of completed steps');
    expect(timeout?.divergence).toContain('compensation #1: expected "createShipment", got "reserveStock"');
    expect(found.map((v) => v.path)).toContain(
      'cancel while processPayment runs -> undo processPayment (outcome unknown) -> undo createOrder -> Compensated',
    );
  });
});
