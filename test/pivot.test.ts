import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { defineSaga } from '../src/index.js';
import { settle, startEngine, useFakeClock } from './fixtures/engine.js';
import { recorder } from './fixtures/recorder.js';

const input = z.object({});

describe('pivot', () => {
  it('should compensate the earlier steps when the pivot itself fails', async () => {
    const r = recorder();
    const saga = defineSaga({
      name: 'at-pivot',
      version: 1,
      input,
      steps: [r.step('a'), r.step('b'), r.step('p', { failures: Infinity }, { pivot: true, compensate: false })],
    });
    const engine = await startEngine([saga]);
    const { id } = await engine.execute(saga, {});
    expect((await engine.waitFor(id)).status).toBe('Compensated');
    expect(r.calls).toEqual(['a', 'b', 'p', 'undo b', 'undo a']);
  });

  it('should retry forward after the pivot and go to Failed without undoing anything', async () => {
    useFakeClock();
    const r = recorder();
    const saga = defineSaga({
      name: 'after-pivot',
      version: 1,
      input,
      steps: [
        r.step('a'),
        r.step('p', {}, { pivot: true, compensate: false }),
        r.step('after', { failures: Infinity }, { compensate: false, retry: { maxAttempts: 3, initialDelayMs: 10 } }),
      ],
    });
    const engine = await startEngine([saga]);
    const { id } = await engine.execute(saga, {});
    const outcome = await settle(engine, id);
    expect(outcome.status).toBe('Failed');
    expect(r.calls).toEqual(['a', 'p', 'after', 'after', 'after']);
    expect(outcome.failure).toMatchObject({ phase: 'Running', state: 'after', step: 'after' });
    expect(outcome.compensated).toEqual([]);
  });

  it('should retry post-pivot steps many times by default', async () => {
    useFakeClock();
    const r = recorder();
    const saga = defineSaga({
      name: 'default-forward',
      version: 1,
      input,
      steps: [
        r.step('p', {}, { pivot: true, compensate: false }),
        r.step('after', { failures: 7 }, { compensate: false }),
      ],
    });
    const engine = await startEngine([saga]);
    const { id } = await engine.execute(saga, {});
    expect((await settle(engine, id)).status).toBe('Completed');
    expect(r.calls.filter((c) => c === 'after')).toHaveLength(8);
  });
});
