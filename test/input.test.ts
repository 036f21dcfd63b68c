import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { defineSaga, SagaInputError, step } from '../src/index.js';
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

  it('should store the input as sent and give steps the parsed input, defaults applied', async () => {
    const seen: unknown[] = [];
    const withDefaults = defineSaga({
      name: 'typed-input-defaults',
      version: 1,
      input: z.object({ orderId: z.string(), note: z.string().default('none') }),
      steps: [step('a', { run: ({ input }) => seen.push(input), compensate: 'none' })],
    });
    const engine = await startEngine([withDefaults]);
    const { id } = await engine.execute(withDefaults, { orderId: 'A1' });
    expect((await engine.waitFor(id)).input).toEqual({ orderId: 'A1' });
    expect(seen).toEqual([{ orderId: 'A1', note: 'none' }]);
  });
});
