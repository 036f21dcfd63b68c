import { z } from 'zod';
import { awaitEvent, defineSaga, step } from '../src/index.js';

const noop = () => ({ ok: true });

/** Four no-op steps: what the engine itself costs per saga. */
export const fourSteps = defineSaga({
  name: 'bench-four-steps',
  version: 1,
  input: z.object({ n: z.number() }),
  steps: [
    step('one', { run: noop, compensate: noop }),
    step('two', { run: noop, compensate: noop }),
    step('three', { run: noop, compensate: noop }),
    step('four', { run: noop, compensate: noop }),
  ],
});

/** Parks in an awaitEvent with a 7-day timeout: what a waiting execution costs in memory and on start. */
export const parked = defineSaga({
  name: 'bench-parked',
  version: 1,
  input: z.object({ n: z.number() }),
  steps: [
    step('one', { run: noop, compensate: noop }),
    awaitEvent('wait', { event: 'go', timeoutMs: 7 * 24 * 3_600_000 }),
    step('two', { run: noop, compensate: noop }),
  ],
});

/** Twenty steps with a pivot at the 12th: the size the path generator must handle quickly. */
export const twentySteps = defineSaga({
  name: 'bench-twenty-steps',
  version: 1,
  input: z.object({}),
  steps: Array.from({ length: 20 }, (_, i) =>
    i < 11
      ? step(`s${i + 1}`, { run: noop, compensate: noop, ...(i % 3 === 0 ? { retry: { maxAttempts: 3 } } : {}) })
      : step(`s${i + 1}`, {
          run: noop,
          ...(i === 11 ? { pivot: true } : {}),
          ...(i % 4 === 0 ? { timeoutMs: 1_000 } : {}),
        }),
  ),
});
