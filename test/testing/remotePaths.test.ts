import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { defineSaga, remote, step } from '../../src/index.js';
import { runSagaPath, sagaPaths } from '../../src/testing/index.js';
import { distributedOrder } from '../../scripts/demo-distributed/orderSaga.js';

// Remote steps in path testing: their participants are stood in for in the test's process,
// and each path decides their fate like any step's (they used to fail every path that ran one).
describe('path testing of a saga whose steps are all remote', () => {
  describe.each(sagaPaths(distributedOrder))('$name', (path) => {
    it('should keep the saga invariants', async () => {
      await runSagaPath(distributedOrder, path);
    });
    it('should keep them across a crash and restore after every step', async () => {
      await runSagaPath(distributedOrder, path, { crashAndRestore: true });
    });
  });
});

describe('stand-ins for remote participants', () => {
  it("should get the command's payload and give later steps the reply's output", async () => {
    const seen: unknown[] = [];
    const saga = defineSaga({
      name: 'quote-then-book',
      version: 1,
      input: z.object({ city: z.string() }),
      steps: [
        step('quote', {
          run: remote<{ price: number }>('rates.quote', ({ input }) => ({ where: input.city })),
          compensate: 'none',
        }),
        step('book', {
          run: ({ results }) => {
            seen.push((results as { quote?: unknown }).quote);
            return { booked: true };
          },
          compensate: 'none',
        }),
      ],
    });
    const happy = sagaPaths(saga).find((p) => p.kind === 'success');
    const payloads: unknown[] = [];
    const report = await runSagaPath(saga, happy!, {
      input: { city: 'Lyon' },
      participants: {
        'rates.quote': (payload) => {
          payloads.push(payload);
          return { price: 42 };
        },
      },
    });
    expect(report.status).toBe('Completed');
    expect(payloads).toEqual([{ where: 'Lyon' }]);
    expect(seen).toEqual([{ price: 42 }]);
  });
});
