import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { defineSaga, step } from '../../src/index.js';
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
});
