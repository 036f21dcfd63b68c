// The benchmark's saga for `sagachart serve`: bench/sagas.ts fourSteps, from the built package.
import { z } from 'zod';
import { defineSaga, step } from '../../../dist/src/index.js';

const noop = () => ({ ok: true });

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
