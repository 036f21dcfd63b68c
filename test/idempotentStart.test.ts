import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { defineSaga, InvalidOperationError } from '../src/index.js';
import { startEngine } from './fixtures/engine.js';
import { recorder } from './fixtures/recorder.js';

function saga(name = 'once') {
  const r = recorder();
  return { r, saga: defineSaga({ name, version: 1, input: z.object({ n: z.number() }), steps: [r.step('a')] }) };
}

describe('idempotent start', () => {
  it('should return the first execution for a repeated executionId', async () => {
    const { r, saga: s } = saga();
    const engine = await startEngine([s]);
    const first = await engine.execute(s, { n: 1 }, { executionId: 'order-42' });
    await engine.waitFor(first.id);
    const second = await engine.execute(s, { n: 1 }, { executionId: 'order-42' });
    expect(first).toEqual({ id: 'order-42', existing: false });
    expect(second).toEqual({ id: 'order-42', existing: true });
    expect(r.calls).toEqual(['a']);
    expect((await engine.get('order-42')).input).toEqual({ n: 1 });
  });

  it('should refuse a repeated executionId with a different input, saying so', async () => {
    const { r, saga: s } = saga();
    const engine = await startEngine([s]);
    await engine.waitFor((await engine.execute(s, { n: 1 }, { executionId: 'order-43' })).id);
    const error = await engine.execute(s, { n: 2 }, { executionId: 'order-43' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidOperationError);
    expect((error as Error).message).toMatch(/executionId "order-43" is already used .* with a different input/);
    expect(r.calls).toEqual(['a']);
  });

  it('should refuse a repeated idempotencyKey with a different input, also while the first start is in flight', async () => {
    const { saga: s } = saga();
    const engine = await startEngine([s]);
    const first = engine.execute(s, { n: 1 }, { idempotencyKey: 'k-1' });
    const overlapping = engine.execute(s, { n: 2 }, { idempotencyKey: 'k-1' }).catch((e: unknown) => e);
    expect(await overlapping).toBeInstanceOf(InvalidOperationError);
    await engine.waitFor((await first).id);
    const later = await engine.execute(s, { n: 3 }, { idempotencyKey: 'k-1' }).catch((e: unknown) => e);
    expect((later as Error).message).toMatch(/idempotencyKey "k-1" is already used .* with a different input/);
    // Key order does not make an input different.
    const same = await engine.execute(s, { n: 1 }, { idempotencyKey: 'k-1' });
    expect(same).toEqual({ id: (await first).id, existing: true });
  });

  it('should refuse an idempotencyKey of another saga whether the starts overlap or not', async () => {
    const one = saga('one-k');
    const two = saga('two-k');
    const engine = await startEngine([one.saga, two.saga]);
    const first = engine.execute(one.saga, { n: 1 }, { idempotencyKey: 'shared-key' });
    const overlapping = await engine
      .execute(two.saga, { n: 1 }, { idempotencyKey: 'shared-key' })
      .catch((e: unknown) => e);
    expect(overlapping).toBeInstanceOf(InvalidOperationError);
    expect((overlapping as Error).message).toMatch(/already used by execution .* of saga "one-k", not "two-k"/);
    await first;
    const later = await engine.execute(two.saga, { n: 1 }, { idempotencyKey: 'shared-key' }).catch((e: unknown) => e);
    expect(later).toBeInstanceOf(InvalidOperationError);
  });

  it('should return the first execution for a repeated idempotencyKey', async () => {
    const { r, saga: s } = saga();
    const engine = await startEngine([s]);
    const first = await engine.execute(s, { n: 1 }, { idempotencyKey: 'req-7' });
    const second = await engine.execute(s, { n: 1 }, { idempotencyKey: 'req-7' });
    expect(second).toEqual({ id: first.id, existing: true });
    await engine.waitFor(first.id);
    expect(r.calls).toEqual(['a']);
  });

  it('should start one execution for concurrent starts with the same key', async () => {
    const { r, saga: s } = saga();
    const engine = await startEngine([s]);
    const results = await Promise.all(
      Array.from({ length: 5 }, () => engine.execute(s, { n: 1 }, { idempotencyKey: 'same' })),
    );
    expect(new Set(results.map((x) => x.id)).size).toBe(1);
    expect(results.filter((x) => !x.existing)).toHaveLength(1);
    await engine.waitFor(results[0]?.id ?? '');
    expect(r.calls).toEqual(['a']);
    expect((await engine.list()).items).toHaveLength(1);
  });

  it('should refuse an executionId that belongs to another saga', async () => {
    const one = saga('one');
    const two = saga('two');
    const engine = await startEngine([one.saga, two.saga]);
    await engine.execute(one.saga, { n: 1 }, { executionId: 'shared' });
    await expect(engine.execute(two.saga, { n: 1 }, { executionId: 'shared' })).rejects.toBeInstanceOf(
      InvalidOperationError,
    );
  });

  it('should refuse a malformed executionId', async () => {
    const { saga: s } = saga();
    const engine = await startEngine([s]);
    await expect(engine.execute(s, { n: 1 }, { executionId: 'has space' })).rejects.toThrow(/Invalid executionId/);
    expect((await engine.list()).items).toHaveLength(0);
  });
});
