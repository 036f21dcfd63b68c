import { z } from 'zod';
import { awaitEvent, defineSaga, step } from '../../src/index.js';

/** A step that returns its own name and has nothing to undo. */
export const namedStep = (name: string) => step(name, { run: () => name, compensate: 'none' });

/**
 * The saga the SSE tests follow, named `gated`: step `a`, then a wait for each of
 * `events` in turn with a step after each (`b`, `c`, …), so a test moves it on
 * one event at a time.
 *
 * @example
 * gatedSaga(['first', 'second']); // a, first, b, second, c
 */
export function gatedSaga(events: readonly string[]) {
  return defineSaga({
    name: 'gated',
    version: 1,
    input: z.object({}),
    steps: [
      namedStep('a'),
      ...events.flatMap((event, i) => [awaitEvent(event, { event }), namedStep(String.fromCharCode(98 + i))]),
    ],
  });
}
