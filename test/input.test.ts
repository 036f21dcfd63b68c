import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { defineSaga, SagaInputError } from '../src/index.js';
import { startEngine } from './fixtures/engine.js';
import { recorder } from './fixtures/recorder.js';

describe('saga input', () => {
  const r = recorder();
  const saga = defineSaga({
    name: 'typed-input',
    version: 1,
    input: z.object({ orderId: z.string(), amount: z.number().positive(), note: z.string().default('none') }),
    steps: [r.step('a')],
  });

  it('should reject invalid input with SagaInputError carrying the zod issues, and store nothing', async () => {
    const engine = await startEngine([saga]);
    const error = await engine.execute('typed-input', { orderId: 7, amount: -1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SagaInputError);
    const issues = (error as SagaInputError).issues;
    expect(issues.map((i) => i.path)).toEqual([['orderId'], ['amount']]);
    expect((error as SagaInputError).message).toMatch(/orderId: .*; amount: /);
    expect((error as SagaInputError).code).toBe('SAGA_INPUT');
    expect((await engine.list()).items).toEqual([]);
    expect(r.calls).toEqual([]);
  });

  it('should store the parsed input, defaults applied', async () => {
    const engine = await startEngine([saga]);
    const { id } = await engine.execute(saga, { orderId: 'A1', amount: 3 });
    expect((await engine.waitFor(id)).input).toEqual({ orderId: 'A1', amount: 3, note: 'none' });
  });
});
