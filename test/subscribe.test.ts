import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { defineSaga, step } from '../src/index.js';
import { startEngine } from './fixtures/engine.js';

describe('engine.subscribe', () => {
  it('should hand listeners copies: a listener that changes an event changes no execution', async () => {
    const saga = defineSaga({
      name: 'listened',
      version: 1,
      input: z.object({}),
      steps: [
        step('a', { run: () => ({ v: 1 }), compensate: 'none' }),
        step('b', { run: () => ({ v: 2 }), compensate: 'none' }),
      ],
    });
    const engine = await startEngine([saga]);
    engine.subscribe((event) => {
      for (const entry of event.entries) {
        if (entry.type === 'StepCompleted' && entry.step === 'a') (entry.data as { v: number }).v = 99;
      }
      if (typeof event.state === 'object') (event.state as Record<string, unknown>).Running = 'elsewhere';
    });
    const { id } = await engine.execute(saga, {});
    const view = await engine.waitFor(id);
    expect(view).toMatchObject({ status: 'Completed', results: { a: { v: 1 }, b: { v: 2 } } });
    const completed = (await engine.journal(id)).find((e) => e.type === 'StepCompleted' && e.step === 'a');
    expect(completed?.data).toEqual({ v: 1 });
  });
});
