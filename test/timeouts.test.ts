import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { defineSaga, step } from '../src/index.js';
import { settle, startEngine, useFakeClock } from './fixtures/engine.js';
import { recorder, untilAborted } from './fixtures/recorder.js';

describe('step timeouts', () => {
  it('should fail an attempt that runs past timeoutMs and fire its signal', async () => {
    useFakeClock();
    const r = recorder();
    let aborted = false;
    const saga = defineSaga({
      name: 'slow',
      version: 1,
      input: z.object({}),
      steps: [
        r.step('a'),
        step('slow', {
          timeoutMs: 5_000,
          compensate: 'none',
          run: ({ signal }) => untilAborted(signal, () => (aborted = true)),
        }),
      ],
    });
    const engine = await startEngine([saga]);
    const started = Date.now();
    const { id } = await engine.execute(saga, {});
    const outcome = await settle(engine, id);
    expect(outcome.status).toBe('Compensated');
    expect(aborted).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(5_000);
    expect(outcome.errors).toMatchObject([{ step: 'slow', name: 'StepTimeoutError', attempt: 1 }]);
    expect(r.calls).toEqual(['a', 'undo a']);
  });

  it('should retry a timed-out attempt when retries are left', async () => {
    useFakeClock();
    let attempts = 0;
    const saga = defineSaga({
      name: 'slow-then-fast',
      version: 1,
      input: z.object({}),
      steps: [
        step('flaky', {
          timeoutMs: 1_000,
          retry: { maxAttempts: 2, initialDelayMs: 10 },
          compensate: 'none',
          run: ({ attempt, signal }) => {
            attempts = attempt;
            return attempt === 1 ? untilAborted(signal) : 'fast';
          },
        }),
      ],
    });
    const engine = await startEngine([saga]);
    const { id } = await engine.execute(saga, {});
    const outcome = await settle(engine, id);
    expect(outcome.status).toBe('Completed');
    expect(attempts).toBe(2);
    expect(outcome.results).toEqual({ flaky: 'fast' });
  });
});
