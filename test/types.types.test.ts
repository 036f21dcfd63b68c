import { z } from 'zod';
import { describe, expectTypeOf, it } from 'vitest';
import {
  awaitEvent,
  defineSaga,
  parallel,
  SagaEngine,
  step,
  stepsFor,
  type ExecutionView,
  type InputFrom,
  type ResultsFrom,
} from '../src/index.js';

const orderInput = z.object({ orderId: z.string(), amount: z.number() });
const typed = stepsFor(orderInput);

const saga = defineSaga({
  name: 'typed',
  version: 1,
  input: orderInput,
  steps: [
    step('reserve', {
      run: () => ({ reservationId: 'r1' }),
      // The result is there only when the step reported back (outcome 'completed').
      compensate: (ctx) => (ctx.outcome === 'completed' ? ctx.result.reservationId : 'nothing known'),
    }),
    typed.step('charge', {
      run: ({ input }) => ({ paid: input.amount }),
      compensate: ({ input, result }) => `${input.orderId}:${result?.paid ?? 'unknown'}`,
    }),
    awaitEvent('approval', { event: 'approved', schema: z.object({ by: z.string() }) }),
    parallel('fulfil', [
      step('ship', { run: async () => ({ trackingNo: 'T1' }), compensate: 'none' }),
      step('email', { run: () => true, compensate: 'none' }),
    ]),
  ],
});

describe('type inference', () => {
  it('should type the input from the schema', () => {
    expectTypeOf<InputFrom<typeof saga>>().toEqualTypeOf<{ orderId: string; amount: number }>();
  });

  it('should type results by step name, parallel branches and awaited events included', () => {
    expectTypeOf<ResultsFrom<typeof saga>>().toEqualTypeOf<{
      reserve: { reservationId: string };
      charge: { paid: number };
      approval: { by: string };
      ship: { trackingNo: string };
      email: boolean;
    }>();
  });

  it('should type execute input and waitFor results from the definition', async () => {
    const engine = new SagaEngine({ sagas: [saga] });
    await engine.start();
    // @ts-expect-error amount must be a number
    void engine.execute(saga, { orderId: 'A', amount: '1' });
    const { id } = await engine.execute(saga, { orderId: 'A', amount: 1 });
    const outcome = await engine.waitFor(id);
    expectTypeOf(outcome).toEqualTypeOf<ExecutionView<ResultsFrom<typeof saga>>>();
    expectTypeOf(outcome.results.charge).toEqualTypeOf<{ paid: number } | undefined>();
  });

  it('should type ctx.input inside steps made with stepsFor', () => {
    typed.step('x', {
      // @ts-expect-error orderId is a string
      run: ({ input }) => input.orderId.toFixed(),
      compensate: 'none',
    });
  });

  it("should type compensate's result from run's output", () => {
    step('y', {
      run: () => ({ n: 1 }),
      // @ts-expect-error result has no field m
      compensate: ({ result }) => result.m,
    });
  });
});
