import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { defineSaga, InvalidOperationError, step } from '../src/index.js';
import { settle, startEngine, useFakeClock } from './fixtures/engine.js';
import { recorder } from './fixtures/recorder.js';

const input = z.object({});

describe('retry of a Failed execution', () => {
  it('should stop the rollback at a compensation that gave up, and resume it exactly there', async () => {
    useFakeClock();
    const r = recorder();
    let refundWorks = false;
    const saga = defineSaga({
      name: 'stuck-refund',
      version: 1,
      input,
      steps: [
        r.step('a'),
        step('charge', {
          run: () => {
            r.calls.push('charge');
            return { chargeId: 'c1' };
          },
          compensate: () => {
            r.calls.push('undo charge');
            if (!refundWorks) throw new Error('bank is down');
          },
          compensationRetry: { maxAttempts: 3, initialDelayMs: 10 },
        }),
        r.step('c'),
        r.step('d', { failures: Infinity }),
      ],
    });
    const engine = await startEngine([saga]);
    const { id } = await engine.execute(saga, {});
    const failed = await settle(engine, id);
    expect(failed.status).toBe('Failed');
    expect(failed.failure).toEqual({
      phase: 'Compensating',
      state: 'charge',
      step: 'charge',
      message: 'bank is down',
      errorName: 'Error',
      attempts: 3,
    });
    expect((await engine.list({ status: 'Failed' })).items.map((e) => e.failure?.step)).toEqual(['charge']);
    // Strict reverse order: 'a' is not undone while 'charge' is stuck.
    expect(r.calls).toEqual(['a', 'charge', 'c', 'd', 'undo c', 'undo charge', 'undo charge', 'undo charge']);

    refundWorks = true;
    await engine.retry(id);
    const outcome = await settle(engine, id);
    expect(outcome.status).toBe('Compensated');
    expect(r.calls.slice(8)).toEqual(['undo charge', 'undo a']);
    const journal = await engine.journal(id);
    expect(journal.filter((e) => e.type === 'ManualRetry')).toMatchObject([{ step: 'charge' }]);
  });

  it('should resume forward after the pivot', async () => {
    useFakeClock();
    const r = recorder();
    let works = false;
    const saga = defineSaga({
      name: 'stuck-forward',
      version: 1,
      input,
      steps: [
        r.step('a'),
        r.step('p', {}, { pivot: true, compensate: false }),
        step('notify', {
          retry: { maxAttempts: 2, initialDelayMs: 10 },
          run: ({ attempt }) => {
            r.calls.push(`notify#${attempt}`);
            if (!works) throw new Error('smtp down');
            return 'sent';
          },
        }),
        r.step('z', {}, { compensate: false }),
      ],
    });
    const engine = await startEngine([saga]);
    const { id } = await engine.execute(saga, {});
    expect((await settle(engine, id)).status).toBe('Failed');
    works = true;
    await engine.retry(id);
    const outcome = await settle(engine, id);
    expect(outcome.status).toBe('Completed');
    expect(r.calls).toEqual(['a', 'p', 'notify#1', 'notify#2', 'notify#1', 'z']);
  });

  it('should have left Failed when retry resolves, so waitFor waits for the new outcome', async () => {
    useFakeClock();
    let works = false;
    const saga = defineSaga({
      name: 'retry-then-wait',
      version: 1,
      input,
      steps: [
        step('p', { pivot: true, run: () => 1 }),
        step('after', {
          retry: { maxAttempts: 1 },
          run: () => {
            if (!works) throw new Error('down');
            return 2;
          },
        }),
      ],
    });
    const engine = await startEngine([saga]);
    const { id } = await engine.execute(saga, {});
    expect((await settle(engine, id)).status).toBe('Failed');
    works = true;
    await engine.retry(id);
    expect((await engine.get(id)).status).toBe('Running');
    expect((await settle(engine, id)).status).toBe('Completed');
  });

  it('should refuse to retry an execution that is not Failed', async () => {
    const r = recorder();
    const saga = defineSaga({ name: 'retry-ok', version: 1, input, steps: [r.step('a')] });
    const engine = await startEngine([saga]);
    const { id } = await engine.execute(saga, {});
    await engine.waitFor(id);
    const error = await engine.retry(id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidOperationError);
    expect((error as InvalidOperationError).code).toBe('INVALID_OPERATION');
  });
});
