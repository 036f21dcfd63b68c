import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { defineSaga } from '../src/index.js';
import { settle, startEngine, useFakeClock } from './fixtures/engine.js';
import { recorder } from './fixtures/recorder.js';

const input = z.object({});
const gaps = (times: number[] = []) => times.slice(1).map((t, i) => t - (times[i] ?? 0));

describe('retries', () => {
  it('should count the first attempt in maxAttempts and back off exponentially', async () => {
    useFakeClock();
    const r = recorder();
    const saga = defineSaga({
      name: 'backoff',
      version: 1,
      input,
      steps: [
        r.step('a'),
        r.step('charge', { failures: Infinity }, { retry: { maxAttempts: 4, initialDelayMs: 100, backoffFactor: 3 } }),
      ],
    });
    const engine = await startEngine([saga]);
    const { id } = await engine.execute(saga, {});
    const outcome = await settle(engine, id);
    expect(outcome.status).toBe('Compensated');
    expect(r.calls.filter((c) => c === 'charge')).toHaveLength(4);
    expect(gaps(r.times['charge'])).toEqual([100, 300, 900]);
    expect(outcome.attempts['charge']).toBe(4);
  });

  it('should cap the backoff at maxDelayMs', async () => {
    useFakeClock();
    const r = recorder();
    const saga = defineSaga({
      name: 'capped',
      version: 1,
      input,
      steps: [
        r.step(
          'a',
          { failures: Infinity },
          { retry: { maxAttempts: 5, initialDelayMs: 100, backoffFactor: 10, maxDelayMs: 2000 } },
        ),
      ],
    });
    const engine = await startEngine([saga]);
    const { id } = await engine.execute(saga, {});
    await settle(engine, id);
    expect(gaps(r.times['a'])).toEqual([100, 1000, 2000, 2000]);
  });

  it('should complete after transient failures and journal each retry', async () => {
    useFakeClock();
    const r = recorder();
    const saga = defineSaga({
      name: 'transient',
      version: 1,
      input,
      steps: [r.step('a', { failures: 2 }, { retry: { maxAttempts: 3, initialDelayMs: 50 } })],
    });
    const engine = await startEngine([saga]);
    const { id } = await engine.execute(saga, {});
    expect((await settle(engine, id)).status).toBe('Completed');
    const retries = (await engine.journal(id)).filter((e) => e.type === 'StepRetryScheduled');
    expect(retries.map((e) => [e.step, e.attempt, (e.data as { delayMs: number }).delayMs])).toEqual([
      ['a', 2, 50],
      ['a', 3, 100],
    ]);
  });

  it('should skip the remaining retries on PermanentError', async () => {
    useFakeClock();
    const r = recorder();
    const saga = defineSaga({
      name: 'permanent',
      version: 1,
      input,
      steps: [r.step('a'), r.step('b', { failures: Infinity, permanent: true }, { retry: { maxAttempts: 5 } })],
    });
    const engine = await startEngine([saga]);
    const { id } = await engine.execute(saga, {});
    const outcome = await settle(engine, id);
    expect(outcome.status).toBe('Compensated');
    expect(r.calls).toEqual(['a', 'b', 'undo a']);
    expect(outcome.errors[0]).toMatchObject({ name: 'PermanentError', permanent: true });
  });

  it('should retry a failing compensation with backoff until it succeeds', async () => {
    useFakeClock();
    const r = recorder();
    const saga = defineSaga({
      name: 'comp-retry',
      version: 1,
      input,
      steps: [
        r.step('a', { compensationFailures: 2 }, { compensationRetry: { maxAttempts: 5, initialDelayMs: 1000 } }),
        r.step('b', { failures: Infinity }),
      ],
    });
    const engine = await startEngine([saga]);
    const { id } = await engine.execute(saga, {});
    const outcome = await settle(engine, id);
    expect(outcome.status).toBe('Compensated');
    expect(r.calls).toEqual(['a', 'b', 'undo a', 'undo a', 'undo a']);
    expect(gaps(r.times['undo a'])).toEqual([1000, 2000]);
  });
});
